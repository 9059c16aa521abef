import { defineCommand, EXIT_ERROR } from '../../command.js';
import { goJson } from '../../format/go-json.js';
import { formatFlag, nameFlag } from './format.js';
import { readNamedPeering } from './read.js';

/**
 * `entente peering exported-services` (Consul `command/peering/exportedservices`): the services exported to a
 * peer, from the peering's stream status. Community-edition shapes: one name per line, JSON `[{"ID":…}]`.
 */
export const peeringExportedServices = defineCommand({
  synopsis: 'Lists exported services to a peer',
  usage: `
Usage: entente peering exported-services [options] -name <peer name>

  Lists services exported to the peer with the provided name. If the peer is not found,
  the command exits with a non-zero code. The result is filtered according
  to ACL policy configuration.

  Example:

    $ entente peering exported-services -name west-dc
`,
  http: 'client',
  connectError: 'Error connect to Consul agent',
  flags: (fs) => ({ name: nameFlag(fs), format: formatFlag(fs) }),
  run: async (input) => {
    const { flags, ui } = input;
    const peer = await readNamedPeering(input);
    if (peer === undefined) return EXIT_ERROR;
    const names = peer.StreamStatus?.ExportedServices ?? [];
    if (flags.format.value === 'json') {
      ui.output(goJson(names.map((id) => ({ ID: id }))));
      return 0;
    }
    ui.output(names.join('\n'));
    return 0;
  },
});
