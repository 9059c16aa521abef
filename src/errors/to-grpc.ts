import { isAppError } from './app-error.js';
import { ERROR_CODES, GRPC_STATUS, type GrpcStatus } from './codes.js';

export interface GrpcErrorReply {
  readonly code: GrpcStatus;
  /** Status details sent to the peer. */
  readonly message: string;
  /** True when the error was not expected: the caller logs it with its cause. */
  readonly unexpected: boolean;
}

/** The one mapping from coded errors to gRPC statuses. Unknown errors become INTERNAL without internals. */
export function toGrpcError(err: unknown): GrpcErrorReply {
  if (isAppError(err)) {
    return {
      code: ERROR_CODES[err.code].grpc,
      message: err.message,
      unexpected: err.code === 'ENT_ERR_INTERNAL',
    };
  }
  return { code: GRPC_STATUS.INTERNAL, message: 'internal error', unexpected: true };
}
