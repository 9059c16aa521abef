/**
 * A non-200 answer from the server. The message is the one Consul's Go client produces,
 * `Unexpected response code: <code> (<trimmed body>)`, which scripts and tests match on.
 */
export class ApiError extends Error {
  /** The HTTP status code. */
  readonly statusCode: number;
  /** The response body with surrounding whitespace trimmed. */
  readonly body: string;

  constructor(statusCode: number, body: string) {
    const trimmed = body.trim();
    super(`Unexpected response code: ${statusCode} (${trimmed})`);
    this.name = 'ApiError';
    this.statusCode = statusCode;
    this.body = trimmed;
  }
}

/**
 * The request never got an answer (connection refused, DNS failure, abort). The message follows Go's
 * `net/http` shape: `Get "http://127.0.0.1:8500/v1/agent/members": <cause>`.
 */
export class ApiConnectionError extends Error {
  constructor(method: string, url: string, cause: unknown) {
    super(`${goMethod(method)} "${url}": ${describeCause(cause)}`, { cause });
    this.name = 'ApiConnectionError';
  }
}

/** Go's `url.Error` prints the method capitalised (`Get`, `Put`). */
function goMethod(method: string): string {
  return method.charAt(0) + method.slice(1).toLowerCase();
}

function describeCause(cause: unknown): string {
  if (cause instanceof Error) {
    // undici wraps the socket error: `fetch failed` with the real reason in `cause`.
    const inner: unknown = cause.cause;
    if (inner instanceof Error && inner.message !== '') return inner.message;
    return cause.message;
  }
  return String(cause);
}

/** True for errors this package throws for a failed call. */
export function isApiError(err: unknown): err is ApiError {
  return err instanceof ApiError;
}
