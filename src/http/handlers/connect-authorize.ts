/**
 * `POST /v1/agent/connect/authorize` `{Target, ClientCertURI, ClientCertSerial}` → `{Authorized, Reason}`
 * (Consul agent/agent_endpoint.go `AgentConnectAuthorize`, agent/connect_auth.go). The decision comes from the
 * same compiled intentions as `/v1/connect/intentions/check` (src/intentions/authorize.ts), recomputed when
 * intentions change; the trust domain → peer map is rebuilt when trust bundles or peerings change.
 */
import { AppError, badRequest } from '../../errors/index.js';
import { trustDomain } from '../../connect/index.js';
import { authorize, parseServiceSpiffeId } from '../../intentions/index.js';
import { IDX } from '../../state/index.js';
import type { RequestContext } from '../context.js';
import { Fields } from '../decode.js';
import type { HttpDeps, HttpStore } from '../deps.js';
import { json, type Reply } from '../reply.js';
import { INTENTION_DEFAULT_ALLOW, intentionView } from './intentions.js';

const DECODE = 'Request decode failed';

interface PeerDomains {
  index: number;
  byTrustDomain: Map<string, string>;
}

/** Trust domain → local peer name, per store, rebuilt when the bundles' or peerings' index moves. */
const peerDomains = new WeakMap<HttpStore, PeerDomains>();

function peerForTrustDomain(store: HttpStore, td: string): string | undefined {
  const index = store.maxIndex(undefined, IDX.trustBundles, IDX.peerings);
  let cached = peerDomains.get(store);
  if (cached?.index !== index) {
    const byTrustDomain = new Map<string, string>();
    for (const p of store.peerings(undefined).value) {
      const bundle = store.trustBundle(undefined, p.Name).value;
      if (bundle !== null && bundle.TrustDomain !== '')
        byTrustDomain.set(bundle.TrustDomain.toLowerCase(), p.Name);
    }
    cached = { index, byTrustDomain };
    peerDomains.set(store, cached);
  }
  return cached.byTrustDomain.get(td);
}

/** `POST /v1/agent/connect/authorize` */
export async function agentConnectAuthorize(deps: HttpDeps, ctx: RequestContext): Promise<Reply> {
  const raw = await ctx.json(DECODE);
  if (raw === undefined) throw badRequest('Invalid request');
  const f = new Fields(raw, 'structs.ConnectAuthorizeRequest', DECODE);
  const target = f.string('Target');
  const uri = f.string('ClientCertURI');
  f.string('ClientCertSerial'); // type-checked like Consul's decoder; revocation lists are not checked (Consul neither)
  if (target === '') throw badRequest('Target service must be specified');
  const client = parseServiceSpiffeId(uri);
  if (typeof client === 'string') throw badRequest(client);
  if (deps.store.clusterId === '') {
    throw new AppError('ENT_ERR_BAD_REQUEST', 'cluster has no CA bootstrapped yet', { http: 500 });
  }
  const result = authorize(intentionView(deps.store).current(), {
    target,
    client,
    localTrustDomain: trustDomain(deps.store.clusterId),
    peerForTrustDomain: (td) => peerForTrustDomain(deps.store, td),
    defaultAllow: INTENTION_DEFAULT_ALLOW,
  });
  return json(result);
}
