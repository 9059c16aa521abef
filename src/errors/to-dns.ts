import { isAppError } from './app-error.js';
import { ERROR_CODES, GRPC_STATUS } from './codes.js';

/** DNS response codes (RFC 1035 §4.1.1) an error can map to. */
export const DNS_RCODE = { FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;
export type DnsErrorRcode = (typeof DNS_RCODE)[keyof typeof DNS_RCODE];

/**
 * The one mapping from coded errors to DNS rcodes, derived from each code's gRPC class so the three edges share
 * one vocabulary: not found → NXDOMAIN, invalid → FORMERR, unimplemented → NOTIMP, denied → REFUSED; anything
 * else (and every unknown error) → SERVFAIL.
 */
export function toDnsRcode(err: unknown): DnsErrorRcode {
  if (!isAppError(err)) return DNS_RCODE.SERVFAIL;
  return BY_GRPC.get(ERROR_CODES[err.code].grpc) ?? DNS_RCODE.SERVFAIL;
}

const BY_GRPC: ReadonlyMap<number, DnsErrorRcode> = new Map([
  [GRPC_STATUS.NOT_FOUND, DNS_RCODE.NXDOMAIN],
  [GRPC_STATUS.INVALID_ARGUMENT, DNS_RCODE.FORMERR],
  [GRPC_STATUS.UNIMPLEMENTED, DNS_RCODE.NOTIMP],
  [GRPC_STATUS.PERMISSION_DENIED, DNS_RCODE.REFUSED],
]);
