import { isAppError } from './app-error.js';

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
  return { status: 500, body: 'An unexpected error occurred', unexpected: true };
}
