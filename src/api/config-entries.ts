import { bodyIsTrue } from './kv.js';
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
import type { ConfigEntry } from './types.js';

/** `/v1/config/*`: centralised config entries (Consul `api.ConfigEntries`). */
export class ConfigEntries {
  readonly #c: Requester;

  constructor(requester: Requester) {
    this.#c = requester;
  }

  /** `PUT /v1/config`; true when applied. */
  async set(entry: ConfigEntry, write?: WriteOptions): Promise<boolean> {
    const res = requireOk(
      await this.#c.send({ method: 'PUT', path: '/v1/config', json: entry, ...w(write) }),
    );
    return bodyIsTrue(res);
  }

  /** `PUT /v1/config?cas=<index>`; false when the entry's ModifyIndex differs (0: only if absent). */
  async cas(entry: ConfigEntry, modifyIndex: number, write?: WriteOptions): Promise<boolean> {
    const res = requireOk(
      await this.#c.send({
        method: 'PUT',
        path: '/v1/config',
        params: [['cas', String(modifyIndex)]],
        json: entry,
        ...w(write),
      }),
    );
    return bodyIsTrue(res);
  }

  /** `GET /v1/config/:kind/:name`; a missing entry is an {@link ApiError} 404, as in Consul's client. */
  async get(kind: string, name: string, query?: QueryOptions): Promise<QueryResult<ConfigEntry>> {
    if (kind === '' || name === '') throw new Error('Both kind and name parameters must not be empty');
    const res = requireOk(await this.#c.send({ method: 'GET', path: entryPath(kind, name), ...q(query) }));
    return { value: decodeJson(res) as ConfigEntry, meta: parseQueryMeta(res) };
  }

  /** `GET /v1/config/:kind`. */
  async list(kind: string, query?: QueryOptions): Promise<QueryResult<ConfigEntry[]>> {
    if (kind === '') throw new Error('The kind parameter must not be empty');
    const res = requireOk(
      await this.#c.send({ method: 'GET', path: `/v1/config/${escapePath(kind)}`, ...q(query) }),
    );
    return { value: (decodeJson(res) as ConfigEntry[] | null) ?? [], meta: parseQueryMeta(res) };
  }

  /** `DELETE /v1/config/:kind/:name`. */
  async delete(kind: string, name: string, write?: WriteOptions): Promise<void> {
    if (kind === '' || name === '') throw new Error('Both kind and name parameters must not be empty');
    requireOk(await this.#c.send({ method: 'DELETE', path: entryPath(kind, name), ...w(write) }));
  }

  /** `DELETE /v1/config/:kind/:name?cas=<index>`; false when the index no longer matches. */
  async deleteCas(kind: string, name: string, modifyIndex: number, write?: WriteOptions): Promise<boolean> {
    if (kind === '' || name === '') throw new Error('Both kind and name parameters must not be empty');
    const res = requireOk(
      await this.#c.send({
        method: 'DELETE',
        path: entryPath(kind, name),
        params: [['cas', String(modifyIndex)]],
        ...w(write),
      }),
    );
    return bodyIsTrue(res);
  }
}

function entryPath(kind: string, name: string): string {
  return `/v1/config/${escapePath(kind)}/${escapePath(name)}`;
}
