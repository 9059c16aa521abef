/**
 * Peering tokens: the standard base64 (with padding) of the JSON object Consul's Go code produces with
 * `json.Marshal(structs.PeeringToken)`. Entente writes byte-identical tokens and reads tokens as leniently as Go's
 * `encoding/json` does, then validates them as Consul's `validatePeeringToken` does, with Consul's error texts.
 *
 * Imports nothing from Entente: `peering` wraps it (mapping {@link PeeringTokenError} to a 400 `AppError`), and the
 * CLI's `describe-token` uses the decoding stages without the validation.
 *
 * NOTE: a token carries `EstablishmentSecret`. Never log a token or put it in an error message.
 */
import { X509Certificate } from 'node:crypto';

/**
 * Which stage rejected a token: `base64` (not padded standard base64), `json` (not JSON, or a JSON value Go's
 * `encoding/json` cannot bind to `structs.PeeringToken`) or `invalid` (Consul's `validatePeeringToken`).
 */
export type PeeringTokenErrorReason = 'base64' | 'json' | 'invalid';

/** A token that cannot be decoded or is invalid; `message` is Consul's text and never contains the secret. */
export class PeeringTokenError extends Error {
  readonly reason: PeeringTokenErrorReason;

  constructor(reason: PeeringTokenErrorReason, message: string) {
    super(message);
    this.name = 'PeeringTokenError';
    this.reason = reason;
  }
}

/** `Remote.Locality` (Go `*structs.Locality`; each key omitted when empty). */
export interface PeeringTokenLocality {
  readonly Region: string;
  readonly Zone: string;
}

/** `Remote` (Go `structs.PeeringTokenRemote`): where the token's issuer (the acceptor) runs. */
export interface PeeringTokenRemote {
  /** The acceptor's partition ("default" in Consul CE tokens, "" in the oldest ones). */
  readonly Partition: string;
  readonly Datacenter: string;
  /** `null` encodes as JSON `null`, as Go does for a nil pointer. */
  readonly Locality: PeeringTokenLocality | null;
}

/**
 * The decoded token (Go `structs.PeeringToken`). Lists are never `null` here: an absent or `null` JSON list
 * decodes to `[]`, and an empty list encodes as `null`, as Go's nil slices do.
 */
export interface PeeringToken {
  /** PEM certificates of the acceptor's Connect CA roots. */
  readonly CA: readonly string[];
  /** `host:port` addresses given by the operator (`ServerExternalAddresses`); preferred when dialing. */
  readonly ManualServerAddresses: readonly string[];
  /** `host:port` addresses of the acceptor's servers (gRPC TLS port). */
  readonly ServerAddresses: readonly string[];
  /** TLS SNI and verify name: `server.<dc>.peering.<trust-domain>`. */
  readonly ServerName: string;
  /** The ID the acceptor assigned to this peering. */
  readonly PeerID: string;
  /** One-time secret traded by `ExchangeSecret` for a stream secret. Secret. */
  readonly EstablishmentSecret: string;
  readonly Remote: PeeringTokenRemote;
}

/**
 * Encodes a token exactly as Consul does: Go field order, no whitespace, Go's string escaping (`<`, `>`, `&`,
 * U+2028 and U+2029 as `\uXXXX`), `null` for empty lists and for a missing locality, then standard base64.
 * It does not validate: callers build tokens from trusted local state.
 */
export function encodePeeringToken(token: PeeringToken): string {
  const remote = token.Remote;
  const json =
    `{"CA":${goStringList(token.CA)}` +
    `,"ManualServerAddresses":${goStringList(token.ManualServerAddresses)}` +
    `,"ServerAddresses":${goStringList(token.ServerAddresses)}` +
    `,"ServerName":${goString(token.ServerName)}` +
    `,"PeerID":${goString(token.PeerID)}` +
    `,"EstablishmentSecret":${goString(token.EstablishmentSecret)}` +
    `,"Remote":{"Partition":${goString(remote.Partition)}` +
    `,"Datacenter":${goString(remote.Datacenter)}` +
    `,"Locality":${goLocality(remote.Locality)}}}`;
  return Buffer.from(json, 'utf8').toString('base64');
}

