/**
 * How config-entry failures reach HTTP, mirroring Consul's `PUT /v1/config` (agent/config_endpoint.go,
 * agent/consul/config_endpoint.go, agent/http.go):
 *
 * - decoding problems (body not an object, missing/unknown kind, type mismatches, unknown keys) are answered by
 *   the HTTP handler itself: **400** `Request decoding failed: <detail>`;
 * - `Normalize()` / `Validate()` failures come back from the `ConfigEntry.Apply` RPC as plain errors, which the
 *   HTTP wrapper maps to **500** with the bare message as body.
 */
import { AppError, badRequest } from '../errors/index.js';

/** HTTP status Consul gives a Normalize/Validate failure (plain RPC error → default branch of agent/http.go). */
export const CONFIG_ENTRY_VALIDATION_HTTP_STATUS = 500;

/** A decode failure: 400 with Consul's `Request decoding failed: ` prefix. */
export function decodeFailed(detail: string): AppError {
  return badRequest(`Request decoding failed: ${detail}`);
}

/** A Normalize/Validate failure: the bare message, HTTP 500 as Consul answers. */
export function invalidEntry(message: string): AppError {
  return new AppError('ENT_ERR_BAD_REQUEST', message, { http: CONFIG_ENTRY_VALIDATION_HTTP_STATUS });
}
