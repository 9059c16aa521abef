export {
  ERROR_CODES,
  GRPC_STATUS,
  RETIRED_CODES,
  type ErrorCode,
  type ErrorCodeSpec,
  type GrpcStatus,
} from './codes.js';
export { AppError, badRequest, notFound, isAppError, type AppErrorOptions } from './app-error.js';
export { toHttpError, type HttpErrorReply } from './to-http.js';
export { toGrpcError, type GrpcErrorReply } from './to-grpc.js';
export { toDnsRcode, DNS_RCODE, type DnsErrorRcode } from './to-dns.js';
