import { decodeJson, q, requireOk, type QueryOptions, type Requester } from './request.js';

/** `/v1/status/*` (Consul `api.Status`). */
export class Status {
  readonly #c: Requester;

  constructor(requester: Requester) {
    this.#c = requester;
  }

  /** `GET /v1/status/leader`: `"<ip>:<port>"` of the Raft leader, `""` when there is none. */
  async leader(query?: QueryOptions): Promise<string> {
    const res = requireOk(await this.#c.send({ method: 'GET', path: '/v1/status/leader', ...q(query) }));
    const value = decodeJson(res);
    return typeof value === 'string' ? value : '';
  }

  /** `GET /v1/status/peers`: Raft voters as `"<ip>:<port>"`. */
  async peers(query?: QueryOptions): Promise<string[]> {
    const res = requireOk(await this.#c.send({ method: 'GET', path: '/v1/status/peers', ...q(query) }));
    return (decodeJson(res) as string[] | null) ?? [];
  }
}
