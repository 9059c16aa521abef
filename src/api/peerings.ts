import {
  decodeJson,
  escapePath,
  parseQueryMeta,
  q,
  requireOk,
  w,
  type QueryOptions,
  type QueryResult,
  type Requester,
  type WriteOptions,
} from './request.js';
import type {
  Peering,
  PeeringEstablishRequest,
  PeeringGenerateTokenRequest,
  PeeringGenerateTokenResponse,
  PeeringTrustBundle,
} from './types.js';

/** `/v1/peering*`: cluster peering (Consul `api.Peerings`). */
export class Peerings {
  readonly #c: Requester;

  constructor(requester: Requester) {
    this.#c = requester;
  }

  /** `POST /v1/peering/token`: a token for the named peer to establish with. */
  async generateToken(
    request: PeeringGenerateTokenRequest,
    write?: WriteOptions,
  ): Promise<PeeringGenerateTokenResponse> {
    if (request.PeerName === '') throw new Error('peer name cannot be empty');
    const res = requireOk(
      await this.#c.send({ method: 'POST', path: '/v1/peering/token', json: request, ...w(write) }),
    );
    return decodeJson(res) as PeeringGenerateTokenResponse;
  }

  /** `POST /v1/peering/establish`: dial the acceptor that issued the token. */
  async establish(request: PeeringEstablishRequest, write?: WriteOptions): Promise<void> {
    requireOk(
      await this.#c.send({ method: 'POST', path: '/v1/peering/establish', json: request, ...w(write) }),
    );
  }

  /** `GET /v1/peering/:name`; `null` value when not found (404), as Consul's client does. */
  async read(name: string, query?: QueryOptions): Promise<QueryResult<Peering | null>> {
    if (name === '') throw new Error('peering name cannot be empty');
    const res = await this.#c.send({ method: 'GET', path: `/v1/peering/${escapePath(name)}`, ...q(query) });
    if (res.status === 404) return { value: null, meta: parseQueryMeta(res) };
    requireOk(res);
    return { value: decodeJson(res) as Peering, meta: parseQueryMeta(res) };
  }

  /**
   * `GET /v1/peerings`. Like Consul's client, fails when `X-Consul-LastContact` is missing or malformed.
   */
  async list(query?: QueryOptions): Promise<QueryResult<Peering[]>> {
    const res = requireOk(await this.#c.send({ method: 'GET', path: '/v1/peerings', ...q(query) }));
    const meta = parseQueryMeta(res, true);
    return { value: (decodeJson(res) as Peering[] | null) ?? [], meta };
  }

  /** `DELETE /v1/peering/:name`: marks the peering for deletion. */
  async delete(name: string, write?: WriteOptions): Promise<void> {
    if (name === '') throw new Error('peering name cannot be empty');
    requireOk(await this.#c.send({ method: 'DELETE', path: `/v1/peering/${escapePath(name)}`, ...w(write) }));
  }

  /**
   * Entente's `GET /v1/internal/peering/trust-bundle/:peer` (Consul serves `TrustBundleRead` over internal gRPC
   * only): the peer's CA roots, `null` until it sent them. Blocks on `query.index`.
   */
  async trustBundle(peer: string, query?: QueryOptions): Promise<QueryResult<PeeringTrustBundle | null>> {
    const res = requireOk(
      await this.#c.send({
        method: 'GET',
        path: `/v1/internal/peering/trust-bundle/${escapePath(peer)}`,
        ...q(query),
      }),
    );
    const body = decodeJson(res) as { Bundle?: PeeringTrustBundle | null } | null;
    return { value: body?.Bundle ?? null, meta: parseQueryMeta(res) };
  }

  /**
   * Entente's `GET /v1/internal/peering/trust-bundles?service=S` (Consul's `TrustBundleListByService`): the
   * bundles of every peer `S` is exported to, which `S`'s inbound listener must trust. Blocks on `query.index`.
   */
  async trustBundlesForService(
    service: string,
    query?: QueryOptions,
  ): Promise<QueryResult<PeeringTrustBundle[]>> {
    const res = requireOk(
      await this.#c.send({
        method: 'GET',
        path: '/v1/internal/peering/trust-bundles',
        params: [['service', service]],
        ...q(query),
      }),
    );
    const body = decodeJson(res) as { Bundles?: PeeringTrustBundle[] | null } | null;
    return { value: body?.Bundles ?? [], meta: parseQueryMeta(res) };
  }
}
