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
  AgentMember,
  AgentService,
  AgentServiceRegistration,
  CARootList,
  HealthCheck,
  LeafCert,
} from './types.js';

/** {@link Agent.service}'s answer: the service and its `ContentHash`, to pass back as `hash` to block. */
export interface AgentServiceResult {
  readonly value: AgentService;
  readonly hash: string;
}

/** Consul's `api.AllSegments`: ask for members of every network segment. */
export const ALL_SEGMENTS = '_all';

/** Options of {@link Agent.members} (Consul `api.MembersOpts`). */
export interface MembersOptions {
  /** Servers in the WAN pool instead of the LAN (`wan=1`). */
  readonly wan?: boolean;
  /** Network segment; always sent, default {@link ALL_SEGMENTS}. */
  readonly segment?: string;
  readonly filter?: string;
}

/** `/v1/agent/*`: the agent answering the request (Consul `api.Agent`). */
export class Agent {
  readonly #c: Requester;

  constructor(requester: Requester) {
    this.#c = requester;
  }

  /** `GET /v1/agent/self`: the agent's configuration and member record. */
  async self(query?: QueryOptions): Promise<Record<string, unknown>> {
    const res = requireOk(await this.#c.send({ method: 'GET', path: '/v1/agent/self', ...q(query) }));
    return (decodeJson(res) as Record<string, unknown> | null) ?? {};
  }

  /** `GET /v1/agent/members`, sending `segment` always, as Consul's `MembersOpts` does. */
  async members(options: MembersOptions = {}, query?: QueryOptions): Promise<AgentMember[]> {
    const params: (readonly [string, string])[] = [['segment', options.segment ?? ALL_SEGMENTS]];
    if (options.wan === true) params.push(['wan', '1']);
    if (options.filter !== undefined && options.filter !== '') params.push(['filter', options.filter]);
    const res = requireOk(
      await this.#c.send({ method: 'GET', path: '/v1/agent/members', params, ...q(query) }),
    );
    return (decodeJson(res) as AgentMember[] | null) ?? [];
  }

  /** `GET /v1/agent/services`: service ID → service. */
  async services(query?: QueryOptions): Promise<Record<string, AgentService>> {
    const res = requireOk(await this.#c.send({ method: 'GET', path: '/v1/agent/services', ...q(query) }));
    return (decodeJson(res) as Record<string, AgentService> | null) ?? {};
  }

  /** `GET /v1/agent/checks`: check ID → check. */
  async checks(query?: QueryOptions): Promise<Record<string, HealthCheck>> {
    const res = requireOk(await this.#c.send({ method: 'GET', path: '/v1/agent/checks', ...q(query) }));
    return (decodeJson(res) as Record<string, HealthCheck> | null) ?? {};
  }

  /** `PUT /v1/agent/service/register`; `replaceExistingChecks` adds `replace-existing-checks=true`. */
  async serviceRegister(
    registration: AgentServiceRegistration,
    options: { readonly replaceExistingChecks?: boolean } = {},
    write?: WriteOptions,
  ): Promise<void> {
    const params: (readonly [string, string])[] =
      options.replaceExistingChecks === true ? [['replace-existing-checks', 'true']] : [];
    requireOk(
      await this.#c.send({
        method: 'PUT',
        path: '/v1/agent/service/register',
        params,
        json: registration,
        ...w(write),
      }),
    );
  }

  /** `PUT /v1/agent/service/deregister/:id`. */
  async serviceDeregister(serviceId: string, write?: WriteOptions): Promise<void> {
    requireOk(
      await this.#c.send({
        method: 'PUT',
        path: `/v1/agent/service/deregister/${escapePath(serviceId)}`,
        ...w(write),
      }),
    );
  }

  /**
   * `GET /v1/agent/service/:id` (Consul `Agent().Service`). With `hash` (the `ContentHash` of an earlier
   * answer) it blocks until the registration changes or `query.waitMs` passes (Consul's hash-based blocking).
   */
  async service(serviceId: string, hash = '', query?: QueryOptions): Promise<AgentServiceResult> {
    const params: (readonly [string, string])[] = hash === '' ? [] : [['hash', hash]];
    const res = requireOk(
      await this.#c.send({
        method: 'GET',
        path: `/v1/agent/service/${escapePath(serviceId)}`,
        params,
        ...q(query),
      }),
    );
    const value = decodeJson(res) as AgentService;
    return { value, hash: res.headers.get('X-Consul-ContentHash') ?? value.ContentHash ?? '' };
  }

  /** `GET /v1/agent/connect/ca/roots` (Consul `Agent().ConnectCARoots`), blocking on `query.index`. */
  async connectCARoots(query?: QueryOptions): Promise<QueryResult<CARootList>> {
    const res = requireOk(
      await this.#c.send({ method: 'GET', path: '/v1/agent/connect/ca/roots', ...q(query) }),
    );
    return { value: decodeJson(res) as CARootList, meta: parseQueryMeta(res) };
  }

  /**
   * `GET /v1/agent/connect/ca/leaf/:service` (Consul `Agent().ConnectCALeaf`), blocking on `query.index`. The
   * answer holds the private key: never log it.
   */
  async connectCALeaf(service: string, query?: QueryOptions): Promise<QueryResult<LeafCert>> {
    const res = requireOk(
      await this.#c.send({
        method: 'GET',
        path: `/v1/agent/connect/ca/leaf/${escapePath(service)}`,
        ...q(query),
      }),
    );
    return { value: decodeJson(res) as LeafCert, meta: parseQueryMeta(res) };
  }

  /** `PUT /v1/agent/check/pass/:id` (Consul `Agent().PassTTL`). */
  async passTTL(checkId: string, note = '', write?: WriteOptions): Promise<void> {
    requireOk(
      await this.#c.send({
        method: 'PUT',
        path: `/v1/agent/check/pass/${escapePath(checkId)}`,
        params: note === '' ? [] : [['note', note]],
        ...w(write),
      }),
    );
  }
}
