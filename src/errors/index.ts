export {
  ERROR_CODES,
  GRPC_STATUS,
  RETIRED_CODES,
  type ErrorCode,
  type ErrorCodeSpec,
  type GrpcStatus,
} from './codes.js';
export {
  AppError,
  badRequest,
  notFound,
  errorForStatus,
  isAppError,
  type AppErrorOptions,
} from './app-error.js';
export { toHttpError, type HttpErrorReply } from './to-http.js';
