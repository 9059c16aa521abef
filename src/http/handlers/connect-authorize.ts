/**
 * `POST /v1/agent/connect/authorize` `{Target, ClientCertURI, ClientCertSerial}` → `{Authorized, Reason}`
 * (Consul agent/agent_endpoint.go `AgentConnectAuthorize`, agent/connect_auth.go). The decision comes from the
 * same compiled intentions as `/v1/connect/intentions/check`; finished results are cached per (URI, target) and
 * everything is recompiled when intentions, peer trust bundles/peerings or the CA roots move
 * (src/intentions/authorize-cache.ts).
 */
import { AppError, badRequest } from '../../errors/index.js';
import { trustDomain } from '../../connect/index.js';
import { AuthorizeCache, parseServiceSpiffeId } from '../../intentions/index.js';
import { IDX } from '../../state/index.js';
import type { RequestContext } from '../context.js';
import { Fields } from '../decode.js';
import type { HttpDeps, HttpStore } from '../deps.js';
import { json, type Reply } from '../reply.js';
import { INTENTION_DEFAULT_ALLOW, intentionView } from './intentions.js';

const DECODE = 'Request decode failed';

/**
 * Body cap of an authorize request: three short strings fit many times over. A larger body is refused with 413
 * (`ENT_ERR_BODY_TOO_LARGE`, the HTTP layer's body-limit message) before it is read further or parsed, so a
 * client cannot make the endpoint parse, decide or cache megabyte-sized names.
 */
export const MAX_AUTHORIZE_BODY_BYTES = 4_096;

/** One decision cache per store: recompiled when intentions, peer trust bundles/peerings or CA roots move. */
const caches = new WeakMap<HttpStore, AuthorizeCache>();

function peerTrustDomains(store: HttpStore): Map<string, string> {
  const byTrustDomain = new Map<string, string>();
  for (const p of store.peerings(undefined).value) {
    const bundle = store.trustBundle(undefined, p.Name).value;
    if (bundle !== null && bundle.TrustDomain !== '')
      byTrustDomain.set(bundle.TrustDomain.toLowerCase(), p.Name);
  }
  return byTrustDomain;
}

/** The store's authorize cache (exported for the benchmark and tests that drive the handler's own cache). */
export function authorizeCache(store: HttpStore): AuthorizeCache {
  let cache = caches.get(store);
  if (cache === undefined) {
    const view = intentionView(store);
    cache = new AuthorizeCache({
      intentions: () => view.current(),
      trustIndex: () => store.maxIndex(undefined, IDX.trustBundles, IDX.peerings),
      peerTrustDomains: () => peerTrustDomains(store),
      rootsIndex: () => store.maxIndex(undefined, IDX.caRoots),
      localTrustDomain: () => trustDomain(store.clusterId),
      defaultAllow: INTENTION_DEFAULT_ALLOW,
    });
    caches.set(store, cache);
  }
  return cache;
}

/** `POST /v1/agent/connect/authorize` */
export async function agentConnectAuthorize(deps: HttpDeps, ctx: RequestContext): Promise<Reply> {
  const raw = await ctx.json(DECODE, MAX_AUTHORIZE_BODY_BYTES);
  if (raw === undefined) throw badRequest('Invalid request');
  const f = new Fields(raw, 'structs.ConnectAuthorizeRequest', DECODE);
  const target = f.string('Target');
  const uri = f.string('ClientCertURI');
  f.string('ClientCertSerial'); // type-checked like Consul's decoder; revocation lists are not checked (Consul neither)
  if (target === '') throw badRequest('Target service must be specified');
  if (deps.store.clusterId === '') {
    // Refused before any decision: a URI parse error still wins, as the check below runs first in Consul.
    const parsed = parseServiceSpiffeId(uri);
    if (typeof parsed === 'string') throw badRequest(parsed);
    throw new AppError('ENT_ERR_BAD_REQUEST', 'cluster has no CA bootstrapped yet', { http: 500 });
  }
  const result = authorizeCache(deps.store).check(uri, target);
  if (typeof result === 'string') throw badRequest(result);
  return json(result);
}
