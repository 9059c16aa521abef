import {
  decodeJson,
  parseQueryMeta,
  q,
  requireOk,
  w,
  type ApiResponse,
  type QueryOptions,
  type QueryResult,
  type Requester,
  type WriteOptions,
} from './request.js';
import type { CAConfig, Intention, IntentionExplanation } from './types.js';

/** `api.AgentAuthorizeParams`. */
export interface AuthorizeParams {
  readonly Target: string;
  readonly ClientCertURI: string;
  readonly ClientCertSerial: string;
}

/** `by` of an intention match (Consul `api.IntentionMatchType`). */
export type IntentionMatchType = 'source' | 'destination';

/** `maybePrefixNamespaceAndPartition` of Consul's client: `name`, `ns/name` or `partition/ns/name`. */
function targetOf(partition: string | undefined, ns: string | undefined, name: string): string {
  const p = partition ?? '';
  const n = ns ?? '';
  if (p === '') return n === '' ? name : `${n}/${name}`;
  return `${p}/${n === '' ? 'default' : n}/${name}`;
}

/** `/v1/connect/intentions*` (Consul `api.Connect` intention methods). */
export class Connect {
  readonly #c: Requester;

  constructor(requester: Requester) {
    this.#c = requester;
  }

  /** `GET /v1/connect/intentions`. */
  async intentions(query?: QueryOptions): Promise<QueryResult<Intention[]>> {
    const res = requireOk(await this.#c.send({ method: 'GET', path: '/v1/connect/intentions', ...q(query) }));
    return { value: (decodeJson(res) as Intention[] | null) ?? [], meta: parseQueryMeta(res) };
  }

  /** `GET /v1/connect/intentions/exact`; `null` when there is none (404), as Consul's client answers. */
  async intentionGetExact(
    source: string,
    destination: string,
    query?: QueryOptions,
  ): Promise<QueryResult<Intention | null>> {
    const res = await this.#c.send({
      method: 'GET',
      path: '/v1/connect/intentions/exact',
      params: [
        ['source', source],
        ['destination', destination],
      ],
      ...q(query),
    });
    if (res.status === 404) return { value: null, meta: parseQueryMeta(res) };
    requireOk(res);
    return { value: decodeJson(res) as Intention, meta: parseQueryMeta(res) };
  }

  /** `GET /v1/connect/intentions/:id` (deprecated); `null` when there is none (404), as Consul's client answers. */
  async intentionGet(id: string, query?: QueryOptions): Promise<QueryResult<Intention | null>> {
    const res = await this.#c.send({
      method: 'GET',
      path: `/v1/connect/intentions/${encodeURIComponent(id)}`,
      ...q(query),
    });
    if (res.status === 404) return { value: null, meta: parseQueryMeta(res) };
    requireOk(res);
    return { value: decodeJson(res) as Intention, meta: parseQueryMeta(res) };
  }

  /** `DELETE /v1/connect/intentions/:id` (deprecated). */
  async intentionDelete(id: string, write?: WriteOptions): Promise<void> {
    requireOk(
      await this.#c.send({
        method: 'DELETE',
        path: `/v1/connect/intentions/${encodeURIComponent(id)}`,
        ...w(write),
      }),
    );
  }

  /** `PUT /v1/connect/intentions/exact` with the intention as body (Consul `IntentionUpsert`). */
  async intentionUpsert(ixn: Intention, write?: WriteOptions): Promise<void> {
    requireOk(
      await this.#c.send({
        method: 'PUT',
        path: '/v1/connect/intentions/exact',
        params: [
          ['source', targetOf(ixn.SourcePartition, ixn.SourceNS, ixn.SourceName)],
          ['destination', targetOf(ixn.DestinationPartition, ixn.DestinationNS, ixn.DestinationName)],
        ],
        json: ixn,
        ...w(write),
      }),
    );
  }

  /** `DELETE /v1/connect/intentions/exact`. */
  async intentionDeleteExact(source: string, destination: string, write?: WriteOptions): Promise<void> {
    requireOk(
      await this.#c.send({
        method: 'DELETE',
        path: '/v1/connect/intentions/exact',
        params: [
          ['source', source],
          ['destination', destination],
        ],
        ...w(write),
      }),
    );
  }

  /** `GET /v1/connect/intentions/match`: name → intentions in evaluation order. */
  async intentionMatch(
    by: IntentionMatchType,
    names: readonly string[],
    query?: QueryOptions,
  ): Promise<QueryResult<Record<string, Intention[]>>> {
    const res = requireOk(
      await this.#c.send({
        method: 'GET',
        path: '/v1/connect/intentions/match',
        params: [['by', by], ...names.map((n) => ['name', n] as const)],
        ...q(query),
      }),
    );
    return {
      value: (decodeJson(res) as Record<string, Intention[]> | null) ?? {},
      meta: parseQueryMeta(res),
    };
  }

  /** `GET /v1/connect/intentions/check` for source → destination plus one more parameter; the response must be OK. */
  async #check(
    source: string,
    destination: string,
    extra: readonly [string, string],
    query: QueryOptions | undefined,
  ): Promise<ApiResponse> {
    return requireOk(
      await this.#c.send({
        method: 'GET',
        path: '/v1/connect/intentions/check',
        params: [['source', source], ['destination', destination], extra],
        ...q(query),
      }),
    );
  }

  /** `GET /v1/connect/intentions/check`: would a connection from source to destination be allowed? */
  async intentionCheck(
    source: string,
    destination: string,
    query?: QueryOptions,
  ): Promise<QueryResult<boolean>> {
    const res = await this.#check(source, destination, ['source-type', 'consul'], query);
    const body = decodeJson(res) as { Allowed?: boolean } | null;
    return { value: body?.Allowed === true, meta: parseQueryMeta(res) };
  }

  /** Entente's `GET /v1/connect/intentions/check?explain` (not in Consul). */
  async intentionExplain(
    source: string,
    destination: string,
    query?: QueryOptions,
  ): Promise<QueryResult<IntentionExplanation>> {
    const res = await this.#check(source, destination, ['explain', ''], query);
    const body = decodeJson(res) as { Explanation: IntentionExplanation };
    return { value: body.Explanation, meta: parseQueryMeta(res) };
  }

  /**
   * `POST /v1/agent/connect/authorize` (Consul's client has it as `Agent().ConnectAuthorize`): may this client
   * certificate connect to `Target`?
   */
  async authorize(
    params: AuthorizeParams,
    write?: WriteOptions,
  ): Promise<{ Authorized: boolean; Reason: string }> {
    const res = requireOk(
      await this.#c.send({ method: 'POST', path: '/v1/agent/connect/authorize', json: params, ...w(write) }),
    );
    return decodeJson(res) as { Authorized: boolean; Reason: string };
  }

  /** `GET /v1/connect/ca/configuration` (Consul `Connect().CAGetConfig`). */
  async caGetConfig(query?: QueryOptions): Promise<QueryResult<CAConfig>> {
    const res = requireOk(
      await this.#c.send({ method: 'GET', path: '/v1/connect/ca/configuration', ...q(query) }),
    );
    return { value: decodeJson(res) as CAConfig, meta: parseQueryMeta(res) };
  }

  /** `PUT /v1/connect/ca/configuration` (Consul `Connect().CASetConfig`). */
  async caSetConfig(config: CAConfig, write?: WriteOptions): Promise<void> {
    requireOk(
      await this.#c.send({ method: 'PUT', path: '/v1/connect/ca/configuration', json: config, ...w(write) }),
    );
  }
}
