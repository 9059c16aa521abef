import { request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest, type RequestOptions as HttpsRequestOptions } from 'node:https';

import type { ProbeResult } from './interval-runner.js';
import { dialErrorText } from './net-errors.js';
import { DEFAULT_CHECK_OUTPUT_MAX_BYTES, TailBuffer } from './output.js';
import { DEFAULT_CHECK_TIMEOUT_MS } from './tcp-probe.js';

/** Consul's `checks.UserAgent`. */
export const CHECK_USER_AGENT = 'Consul Health Check';
/** Go's http.Client gives up after this many redirects. */
const MAX_REDIRECTS = 10;
/** Headers Go's client does not forward when a redirect leaves the host. */
const CROSS_HOST_DROPPED_HEADERS = ['authorization', 'www-authenticate', 'cookie', 'cookie2'];

export interface HttpProbeSpec {
  url: string;
  /** Default GET. */
  method: string;
  header: Readonly<Record<string, readonly string[]>>;
  body: string;
  /** ms for the whole exchange (connect, headers, body), as Go's `http.Client.Timeout`; 0 → 10 s. */
  timeoutMs: number;
  tlsSkipVerify: boolean;
  tlsServerName: string;
  /** Output cap; Consul keeps the last bytes of the body. Default 4 KiB. */
  maxOutputBytes?: number;
}

class ProbeTimeout extends Error {}

/** Go's `url.Error` op: `Get`, `Post`, ... */
function urlErrorOp(method: string): string {
  return method.charAt(0) + method.slice(1).toLowerCase();
}

interface Exchange {
  res: IncomingMessage;
  body: string;
}

/**
 * One HTTP check (Consul's `CheckHTTP.check`): `Method` (default GET) to the URL with `Header` and `Body`, without
 * keep-alive, following redirects as Go's client does. 2xx → passing, 429 → warning, anything else → critical, with
 * Output `HTTP <method> <url>: <status line> Output: <body tail>`; a failed request is critical with Go's error text
 * (`Get "<url>": dial tcp ...: connect: connection refused`). Rejects only when `signal` aborts (runner stopped).
 */
export async function probeHttp(spec: HttpProbeSpec, signal: AbortSignal): Promise<ProbeResult> {
  const method = spec.method === '' ? 'GET' : spec.method.toUpperCase();
  const op = urlErrorOp(method);
  let url: URL;
  try {
    url = new URL(spec.url);
  } catch {
    return { status: 'critical', output: `parse "${spec.url}": invalid URL` };
  }

  // One deadline for the whole exchange, redirects included (Go's Client.Timeout); `signal` stops the runner.
  const ctl = new AbortController();
  const timeoutMs = spec.timeoutMs > 0 ? spec.timeoutMs : DEFAULT_CHECK_TIMEOUT_MS;
  const timer = setTimeout(() => {
    ctl.abort(new ProbeTimeout());
  }, timeoutMs);
  timer.unref();
  const onStop = (): void => {
    ctl.abort(signal.reason);
  };
  if (signal.aborted) onStop();
  else signal.addEventListener('abort', onStop, { once: true });

  try {
    let current = url;
    let curMethod = method;
    let curBody = spec.body;
    let headers = buildHeaders(spec.header);
    for (let hop = 0; ; hop++) {
      if (current.protocol !== 'http:' && current.protocol !== 'https:') {
        return {
          status: 'critical',
          output: `${op} "${current.href}": unsupported protocol scheme "${current.protocol.replace(/:$/, '')}"`,
        };
      }
      let ex: Exchange;
      try {
        ex = await exchange(current, curMethod, headers, curBody, spec, ctl.signal);
      } catch (err) {
        if (signal.aborted) throw err;
        return { status: 'critical', output: `${op} "${current.href}": ${requestErrorText(err, current)}` };
      }
      const code = ex.res.statusCode ?? 0;
      const location = ex.res.headers.location;
      if ([301, 302, 303, 307, 308].includes(code) && location !== undefined) {
        if (hop + 1 >= MAX_REDIRECTS) {
          return {
            status: 'critical',
            output: `${op} "${current.href}": stopped after ${MAX_REDIRECTS} redirects`,
          };
        }
        const next = new URL(location, current);
        if (code !== 307 && code !== 308 && curMethod !== 'GET' && curMethod !== 'HEAD') {
          curMethod = 'GET';
          curBody = '';
        }
        // Go sends the request's headers on, minus Host (the URL's host wins) and credentials for another host.
        const drop = next.host === current.host ? ['host'] : ['host', ...CROSS_HOST_DROPPED_HEADERS];
        headers = Object.fromEntries(Object.entries(headers).filter(([k]) => !drop.includes(k)));
        current = next;
        continue;
      }
      const statusLine = ex.res.statusMessage ? `${code} ${ex.res.statusMessage}` : String(code);
      const output = `HTTP ${method} ${spec.url}: ${statusLine} Output: ${ex.body}`;
      if (code >= 200 && code <= 299) return { status: 'passing', output };
      if (code === 429) return { status: 'warning', output };
      return { status: 'critical', output };
    }
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', onStop);
  }

  function exchange(
    target: URL,
    m: string,
    headers: OutgoingHttpHeaders,
    body: string,
    s: HttpProbeSpec,
    abortSignal: AbortSignal,
  ): Promise<Exchange> {
    return new Promise<Exchange>((resolve, reject) => {
      const opts: HttpsRequestOptions = { method: m, headers, agent: false, signal: abortSignal };
      let req;
      if (target.protocol === 'https:') {
        opts.rejectUnauthorized = !s.tlsSkipVerify;
        if (s.tlsServerName !== '') opts.servername = s.tlsServerName;
        req = httpsRequest(target, opts);
      } else {
        req = httpRequest(target, opts);
      }
      req.once('error', reject);
      req.once('response', (res) => {
        const tail = new TailBuffer(s.maxOutputBytes ?? DEFAULT_CHECK_OUTPUT_MAX_BYTES);
        res.on('data', (chunk: Buffer) => {
          tail.write(chunk);
        });
        res.once('end', () => {
          resolve({ res, body: tail.toString() });
        });
        // Go logs a body read error and still reports the status with what it read; only a stop rejects.
        res.once('error', (err) => {
          if (signal.aborted) reject(err);
          else resolve({ res, body: tail.toString() });
        });
      });
      req.end(body === '' ? undefined : body);
    });
  }
}

function buildHeaders(header: Readonly<Record<string, readonly string[]>>): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [k, values] of Object.entries(header)) {
    if (values.length === 0) continue;
    const key = k.toLowerCase();
    out[key] = values.length === 1 ? values[0] : [...values];
  }
  if (out['user-agent'] === undefined) out['user-agent'] = CHECK_USER_AGENT;
  if (out['accept'] === undefined) out['accept'] = 'text/plain, text/*, */*';
  return out;
}

function requestErrorText(err: unknown, url: URL): string {
  const cause =
    err instanceof Error && err.name === 'AbortError' && err.cause !== undefined ? err.cause : err;
  if (cause instanceof ProbeTimeout)
    return 'context deadline exceeded (Client.Timeout exceeded while awaiting headers)';
  const port = url.port !== '' ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return dialErrorText(cause, host, port);
}
