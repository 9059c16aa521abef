import type { PeeringToken } from './types.js';

/**
 * Decodes a peering token: standard base64 of a JSON object (Consul `structs.PeeringToken`).
 * The result includes `EstablishmentSecret`: callers must never print or log it.
 *
 * @throws Error when the token is not base64 JSON with a string `ServerName`.
 */
export function decodePeeringToken(token: string): PeeringToken {
  const text = token.trim();
  if (text === '' || !/^[A-Za-z0-9+/]+={0,2}$/.test(text)) {
    throw new Error('peering token is not valid base64');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64').toString('utf8'));
  } catch {
    throw new Error('peering token does not contain valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error('peering token does not contain a JSON object');
  }
  const record = parsed as Record<string, unknown>;
  if (typeof record['ServerName'] !== 'string') {
    throw new Error('peering token has no ServerName');
  }
  return parsed as PeeringToken;
}
