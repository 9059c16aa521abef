import { createHash } from 'node:crypto';

import { decodePeeringToken, type PeeringToken } from '../../../api/index.js';
import { defineCommand, errorText, EXIT_ERROR } from '../../command.js';
import { goJson } from '../../format/go-json.js';
import { loadDataSource } from '../../load-data.js';
import { checkNameAndFormat, formatFlag } from './format.js';

/**
 * `entente peering describe-token <token>` (Entente extension): decodes a peering token locally and prints
 * what it points at. The token's EstablishmentSecret is never printed. `-` reads the token from stdin,
 * `@file` from a file.
 */
export const peeringDescribeToken = defineCommand({
  synopsis: 'Describe a peering token without its secret',
  usage: `
Usage: entente peering describe-token [options] <token>

  Decodes a peering token and prints the server name, server addresses, peer
  ID, remote datacenter and partition, and the SHA-256 fingerprints of its CA
  certificates. The establishment secret is never printed. Use "-" to read the
  token from stdin, or "@path" to read it from a file. No server is contacted.

  Example:

    $ entente peering describe-token "$TOKEN"
`,
  flags: (fs) => ({ format: formatFlag(fs) }),
  run: async ({ flags, args, ui, ctx }) => {
    if (!checkNameAndFormat(ui, undefined, flags.format.value)) return EXIT_ERROR;
    const [source] = args;
    if (args.length !== 1 || source === undefined || source === '') {
      ui.error('Must provide exactly one peering token argument');
      return EXIT_ERROR;
    }
    let token: PeeringToken;
    try {
      token = decodePeeringToken(await loadDataSource(source, ctx));
    } catch (err) {
      ui.error(`Error decoding peering token: ${errorText(err)}`);
      return EXIT_ERROR;
    }
    const description = describe(token);
    ui.output(flags.format.value === 'json' ? goJson(description) : formatDescription(description));
    return 0;
  },
});

/** What describe-token shows: the token minus its secret, CA PEMs reduced to fingerprints. */
export interface TokenDescription {
  readonly ServerName: string;
  readonly ServerAddresses: readonly string[];
  readonly ManualServerAddresses: readonly string[];
  readonly PeerID: string;
  readonly CAFingerprints: readonly string[];
  readonly Remote: { readonly Datacenter: string; readonly Partition: string };
}

/** Copies only the non-secret fields, so the secret cannot leak through a later change. */
export function describe(token: PeeringToken): TokenDescription {
  return {
    ServerName: token.ServerName,
    ServerAddresses: [...(token.ServerAddresses ?? [])],
    ManualServerAddresses: [...(token.ManualServerAddresses ?? [])],
    PeerID: token.PeerID,
    CAFingerprints: (token.CA ?? []).map(pemFingerprint),
    Remote: { Datacenter: token.Remote?.Datacenter ?? '', Partition: token.Remote?.Partition ?? '' },
  };
}

/** SHA-256 of the certificate's DER, colon-separated upper-case hex (as `openssl x509 -fingerprint`). */
export function pemFingerprint(pem: string): string {
  const body = pem
    .replace(/-----BEGIN [^-]+-----/, '')
    .replace(/-----END [^-]+-----[\s\S]*$/, '')
    .replace(/\s+/g, '');
  const digest = createHash('sha256').update(Buffer.from(body, 'base64')).digest('hex').toUpperCase();
  return digest.match(/../g)?.join(':') ?? '';
}

function formatDescription(d: TokenDescription): string {
  let out = `Server Name:       ${d.ServerName}\n`;
  out += `Peer ID:           ${d.PeerID}\n`;
  out += `Remote Datacenter: ${d.Remote.Datacenter}\n`;
  out += `Remote Partition:  ${d.Remote.Partition}\n`;
  out += `Server Addresses:\n${d.ServerAddresses.map((a) => `    ${a}\n`).join('')}`;
  if (d.ManualServerAddresses.length > 0) {
    out += `Manual Server Addresses:\n${d.ManualServerAddresses.map((a) => `    ${a}\n`).join('')}`;
  }
  out += `CA Fingerprints (SHA-256):\n${d.CAFingerprints.map((f) => `    ${f}\n`).join('')}`;
  return out;
}
