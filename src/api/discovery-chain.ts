import {
  decodeJson,
  escapePath,
  parseQueryMeta,
  q,
  requireOk,
  type QueryOptions,
  type QueryResult,
  type Requester,
} from './request.js';

/** `api.DiscoveryChainOptions`: POST overrides; none → a GET. */
export interface DiscoveryChainOptions {
  /** Datacenter to evaluate the chain in (`compile-dc`). */
  readonly evaluateInDatacenter?: string;
  readonly overrideMeshGateway?: { Mode?: string };
  readonly overrideProtocol?: string;
  /** Go duration string, e.g. `"7s"`. */
  readonly overrideConnectTimeout?: string;
}

/** `/v1/discovery-chain/:service` (Consul `api.DiscoveryChain`). The chain is Consul's JSON, untyped here. */
export class DiscoveryChain {
  readonly #c: Requester;

  constructor(requester: Requester) {
    this.#c = requester;
  }

  /** The compiled chain (`{"Chain": …}`'s value); POST when any override is given, as Consul's client does. */
  async get(
    name: string,
    opts: DiscoveryChainOptions = {},
    query?: QueryOptions,
  ): Promise<QueryResult<Record<string, unknown>>> {
    if (name === '') throw new Error('Name parameter must not be empty');
    const body: Record<string, unknown> = {};
    if (opts.overrideMeshGateway?.Mode !== undefined) body['OverrideMeshGateway'] = opts.overrideMeshGateway;
    if (opts.overrideProtocol !== undefined) body['OverrideProtocol'] = opts.overrideProtocol;
    if (opts.overrideConnectTimeout !== undefined)
      body['OverrideConnectTimeout'] = opts.overrideConnectTimeout;
    const post = Object.keys(body).length > 0;
    const res = requireOk(
      await this.#c.send({
        method: post ? 'POST' : 'GET',
        path: `/v1/discovery-chain/${escapePath(name)}`,
        params: opts.evaluateInDatacenter ? [['compile-dc', opts.evaluateInDatacenter]] : [],
        ...(post ? { json: body } : {}),
        ...q(query),
      }),
    );
    const out = decodeJson(res) as { Chain?: Record<string, unknown> } | null;
    return { value: out?.Chain ?? {}, meta: parseQueryMeta(res) };
  }
}
