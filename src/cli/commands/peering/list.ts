import type { Peering } from '../../../api/index.js';
import { defineCommand, EXIT_ERROR } from '../../command.js';
import { columnize } from '../../format/columnize.js';
import { goJson } from '../../format/go-json.js';
import { checkNameAndFormat, formatFlag, sortedPairs } from './format.js';

/** `entente peering list` (Consul `command/peering/list`). */
export const peeringList = defineCommand({
  synopsis: 'List peering connections',
  usage: `
Usage: entente peering list [options]

  List all peering connections.  The results will be filtered according
  to ACL policy configuration.

  Example:

    $ entente peering list
`,
  http: 'client',
  connectError: 'Error connect to Consul agent',
  flags: (fs) => ({ format: formatFlag(fs) }),
  run: async ({ flags, ui, signal, client }) => {
    if (!checkNameAndFormat(ui, undefined, flags.format.value)) return EXIT_ERROR;
    const api = await client();
    if (api === undefined) return EXIT_ERROR;
    let list: Peering[];
    try {
      list = (await api.peerings.list({ signal })).value;
    } catch {
      // NOTE: Consul's exact message, which does not include the cause.
      ui.error('Error listing peerings');
      return EXIT_ERROR;
    }
    list = [...list].sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0));
    if (flags.format.value === 'json') {
      ui.output(goJson(list));
      return 0;
    }
    if (list.length === 0) {
      ui.output('There are no peering connections.');
      return 0;
    }
    const rows = ['Name\x1fState\x1fImported Svcs\x1fExported Svcs\x1fMeta'];
    for (const p of list) {
      const imported = p.StreamStatus?.ImportedServices?.length ?? 0;
      const exported = p.StreamStatus?.ExportedServices?.length ?? 0;
      rows.push(`${p.Name}\x1f${p.State}\x1f${imported}\x1f${exported}\x1f${sortedPairs(p.Meta).join(',')}`);
    }
    ui.output(columnize(rows));
    return 0;
  },
});
