/**
 * The two messages of `grpc.health.v1.Health/Check`, encoded by hand: `HealthCheckRequest { string service = 1; }`
 * and `HealthCheckResponse { ServingStatus status = 1; }`. They are this small and frozen in the gRPC spec, so a
 * generated module would add more than it saves.
 */

/** `HealthCheckResponse.ServingStatus` names by number (the texts Go prints). */
export const SERVING_STATUS_NAMES: Readonly<Record<number, string>> = {
  0: 'UNKNOWN',
  1: 'SERVING',
  2: 'NOT_SERVING',
  3: 'SERVICE_UNKNOWN',
};

export const SERVING = 1;

function varint(n: number): number[] {
  const out: number[] = [];
  let v = n;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

/** Encodes `HealthCheckRequest{service}` (an empty service is the empty message). */
export function encodeHealthCheckRequest(service: string): Buffer {
  if (service === '') return Buffer.alloc(0);
  const bytes = Buffer.from(service, 'utf8');
  return Buffer.concat([Buffer.from([0x0a, ...varint(bytes.length)]), bytes]);
}

function readVarint(buf: Buffer, at: number): { value: number; next: number } {
  let value = 0;
  let mul = 1;
  let i = at;
  for (;;) {
    if (i >= buf.length) throw new Error('truncated varint');
    const b = buf[i] ?? 0;
    i += 1;
    value += (b & 0x7f) * mul;
    if ((b & 0x80) === 0) return { value, next: i };
    mul *= 128;
    if (mul > 2 ** 63) throw new Error('varint too long');
  }
}

/**
 * Decodes `HealthCheckResponse` (status 0, UNKNOWN, when absent); unknown fields are skipped. An object, never a
 * bare number: grpc-js treats a falsy decoded message as a missing one.
 */
export function decodeHealthCheckResponse(buf: Buffer): { status: number } {
  let status = 0;
  let i = 0;
  while (i < buf.length) {
    const key = readVarint(buf, i);
    i = key.next;
    const field = Math.floor(key.value / 8);
    const wire = key.value & 7;
    if (wire === 0) {
      const v = readVarint(buf, i);
      i = v.next;
      if (field === 1) status = v.value;
    } else if (wire === 1) {
      i += 8;
    } else if (wire === 2) {
      const len = readVarint(buf, i);
      i = len.next + len.value;
    } else if (wire === 5) {
      i += 4;
    } else {
      throw new Error(`unsupported wire type ${wire}`);
    }
    if (i > buf.length) throw new Error('truncated message');
  }
  return { status };
}
