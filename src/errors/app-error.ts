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

/**
 * An error for a failure reported as an HTTP status and a message (the state machine's apply results): the code
 * that fits the status, the status kept as given.
 */
export function errorForStatus(status: number, message: string): AppError {
  const code =
    status === 400
      ? 'ENT_ERR_BAD_REQUEST'
      : status === 403
        ? 'ENT_ERR_PERMISSION_DENIED'
        : status === 404
          ? 'ENT_ERR_NOT_FOUND'
          : 'ENT_ERR_CONFLICT';
  return new AppError(code, message, { http: status });
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}
