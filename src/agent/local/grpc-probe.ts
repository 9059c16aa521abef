import { Client, Metadata, credentials, status as grpcStatus, type ServiceError } from '@grpc/grpc-js';

import {
  SERVING,
  SERVING_STATUS_NAMES,
  decodeHealthCheckResponse,
  encodeHealthCheckRequest,
} from './grpc-health-codec.js';
import type { ProbeResult } from './interval-runner.js';
import { DEFAULT_CHECK_TIMEOUT_MS } from './tcp-probe.js';

export interface GrpcProbeSpec {
  /** Consul's `GRPC`: `host:port`, optionally `/service` (the service name asked about; empty = the whole server). */
  target: string;
  /** ms; 0 → 10 s as Consul. */
  timeoutMs: number;
  useTls: boolean;
  tlsSkipVerify: boolean;
  tlsServerName: string;
}

/** Go's names of gRPC codes (`codes.Code.String()`), for Consul's `rpc error: code = ... desc = ...` text. */
const CODE_NAMES: Readonly<Record<number, string>> = {
  [grpcStatus.OK]: 'OK',
  [grpcStatus.CANCELLED]: 'Canceled',
  [grpcStatus.UNKNOWN]: 'Unknown',
  [grpcStatus.INVALID_ARGUMENT]: 'InvalidArgument',
  [grpcStatus.DEADLINE_EXCEEDED]: 'DeadlineExceeded',
  [grpcStatus.NOT_FOUND]: 'NotFound',
  [grpcStatus.ALREADY_EXISTS]: 'AlreadyExists',
  [grpcStatus.PERMISSION_DENIED]: 'PermissionDenied',
  [grpcStatus.RESOURCE_EXHAUSTED]: 'ResourceExhausted',
  [grpcStatus.FAILED_PRECONDITION]: 'FailedPrecondition',
  [grpcStatus.ABORTED]: 'Aborted',
  [grpcStatus.OUT_OF_RANGE]: 'OutOfRange',
  [grpcStatus.UNIMPLEMENTED]: 'Unimplemented',
  [grpcStatus.INTERNAL]: 'Internal',
  [grpcStatus.UNAVAILABLE]: 'Unavailable',
  [grpcStatus.DATA_LOSS]: 'DataLoss',
  [grpcStatus.UNAUTHENTICATED]: 'Unauthenticated',
};

const HEALTH_CHECK_METHOD = '/grpc.health.v1.Health/Check';

/**
 * One gRPC check (Consul's `GrpcHealthProbe.Check`): a fresh connection to the target, one
 * `grpc.health.v1.Health/Check` call within the timeout, then close. Passing (`gRPC check <target>: success`) only
 * when the answer is SERVING; `gRPC <target> serving status: NOT_SERVING` and call failures (`rpc error: code =
 * Unavailable desc = ...`) are critical. Rejects only when `signal` aborts.
 */
export function probeGrpc(spec: GrpcProbeSpec, signal: AbortSignal): Promise<ProbeResult> {
  const slash = spec.target.indexOf('/');
  const server = slash < 0 ? spec.target : spec.target.slice(0, slash);
  const service = slash < 0 ? '' : spec.target.slice(slash + 1);
  const timeoutMs = spec.timeoutMs > 0 ? spec.timeoutMs : DEFAULT_CHECK_TIMEOUT_MS;
  const creds = spec.useTls
    ? credentials.createSsl(null, null, null, {
        rejectUnauthorized: !spec.tlsSkipVerify,
        ...(spec.tlsSkipVerify ? { checkServerIdentity: () => undefined } : {}),
      })
    : credentials.createInsecure();
  const options =
    spec.useTls && spec.tlsServerName !== '' ? { 'grpc.ssl_target_name_override': spec.tlsServerName } : {};
  let client: Client;
  try {
    client = new Client(server, creds, options);
  } catch (err) {
    return Promise.resolve({ status: 'critical', output: (err as Error).message });
  }
  return new Promise<ProbeResult>((resolve, reject) => {
    const onAbort = (): void => {
      call.cancel();
    };
    const call = client.makeUnaryRequest(
      HEALTH_CHECK_METHOD,
      encodeHealthCheckRequest,
      decodeHealthCheckResponse,
      service,
      new Metadata(),
      { deadline: Date.now() + timeoutMs },
      (err: ServiceError | null, value?: { status: number }) => {
        signal.removeEventListener('abort', onAbort);
        client.close();
        if (signal.aborted) {
          reject(signal.reason as Error);
          return;
        }
        if (err) {
          resolve({ status: 'critical', output: grpcErrorText(err) });
          return;
        }
        const st = value?.status ?? 0;
        if (st !== SERVING) {
          const name = SERVING_STATUS_NAMES[st] ?? String(st);
          resolve({ status: 'critical', output: `gRPC ${spec.target} serving status: ${name}` });
          return;
        }
        resolve({ status: 'passing', output: `gRPC check ${spec.target}: success` });
      },
    );
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
}

function grpcErrorText(err: ServiceError): string {
  const code = CODE_NAMES[err.code] ?? String(err.code);
  return `rpc error: code = ${code} desc = ${err.details}`;
}
