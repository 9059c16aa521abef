import type { Peering } from '../../../api/index.js';
import { defineCommand, errorText, EXIT_ERROR } from '../../command.js';
import { goJson } from '../../format/go-json.js';
import { checkNameAndFormat, formatFlag, nameFlag } from './format.js';

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
  run: async ({ flags, ui, signal, client }) => {
    if (!checkNameAndFormat(ui, flags.name.value, flags.format.value)) return EXIT_ERROR;
    const api = await client();
    if (api === undefined) return EXIT_ERROR;
    let peer: Peering | null;
    try {
      peer = (await api.peerings.read(flags.name.value, { signal })).value;
    } catch (err) {
      ui.error(`Error reading peering: ${errorText(err)}`);
      return EXIT_ERROR;
    }
    if (peer === null) {
      ui.error(`No peering with name ${flags.name.value} found.`);
      return EXIT_ERROR;
    }
    const names = peer.StreamStatus?.ExportedServices ?? [];
    if (flags.format.value === 'json') {
      ui.output(goJson(names.map((id) => ({ ID: id }))));
      return 0;
    }
    ui.output(names.join('\n'));
    return 0;
  },
});
