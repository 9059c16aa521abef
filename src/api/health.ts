import {
  decodeJson,
  escapePath,
  parseQueryMeta,
  requireOk,
  type QueryOptions,
  type QueryResult,
  type Requester,
  q,
} from './request.js';
import type { HealthCheck, ServiceEntry } from './types.js';

/** Check states accepted by {@link Health.state}. */
export const HEALTH_STATES = ['any', 'passing', 'warning', 'critical'] as const;
export type HealthState = (typeof HEALTH_STATES)[number];

/** Filters of {@link Health.service}. */
export interface HealthServiceOptions {
  /** Only instances carrying every tag (repeated `tag`). */
  readonly tags?: readonly string[];
  /** Only instances whose checks all pass (`passing=1`). */
  readonly passing?: boolean;
}

/** `/v1/health/*` (Consul `api.Health`). */
export class Health {
  readonly #c: Requester;

  constructor(requester: Requester) {
    this.#c = requester;
  }

  /** `GET /v1/health/service/:name`. */
  service(
    name: string,
    options: HealthServiceOptions = {},
    query?: QueryOptions,
  ): Promise<QueryResult<ServiceEntry[]>> {
    return this.#entries('service', name, options, query);
  }

  /** `GET /v1/health/connect/:name`: mesh-capable instances only. */
  connect(
    name: string,
    options: HealthServiceOptions = {},
    query?: QueryOptions,
  ): Promise<QueryResult<ServiceEntry[]>> {
    return this.#entries('connect', name, options, query);
  }

  /** `GET /v1/health/checks/:service`. */
  checks(service: string, query?: QueryOptions): Promise<QueryResult<HealthCheck[]>> {
    return this.#checks(`/v1/health/checks/${escapePath(service)}`, query);
  }

  /** `GET /v1/health/node/:node`. */
  node(node: string, query?: QueryOptions): Promise<QueryResult<HealthCheck[]>> {
    return this.#checks(`/v1/health/node/${escapePath(node)}`, query);
  }

  /** `GET /v1/health/state/:state`. */
  state(state: HealthState, query?: QueryOptions): Promise<QueryResult<HealthCheck[]>> {
    return this.#checks(`/v1/health/state/${state}`, query);
  }

  async #entries(
    endpoint: 'service' | 'connect',
    name: string,
    options: HealthServiceOptions,
    query: QueryOptions | undefined,
  ): Promise<QueryResult<ServiceEntry[]>> {
    const params: (readonly [string, string])[] = (options.tags ?? []).map((t) => ['tag', t] as const);
    if (options.passing === true) params.push(['passing', '1']);
    const res = requireOk(
      await this.#c.send({
        method: 'GET',
        path: `/v1/health/${endpoint}/${escapePath(name)}`,
        params,
        ...q(query),
      }),
    );
    return { value: (decodeJson(res) as ServiceEntry[] | null) ?? [], meta: parseQueryMeta(res) };
  }

  async #checks(path: string, query: QueryOptions | undefined): Promise<QueryResult<HealthCheck[]>> {
    const res = requireOk(await this.#c.send({ method: 'GET', path, ...q(query) }));
    return { value: (decodeJson(res) as HealthCheck[] | null) ?? [], meta: parseQueryMeta(res) };
  }
}
