/**
 * Secrets in log output. Two layers:
 *
 * 1. {@link REDACT_PATHS}: pino `redact` paths for structured fields that hold a secret as a whole (a token
 *    header, a peering token, a stream secret).
 * 2. {@link redactSecretsInText}: a scrub of every line written, for secrets embedded in longer strings: the
 *    `token` query parameter of a logged URL (`/v1/kv/a?token=…`, Consul's `?token=`), wherever it appears (a `url`
 *    field, an error message, a nested object), and `Bearer` credentials.
 *
 * @module
 */

/** What a secret is replaced with. */
export const REDACTED = '[redacted]';

/** Structured fields that may carry a secret: never written to the log. */
export const REDACT_PATHS: readonly string[] = [
  'token',
  '*.token',
  'secret',
  '*.secret',
  '*.EstablishmentSecret',
  '*.PeeringToken',
  '*.SecretID',
  '*.StreamSecretID',
  'req.headers["x-consul-token"]',
  'req.headers.authorization',
  'headers["x-consul-token"]',
  'headers.authorization',
];

/**
 * `token` as a query parameter (any case, after `?`, `&` or `;`), up to the next separator or quote. The value's
 * characters stop at those a JSON string or a log line would end it with, so the scrub is safe on serialized lines.
 */
const TOKEN_PARAM = /([?&;]token=)[^&#;\s"'\\]*/gi;
const BEARER = /(\bBearer\s+)[^\s"'\\,]+/g;

/** `text` with the value of every `token` query parameter and every Bearer credential replaced by `[redacted]`. */
export function redactSecretsInText(text: string): string {
  // Fast path: almost no line carries either.
  const lower = text.includes('oken=') || text.includes('OKEN=') || text.includes('Bearer');
  if (!lower) return text;
  return text.replace(TOKEN_PARAM, `$1${REDACTED}`).replace(BEARER, `$1${REDACTED}`);
}
