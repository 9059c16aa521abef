import { peeringTokenFromJson, PeeringTokenError, readPeeringTokenJson } from '../lib/peering-token.js';
import type { PeeringToken } from './types.js';

/**
 * Decodes a peering token for display: standard base64 of a JSON object (Consul `structs.PeeringToken`), read with
 * the server's codec (`lib/peering-token.ts`) but without Consul's validation, so a token the server would reject
 * can still be described. The result includes `EstablishmentSecret`: callers must never print or log it.
 *
 * @throws Error when the token is not base64 JSON with a string `ServerName`, or a field has the wrong JSON type.
 */
export function decodePeeringToken(token: string): PeeringToken {
  let parsed: unknown;
  try {
    parsed = readPeeringTokenJson(token);
  } catch (err) {
    // The short message is this client's contract (`describe-token` prints it); Go's offset adds nothing there.
    if (err instanceof PeeringTokenError && err.reason === 'base64') {
      throw new Error('peering token is not valid base64');
    }
    throw err;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error('peering token does not contain a JSON object');
  }
  if (typeof (parsed as Record<string, unknown>)['ServerName'] !== 'string') {
    throw new Error('peering token has no ServerName');
  }
  return peeringTokenFromJson(parsed);
}
