import {
  decodeJson,
  escapePath,
  parseQueryMeta,
  requireOk,
  type QueryOptions,
  type QueryResult,
  type Requester,
  type WriteOptions,
  q,
  w,
} from './request.js';
import type {
  CatalogDeregistration,
  CatalogNode,
  CatalogRegistration,
  CatalogService,
  Node,
} from './types.js';

/** `/v1/catalog/*` (Consul `api.Catalog`). */
export class Catalog {
  readonly #c: Requester;

  constructor(requester: Requester) {
    this.#c = requester;
  }

  /** `GET /v1/catalog/datacenters`: known datacenters, nearest first. */
  async datacenters(query?: QueryOptions): Promise<string[]> {
    const res = requireOk(
      await this.#c.send({ method: 'GET', path: '/v1/catalog/datacenters', ...q(query) }),
    );
    return (decodeJson(res) as string[] | null) ?? [];
  }

  /** `GET /v1/catalog/nodes`. */
  async nodes(query?: QueryOptions): Promise<QueryResult<Node[]>> {
    const res = requireOk(await this.#c.send({ method: 'GET', path: '/v1/catalog/nodes', ...q(query) }));
    return { value: (decodeJson(res) as Node[] | null) ?? [], meta: parseQueryMeta(res) };
  }

  /** `GET /v1/catalog/services`: service name → distinct tags. */
  async services(query?: QueryOptions): Promise<QueryResult<Record<string, string[] | null>>> {
    const res = requireOk(await this.#c.send({ method: 'GET', path: '/v1/catalog/services', ...q(query) }));
    return {
      value: (decodeJson(res) as Record<string, string[] | null> | null) ?? {},
      meta: parseQueryMeta(res),
    };
  }

  /**
   * `GET /v1/catalog/service/:name`, keeping instances that carry every tag in `tags` (repeated `tag`).
   */
  async service(
    name: string,
    tags: readonly string[] = [],
    query?: QueryOptions,
  ): Promise<QueryResult<CatalogService[]>> {
    const res = requireOk(
      await this.#c.send({
        method: 'GET',
        path: `/v1/catalog/service/${escapePath(name)}`,
        params: tags.map((t) => ['tag', t] as const),
        ...q(query),
      }),
    );
    return { value: (decodeJson(res) as CatalogService[] | null) ?? [], meta: parseQueryMeta(res) };
  }

  /** `GET /v1/catalog/node/:node`; `null` when the node is unknown. */
  async node(name: string, query?: QueryOptions): Promise<QueryResult<CatalogNode | null>> {
    const res = requireOk(
      await this.#c.send({ method: 'GET', path: `/v1/catalog/node/${escapePath(name)}`, ...q(query) }),
    );
    return { value: decodeJson(res) as CatalogNode | null, meta: parseQueryMeta(res) };
  }

  /** `PUT /v1/catalog/register`. */
  async register(registration: CatalogRegistration, write?: WriteOptions): Promise<void> {
    requireOk(
      await this.#c.send({ method: 'PUT', path: '/v1/catalog/register', json: registration, ...w(write) }),
    );
  }

  /** `PUT /v1/catalog/deregister`. */
  async deregister(deregistration: CatalogDeregistration, write?: WriteOptions): Promise<void> {
    requireOk(
      await this.#c.send({
        method: 'PUT',
        path: '/v1/catalog/deregister',
        json: deregistration,
        ...w(write),
      }),
    );
  }
}
