import type { Peering, PeeringImports } from '../../../api/index.js';
import { defineCommand, errorText, EXIT_ERROR, type RunInput } from '../../command.js';
import type { FlagValue } from '../../flags/flag-set.js';
import { formatGoTime } from '../../format/go-time.js';
import { goJson } from '../../format/go-json.js';
import { checkNameAndFormat, formatFlag, nameFlag, sortedPairs } from './format.js';

/** `entente peering read` (Consul `command/peering/read`). */
export const peeringRead = defineCommand({
  synopsis: 'Read a peering connection',
  usage: `
Usage: entente peering read [options] -name <peer name>

  Read a peering connection with the provided name.  If one is not found,
  the command will exit with a non-zero code. The result will be filtered according
  to ACL policy configuration.

  Example:

    $ entente peering read -name west-dc
`,
  http: 'client',
  connectError: 'Error connect to Consul agent',
  flags: (fs) => ({ name: nameFlag(fs), format: formatFlag(fs) }),
  run: async (input) => {
    const { flags, ui } = input;
    const peer = await readNamedPeering(input);
    if (peer === undefined) return EXIT_ERROR;
    ui.output(flags.format.value === 'json' ? goJson(peer) : formatPeering(peer));
    return 0;
  },
});

/** The flags {@link readNamedPeering} reads. */
export interface NamedPeeringFlags {
  readonly name: FlagValue<string>;
  readonly format: FlagValue<string>;
}

/**
 * What `peering read` and `peering exported-services` do first: check `-name` and `-format`, build the client and
 * read the peering `-name`.
 *
 * @returns the peering, or `undefined` once the reason (bad flag, client, request error, not found) is printed.
 */
export async function readNamedPeering(input: RunInput<NamedPeeringFlags>): Promise<Peering | undefined> {
  const { flags, ui, signal, client } = input;
  if (!checkNameAndFormat(ui, flags.name.value, flags.format.value)) return undefined;
  const api = await client();
  if (api === undefined) return undefined;
  let peer: Peering | null;
  try {
    peer = (await api.peerings.read(flags.name.value, { signal })).value;
  } catch (err) {
    ui.error(`Error reading peering: ${errorText(err)}`);
    return undefined;
  }
  if (peer === null) {
    ui.error(`No peering with name ${flags.name.value} found.`);
    return undefined;
  }
  return peer;
}

/**
 * Consul's `formatPeering` (1.14+ layout). Entente prints meta sorted and one server address per line
 * (Consul prints them without newlines between).
 */
export function formatPeering(p: Peering): string {
  let out = `Name:         ${p.Name}\n`;
  out += `ID:           ${p.ID}\n`;
  if (p.Partition !== undefined && p.Partition !== '') out += `Partition:    ${p.Partition}\n`;
  if (p.DeletedAt !== undefined && p.DeletedAt !== '') out += `DeletedAt:    ${p.DeletedAt}\n`;
  out += `State:        ${p.State}\n`;
  const meta = sortedPairs(p.Meta);
  if (meta.length > 0) out += `Meta:\n${meta.map((kv) => `    ${kv}\n`).join('')}`;
  out += '\n';
  out += `Peer ID:               ${p.PeerID ?? ''}\n`;
  out += `Peer Server Name:      ${p.PeerServerName ?? ''}\n`;
  out += `Peer CA Pems:          ${p.PeerCAPems?.length ?? 0}\n`;
  const addresses = p.PeerServerAddresses ?? [];
  if (addresses.length > 0) out += `Peer Server Addresses:\n${addresses.map((a) => `    ${a}\n`).join('')}`;
  out += '\n';
  out += `Imported Services: ${p.StreamStatus?.ImportedServices?.length ?? 0}\n`;
  out += `Exported Services: ${p.StreamStatus?.ExportedServices?.length ?? 0}\n`;
  out += '\n';
  out += `Last Heartbeat:    ${formatGoTime(p.StreamStatus?.LastHeartbeat)}\n`;
  out += `Last Send:         ${formatGoTime(p.StreamStatus?.LastSend)}\n`;
  out += `Last Receive:      ${formatGoTime(p.StreamStatus?.LastReceive)}\n`;
  out += '\n';
  const d = p.Diagnostics;
  if (d?.Reason !== undefined) {
    out += `Reason:            ${d.Reason}\n`;
    out += `Message:           ${d.Message ?? ''}\n`;
  }
  if (d?.LastAttemptAddress)
    out += `Last Attempt:      ${d.LastAttemptAddress} at ${d.LastAttemptAt ?? ''}\n`;
  if (d?.LastNackMessage) out += `Last NACK:         ${d.LastNackMessage}\n`;
  if (d?.ReplicationLagMs && d.ReplicationLagMs.Last !== null) {
    out += `Replication Lag:   last ${d.ReplicationLagMs.Last} ms, p99 ${d.ReplicationLagMs.P99 ?? 0} ms\n`;
  }
  const imports = d?.Imports ? importLines(d.Imports) : '';
  out += imports;
  if (
    d?.Reason !== undefined ||
    d?.LastAttemptAddress ||
    (d?.ReplicationLagMs && d.ReplicationLagMs.Last !== null) ||
    imports !== ''
  )
    out += '\n';
  out += `Create Index: ${p.CreateIndex}\n`;
  out += `Modify Index: ${p.ModifyIndex}\n`;
  return out;
}

/** Entente's import caps: the peer's imports against them, and the updates they refused. */
function importLines(i: PeeringImports): string {
  let out = '';
  if (i.MaxServices !== undefined && i.MaxInstances !== undefined) {
    out += `Imports:           ${String(i.Services ?? 0)}/${String(i.MaxServices)} services, ${String(i.Instances ?? 0)}/${String(i.MaxInstances)} instances\n`;
  }
  if (i.Refused.Services + i.Refused.Instances > 0) {
    out += `Imports Refused:   ${String(i.Refused.Services)} over import_max_services, ${String(i.Refused.Instances)} over import_max_instances\n`;
    if (i.LastRefusedMessage) out += `Last Refused:      ${i.LastRefusedMessage}\n`;
  }
  return out;
}
