import { Agent, request, type IncomingHttpHeaders } from 'node:http';

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A keep-alive agent: one TCP connection per concurrent client, reused for every request. */
export function keepAliveAgent(maxSockets: number): Agent {
  return new Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
}

/**
 * One HTTP request on loopback; resolves with the whole body.
 */
export function httpRequest(
  agent: Agent,
  method: string,
  url: string,
  body?: string | Buffer,
  signal?: AbortSignal,
): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = {};
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = Buffer.byteLength(body);
    }
    const req = request(url, { method, agent, headers, ...(signal ? { signal } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Like {@link httpRequest} but rejects unless the status is 200. */
export async function httpOk(
  agent: Agent,
  method: string,
  url: string,
  body?: string | Buffer,
): Promise<HttpResponse> {
  const res = await httpRequest(agent, method, url, body);
  if (res.status !== 200) {
    throw new Error(`${method} ${url} -> ${res.status}: ${res.body.toString('utf8').slice(0, 300)}`);
  }
  return res;
}

export function consulIndex(res: HttpResponse): number {
  const raw = res.headers['x-consul-index'];
  const n = Number(Array.isArray(raw) ? raw[0] : raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`bad X-Consul-Index: ${String(raw)}`);
  return n;
}
