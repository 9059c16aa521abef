import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A fake Consul HTTP server for client and CLI tests: listens on 127.0.0.1 port 0, records every request and
 * answers canned, Consul-shaped responses. Not for production use.
 */

/** A request as the fake server saw it. */
export interface RecordedRequest {
  readonly method: string;
  /** Path without query, still percent-encoded, e.g. `/v1/kv/a%20b`. */
  readonly path: string;
  /** Raw query string without `?`; empty when none. */
  readonly query: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** A canned answer. `json` is serialised; `text` is sent verbatim (Consul's error bodies are plain text). */
export interface FakeResponse {
  readonly status?: number;
  readonly json?: unknown;
  readonly text?: string;
  /** Extra headers; GETs get `X-Consul-Index: 1`, `X-Consul-KnownLeader: true`, `X-Consul-LastContact: 0`. */
  readonly headers?: Readonly<Record<string, string>>;
}

export type FakeHandler = (request: RecordedRequest) => FakeResponse;

export interface FakeConsul {
  /** `127.0.0.1:<port>`, as given to `-http-addr`. */
  readonly address: string;
  /** Every request, in arrival order. */
  readonly requests: RecordedRequest[];
  /** Answers `method path` (exact path, without query) with a response or a handler. */
  on(method: string, path: string, response: FakeResponse | FakeHandler): void;
  close(): Promise<void>;
}

/** Where `t.after` lives on node:test's TestContext. */
export interface AfterHook {
  after(fn: () => unknown): void;
}

/** Starts a fake server; when `t` is given, it is closed in `t.after`. */
export async function startFakeConsul(t?: AfterHook): Promise<FakeConsul> {
  const routes = new Map<string, FakeResponse | FakeHandler>();
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const rawUrl = req.url ?? '/';
      const mark = rawUrl.indexOf('?');
      const recorded: RecordedRequest = {
        method: req.method ?? 'GET',
        path: mark === -1 ? rawUrl : rawUrl.slice(0, mark),
        query: mark === -1 ? '' : rawUrl.slice(mark + 1),
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(recorded);
      const route = routes.get(`${recorded.method} ${recorded.path}`);
      const answer: FakeResponse =
        route === undefined
          ? { status: 404, text: 'Invalid URL path: not a recognized HTTP API endpoint' }
          : typeof route === 'function'
            ? route(recorded)
            : route;
      const headers: Record<string, string> = {};
      if (recorded.method === 'GET') {
        headers['X-Consul-Index'] = '1';
        headers['X-Consul-KnownLeader'] = 'true';
        headers['X-Consul-LastContact'] = '0';
      }
      let body = '';
      if (answer.json !== undefined) {
        headers['Content-Type'] = 'application/json';
        body = JSON.stringify(answer.json);
      } else if (answer.text !== undefined) {
        body = answer.text;
      }
      Object.assign(headers, answer.headers ?? {});
      res.writeHead(answer.status ?? 200, headers);
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  let closed: Promise<void> | undefined;
  const fake: FakeConsul = {
    address: `127.0.0.1:${port}`,
    requests,
    on(method, path, response) {
      routes.set(`${method} ${path}`, response);
    },
    close() {
      closed ??= new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => {
          if (err === undefined) resolve();
          else reject(err);
        });
      });
      return closed;
    },
  };
  t?.after(() => fake.close());
  return fake;
}
