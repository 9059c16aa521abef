import { isAppError } from './app-error.js';
import { ERROR_CODES, type ErrorCode, type ErrorCodeSpec } from './codes.js';

export interface HttpErrorReply {
  readonly status: number;
  /** Plain-text body, as Consul answers errors. */
  readonly body: string;
  /** True when the error was not expected: the caller logs it with its cause. */
  readonly unexpected: boolean;
}

/** The one mapping from errors to HTTP replies. Unknown errors become a 500 without internals. */
export function toHttpError(err: unknown): HttpErrorReply {
  if (isAppError(err)) {
    return { status: err.httpStatus, body: err.message, unexpected: err.code === 'ENT_ERR_INTERNAL' };
  }
  // Errors of modules that cannot import this one (wal/) carry a registered code of their own.
  const code = codeOf(err);
  if (code !== undefined && err instanceof Error) {
    const spec: ErrorCodeSpec = ERROR_CODES[code];
    const status = spec.http;
    const unexpected = status >= 500 && status !== 503 && spec.loggedAtSource !== true;
    return { status, body: err.message, unexpected };
  }
  return { status: 500, body: 'An unexpected error occurred', unexpected: true };
}

function codeOf(err: unknown): ErrorCode | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined;
  const code = err.code;
  return typeof code === 'string' && Object.hasOwn(ERROR_CODES, code) ? (code as ErrorCode) : undefined;
}