/**
 * Decodes and validates a token.
 *
 * Decoding follows Go: surrounding whitespace and embedded CR/LF are ignored, base64 must be padded, JSON keys
 * match field names case-insensitively (a later duplicate wins), unknown keys are ignored, and `null` leaves a
 * field empty. Validation follows Consul, in Consul's order and with its messages: every `CA` entry is a PEM
 * certificate; at least one of `ServerAddresses`/`ManualServerAddresses`; every address is `host:port` with a
 * port in 1-65535; `ServerName` when `CA` is set; `PeerID`. Entente also requires `EstablishmentSecret`, which
 * Consul only discovers to be missing when the secret exchange fails.
 *
 * @throws PeeringTokenError with a message that never contains the secret.
 */
export function decodePeeringToken(encoded: string): PeeringToken {
  const token = peeringTokenFromJson(readPeeringTokenJson(encoded));
  validatePeeringToken(token);
  return token;
}

/**
 * The first decoding stage: base64 (Go's `base64.StdEncoding`, after dropping surrounding whitespace and CR/LF)
 * then `JSON.parse`. Returns the raw JSON value, unvalidated.
 *
 * @throws PeeringTokenError (`base64` or `json`) with a message that never contains the secret.
 */
export function readPeeringTokenJson(encoded: string): unknown {
  const text = decodeBase64(encoded);
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new PeeringTokenError('json', `peering token is not valid JSON: ${jsonSyntaxDetail(err, text)}`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Encoding helpers

const GO_EXTRA_ESCAPES = /[<>&\u2028\u2029]/g;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** A JSON string as Go's `encoding/json` writes it (HTML-safe; invalid UTF-16 replaced by U+FFFD like Go). */
function goString(value: string): string {
  return JSON.stringify(value.replace(LONE_SURROGATE, '\uFFFD')).replace(
    GO_EXTRA_ESCAPES,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function goStringList(values: readonly string[]): string {
  return values.length === 0 ? 'null' : `[${values.map(goString).join(',')}]`;
}

function goLocality(locality: PeeringTokenLocality | null): string {
  if (locality === null) return 'null';
  const parts: string[] = [];
  if (locality.Region !== '') parts.push(`"Region":${goString(locality.Region)}`);
  if (locality.Zone !== '') parts.push(`"Zone":${goString(locality.Zone)}`);
  return `{${parts.join(',')}}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Decoding helpers

const BASE64_ALPHABET = /^[A-Za-z0-9+/]$/;

/** Standard padded base64 → UTF-8 text, with Go's `illegal base64 data at input byte N` on failure. */
function decodeBase64(encoded: string): string {
  const text = encoded.trim().replace(/[\r\n]/g, '');
  const offset = firstBase64Error(text);
  if (offset !== undefined) {
    throw new PeeringTokenError(
      'base64',
      `peering token is not valid base64: illegal base64 data at input byte ${offset}`,
    );
  }
  // Invalid UTF-8 becomes U+FFFD, as in Go's JSON decoder.
  return Buffer.from(text, 'base64').toString('utf8');
}

/**
 * The offset Go's `base64.StdEncoding` reports for the first bad character, bad padding or truncated quantum,
 * or `undefined` when `text` is valid.
 */
function firstBase64Error(text: string): number | undefined {
  const padStart = text.indexOf('=');
  const dataEnd = padStart === -1 ? text.length : padStart;
  for (let i = 0; i < dataEnd; i++) {
    if (!BASE64_ALPHABET.test(text.charAt(i))) return i;
  }
  const inQuantum = dataEnd % 4;
  if (padStart === -1) return inQuantum === 0 ? undefined : dataEnd - inQuantum;
  // Padding is only valid as "xx==" or "xxx=", and nothing may follow it.
  if (inQuantum < 2) return dataEnd;
  if (inQuantum === 2) {
    if (text.length === dataEnd + 1) return text.length;
    if (text.charAt(dataEnd + 1) !== '=') return dataEnd;
    return text.length > dataEnd + 2 ? dataEnd + 2 : undefined;
  }
  return text.length > dataEnd + 1 ? dataEnd + 1 : undefined;
}

type TokenField = keyof PeeringToken;
type RemoteField = keyof PeeringTokenRemote;
type LocalityField = keyof PeeringTokenLocality;

const TOKEN_FIELDS: readonly TokenField[] = [
  'CA',
  'ManualServerAddresses',
  'ServerAddresses',
  'ServerName',
  'PeerID',
  'EstablishmentSecret',
  'Remote',
];
const REMOTE_FIELDS: readonly RemoteField[] = ['Partition', 'Datacenter', 'Locality'];
const LOCALITY_FIELDS: readonly LocalityField[] = ['Region', 'Zone'];

/** Go's `bytes.EqualFold` key matching, reduced to what can fold onto an ASCII field name. */
function foldKey(key: string): string {
  return key
    .replace(/\u017F/g, 's')
    .replace(/\u212A/g, 'k')
    .toLowerCase();
}

/** Finds the field a JSON key binds to, as Go does (case-insensitive; unknown keys bind to nothing). */
function fieldFor<F extends string>(fields: readonly F[], key: string): F | undefined {
  const folded = foldKey(key);
  return fields.find((f) => f.toLowerCase() === folded);
}

function jsonKind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'object') return 'object';
  return typeof value; // string, number, boolean
}

function typeError(kind: string, path: string, goType: string): never {
  throw new PeeringTokenError(
    'json',
    `peering token is not valid JSON: json: cannot unmarshal ${kind} into Go struct field ${path} of type ${goType}`,
  );
}

function asString(value: unknown, path: string): string {
  if (value === null) return '';
  if (typeof value !== 'string') typeError(jsonKind(value), path, 'string');
  return value;
}

function asStringList(value: unknown, path: string): string[] {
  if (value === null) return [];
  if (!Array.isArray(value)) typeError(jsonKind(value), path, '[]string');
  return value.map((item: unknown) => asString(item, path));
}

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseLocality(value: unknown): PeeringTokenLocality | null {
  if (value === null) return null;
  if (!isJsonObject(value)) typeError(jsonKind(value), 'PeeringToken.Remote.Locality', 'structs.Locality');
  const out = { Region: '', Zone: '' };
  for (const [key, item] of Object.entries(value)) {
    const field = fieldFor(LOCALITY_FIELDS, key);
    if (field !== undefined) out[field] = asString(item, `PeeringToken.Remote.Locality.${field}`);
  }
  return out;
}

function parseRemote(
  value: unknown,
  into: { Partition: string; Datacenter: string; Locality: PeeringTokenLocality | null },
): void {
  if (value === null) return;
  if (!isJsonObject(value)) typeError(jsonKind(value), 'PeeringToken.Remote', 'structs.PeeringTokenRemote');
  for (const [key, item] of Object.entries(value)) {
    const field = fieldFor(REMOTE_FIELDS, key);
    if (field === 'Locality') into.Locality = parseLocality(item);
    else if (field !== undefined) into[field] = asString(item, `PeeringToken.Remote.${field}`);
  }
}

/**
 * A JSON syntax error in Go's words where they are known, otherwise with its offset. V8's own message quotes the
 * input around the error, which may be the secret, so it is never passed on.
 */
function jsonSyntaxDetail(err: unknown, text: string): string {
  const message = err instanceof Error ? err.message : '';
  if (text.trim() === '' || /unexpected end of JSON input/i.test(message))
    return 'unexpected end of JSON input';
  const position = /position (\d+)/.exec(message)?.[1];
  return position === undefined ? 'syntax error' : `syntax error at offset ${position}`;
}

/**
 * The second decoding stage: binds a JSON value to a token as Go's `encoding/json` does (see
 * {@link decodePeeringToken}), without Consul's validation.
 *
 * @throws PeeringTokenError (`json`) when a value has the wrong JSON type.
 */
export function peeringTokenFromJson(parsed: unknown): PeeringToken {
  const token = {
    CA: [] as string[],
    ManualServerAddresses: [] as string[],
    ServerAddresses: [] as string[],
    ServerName: '',
    PeerID: '',
    EstablishmentSecret: '',
    Remote: { Partition: '', Datacenter: '', Locality: null as PeeringTokenLocality | null },
  };
  // Go leaves the struct untouched for a JSON `null`.
  if (parsed === null) return token;
  if (!isJsonObject(parsed)) {
    throw new PeeringTokenError(
      'json',
      `peering token is not valid JSON: json: cannot unmarshal ${jsonKind(parsed)} into Go value of type structs.PeeringToken`,
    );
  }
  for (const [key, value] of Object.entries(parsed)) {
    const field = fieldFor(TOKEN_FIELDS, key);
    switch (field) {
      case undefined:
        break;
      case 'CA':
      case 'ManualServerAddresses':
      case 'ServerAddresses':
        token[field] = asStringList(value, `PeeringToken.${field}`);
        break;
      case 'ServerName':
      case 'PeerID':
      case 'EstablishmentSecret':
        token[field] = asString(value, `PeeringToken.${field}`);
        break;
      case 'Remote':
        parseRemote(value, token.Remote);
        break;
    }
  }
  return token;
}

// ---------------------------------------------------------------------------------------------------------------
// Validation (Consul `agent/rpc/peering/validate.go` and `agent/connect.ParseCert`)

function invalid(message: string): PeeringTokenError {
  return new PeeringTokenError('invalid', message);
}

function validatePeeringToken(token: PeeringToken): void {
  for (const pem of token.CA) {
    const problem = certificateProblem(pem);
    if (problem !== undefined) throw invalid(`peering token invalid CA: ${problem}`);
  }
  if (token.ServerAddresses.length === 0 && token.ManualServerAddresses.length === 0) {
    throw invalid('peering token server addresses value is empty');
  }
  for (const address of [...token.ManualServerAddresses, ...token.ServerAddresses]) {
    if (!isValidServerAddress(address)) {
      throw invalid(`${address} is not a valid peering server address`);
    }
  }
  if (token.CA.length > 0 && token.ServerName === '') {
    throw invalid('peering token server name value is empty');
  }
  if (token.PeerID === '') {
    throw invalid('peering token peer ID value is empty');
  }
  if (token.EstablishmentSecret === '') {
    throw invalid('peering token establishment secret value is empty');
  }
}

const PEM_BLOCK = /-----BEGIN ([^\r\n]*?)-----\r?\n([\s\S]*?)\r?\n?-----END \1-----/;

/** Why `pem` is not a PEM X.509 certificate (Go's wording), or `undefined` when it is one. */
function certificateProblem(pem: string): string | undefined {
  const block = PEM_BLOCK.exec(pem);
  const body = block?.[2]?.replace(/\s+/g, '') ?? '';
  if (block === null || !/^[A-Za-z0-9+/]*={0,2}$/.test(body) || body.length % 4 !== 0) {
    return 'no PEM-encoded data found';
  }
  if (block[1] !== 'CERTIFICATE') return 'first PEM-block should be CERTIFICATE type';
  try {
    new X509Certificate(Buffer.from(body, 'base64'));
    return undefined;
  } catch {
    return 'x509: malformed certificate';
  }
}

/** Go `net.SplitHostPort` followed by `strconv.Atoi` and a 1-65535 range check. */
function isValidServerAddress(address: string): boolean {
  const port = splitPort(address);
  if (port === undefined || !/^[+-]?\d+$/.test(port)) return false;
  const value = Number(port);
  return value >= 1 && value <= 65535;
}

/** The port part of `host:port` or `[host]:port`, or `undefined` where Go's `net.SplitHostPort` fails. */
function splitPort(address: string): string | undefined {
  const lastColon = address.lastIndexOf(':');
  if (lastColon < 0) return undefined;
  let hostStart = 0;
  let hostEnd = 0;
  if (address.startsWith('[')) {
    const close = address.indexOf(']');
    if (close < 0 || close + 1 !== lastColon) return undefined;
    hostStart = 1;
    hostEnd = close + 1;
  } else if (address.slice(0, lastColon).includes(':')) {
    return undefined;
  }
  if (address.slice(hostStart).includes('[') || address.slice(hostEnd).includes(']')) return undefined;
  return address.slice(lastColon + 1);
}
