import { ERROR_CODES, type ErrorCode } from './codes.js';

export interface AppErrorOptions {
  readonly cause?: unknown;
  readonly details?: Readonly<Record<string, unknown>>;
  /** Overrides the code's default HTTP status where Consul answers differently for this case. */
  readonly http?: number;
}

/**
 * An error with a stable code. Its message is safe to show to the client (HTTP body, CLI stderr): never put a
 * secret in it.
 */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>> | undefined;
  readonly httpStatus: number;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.details = options.details;
    this.httpStatus = options.http ?? ERROR_CODES[code].http;
  }
}

/** Shorthand for the common 400. */
export function badRequest(message: string, options?: AppErrorOptions): AppError {
  return new AppError('ENT_ERR_BAD_REQUEST', message, options);
}

export function notFound(message: string, options?: AppErrorOptions): AppError {
  return new AppError('ENT_ERR_NOT_FOUND', message, options);
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}
