/** What a handler answers. The server renders it; handlers never touch the response object. */
export interface Reply {
  status?: number;
  /** JSON value to render; `undefined` means an empty body (Consul's "handler returned nothing"). */
  body?: unknown;
  /** A raw body (KV `?raw`), sent as is. */
  raw?: Buffer | string;
  contentType?: string;
  headers?: Record<string, string>;
  /** Query meta: when set, X-Consul-Index/KnownLeader/LastContact are sent. */
  index?: number;
}

export function json(body: unknown, index?: number): Reply {
  return index === undefined ? { body } : { body, index };
}

/** Consul's JSON rendering: compact, or indented by four spaces with a trailing newline for `?pretty`. */
export function serializeJson(body: unknown, pretty: boolean): string {
  return pretty ? `${JSON.stringify(body, null, 4)}\n` : JSON.stringify(body);
}
