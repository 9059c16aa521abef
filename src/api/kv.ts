import {
  decodeJson,
  escapePath,
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
import type { KVPair } from './types.js';

/** A pair to write. `value` is raw bytes or text (UTF-8). */
export interface KVWrite {
  readonly key: string;
  readonly value?: string | Uint8Array;
  /** Opaque uint64 for clients, sent as `flags` when non-zero. */
  readonly flags?: number;
}

/** `/v1/kv/*` (Consul `api.KV`). */
export class KV {
  readonly #c: Requester;

  constructor(requester: Requester) {
    this.#c = requester;
  }

  /** `GET /v1/kv/:key`; `null` value when the key does not exist (404). */
  async get(key: string, query?: QueryOptions): Promise<QueryResult<KVPair | null>> {
    const res = await this.#c.send({ method: 'GET', path: kvPath(key), ...q(query) });
    if (res.status === 404) return { value: null, meta: parseQueryMeta(res) };
    requireOk(res);
    const pairs = (decodeJson(res) as KVPair[] | null) ?? [];
    return { value: pairs[0] ?? null, meta: parseQueryMeta(res) };
  }

  /** `GET /v1/kv/:prefix?recurse`: every pair under the prefix; empty when none (404). */
  async list(prefix: string, query?: QueryOptions): Promise<QueryResult<KVPair[]>> {
    const res = await this.#c.send({
      method: 'GET',
      path: kvPath(prefix),
      params: [['recurse', '']],
      ...q(query),
    });
    if (res.status === 404) return { value: [], meta: parseQueryMeta(res) };
    requireOk(res);
    return { value: (decodeJson(res) as KVPair[] | null) ?? [], meta: parseQueryMeta(res) };
  }

  /** `GET /v1/kv/:prefix?keys[&separator=]`: key names only, rolled up at `separator` when given. */
  async keys(prefix: string, separator = '', query?: QueryOptions): Promise<QueryResult<string[]>> {
    const params: (readonly [string, string])[] = [['keys', '']];
    if (separator !== '') params.push(['separator', separator]);
    const res = await this.#c.send({ method: 'GET', path: kvPath(prefix), params, ...q(query) });
    if (res.status === 404) return { value: [], meta: parseQueryMeta(res) };
    requireOk(res);
    return { value: (decodeJson(res) as string[] | null) ?? [], meta: parseQueryMeta(res) };
  }

  /** `PUT /v1/kv/:key` with the value as the raw body. */
  async put(pair: KVWrite, write?: WriteOptions): Promise<void> {
    await this.#put(pair, [], write);
  }

  /** `PUT /v1/kv/:key?cas=<modifyIndex>`; false when the index no longer matches. */
  cas(pair: KVWrite, modifyIndex: number, write?: WriteOptions): Promise<boolean> {
    return this.#put(pair, [['cas', String(modifyIndex)]], write);
  }

  /** `DELETE /v1/kv/:key`. */
  async delete(key: string, write?: WriteOptions): Promise<void> {
    requireOk(await this.#c.send({ method: 'DELETE', path: kvPath(key), ...w(write) }));
  }

  /** `DELETE /v1/kv/:prefix?recurse`. */
  async deleteTree(prefix: string, write?: WriteOptions): Promise<void> {
    requireOk(
      await this.#c.send({ method: 'DELETE', path: kvPath(prefix), params: [['recurse', '']], ...w(write) }),
    );
  }

  /** `DELETE /v1/kv/:key?cas=<modifyIndex>`; false when the index no longer matches. */
  async deleteCas(key: string, modifyIndex: number, write?: WriteOptions): Promise<boolean> {
    const res = requireOk(
      await this.#c.send({
        method: 'DELETE',
        path: kvPath(key),
        params: [['cas', String(modifyIndex)]],
        ...w(write),
      }),
    );
    return bodyIsTrue(res);
  }

  async #put(
    pair: KVWrite,
    extra: readonly (readonly [string, string])[],
    write: WriteOptions | undefined,
  ): Promise<boolean> {
    if (pair.key.startsWith('/')) {
      throw new Error(`Invalid key. Key must not begin with a '/': ${pair.key}`);
    }
    const params: (readonly [string, string])[] = [...extra];
    if (pair.flags !== undefined && pair.flags !== 0) params.push(['flags', String(pair.flags)]);
    const res = requireOk(
      await this.#c.send({
        method: 'PUT',
        path: kvPath(pair.key),
        params,
        raw: { data: pair.value ?? '', contentType: 'application/octet-stream' },
        ...w(write),
      }),
    );
    return bodyIsTrue(res);
  }
}

/** The bytes of a pair's value (the wire carries base64; `null` is empty). */
export function kvValueBytes(pair: KVPair): Buffer {
  return pair.Value === null ? Buffer.alloc(0) : Buffer.from(pair.Value, 'base64');
}

function kvPath(key: string): string {
  return `/v1/kv/${escapePath(key)}`;
}

/** Consul answers bare `true`/`false`; the Go client looks for the substring `true`. */
export function bodyIsTrue(res: ApiResponse): boolean {
  return res.body.includes('true');
}
