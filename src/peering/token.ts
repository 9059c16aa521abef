/**
 * Peering tokens for the peering service: the codec in `lib/peering-token.ts` (Consul-exact encoding, Go-lenient
 * decoding, Consul's validation), with decoding failures turned into 400s.
 *
 * NOTE: a token carries `EstablishmentSecret`. Never log a token or put it in an error message.
 */
import { badRequest } from '../errors/index.js';
import {
  decodePeeringToken as decodeToken,
  PeeringTokenError,
  type PeeringToken,
} from '../lib/peering-token.js';

export {
  encodePeeringToken,
  type PeeringToken,
  type PeeringTokenLocality,
  type PeeringTokenRemote,
} from '../lib/peering-token.js';

/**
 * Decodes and validates a token as `lib/peering-token.ts`'s `decodePeeringToken` does.
 *
 * @throws AppError `ENT_ERR_BAD_REQUEST` with Consul's message, which never contains the secret.
 */
export function decodePeeringToken(encoded: string): PeeringToken {
  try {
    return decodeToken(encoded);
  } catch (err) {
    if (err instanceof PeeringTokenError) throw badRequest(err.message);
    throw err;
  }
}
