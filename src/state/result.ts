import type { ErrorCode } from '../errors/index.js';

/**
 * What applying a command answered: a value for the client, or an error that left state unchanged. Errors carry a
 * domain code from the one registry (`errors/codes.ts`); each edge (HTTP, gRPC, DNS) maps the code once.
 */
export type ApplyResult = { ok: true; value: unknown } | { ok: false; code: ErrorCode; error: string };

/** A failed apply result. */
export function applyError(code: ErrorCode, error: string): ApplyResult {
  return { ok: false, code, error };
}

/** A successful apply result. */
export function applyOk(value: unknown = true): ApplyResult {
  return { ok: true, value };
}
