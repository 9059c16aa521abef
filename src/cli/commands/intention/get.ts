import { defineCommand, errorText, EXIT_ERROR } from '../../command.js';
import { columnize, COLUMN_DELIMITER as D } from '../../format/columnize.js';
import { exactArgs } from './exact-args.js';
import { destinationString, formatRfc850, sourceString } from './format.js';

/**
 * `entente intention get SRC DST` (Consul `command/intention/get`). Lookups by legacy ID are not supported:
 * Entente's intentions are config entries and have no ID.
 */
export const intentionGet = defineCommand({
  synopsis: 'Show information about an intention.',
  usage: `
Usage: entente intention get [options] SRC DST

  Read and show the details about an intention. The intention is looked
  up via an exact source/destination match.

      $ entente intention get web db
`,
  http: 'client+server',
  flags: () => ({}),
  run: async ({ args, ui, signal, client }) => {
    const pair = exactArgs(args, ui);
    if (pair === undefined) return EXIT_ERROR;
    const api = await client();
    if (api === undefined) return EXIT_ERROR;
    const [source, destination] = pair;
    let ixn;
    try {
      ixn = (await api.connect.intentionGetExact(source, destination, { signal })).value;
    } catch (err) {
      ui.error(`Error reading the intention: ${errorText(err)}`);
      return EXIT_ERROR;
    }
    if (ixn === null) {
      ui.error(
        `Intention not found with source ${JSON.stringify(source)} and destination ${JSON.stringify(destination)}`,
      );
      return EXIT_ERROR;
    }
    const rows = [`Source:${D}${sourceString(ixn)}`, `Destination:${D}${destinationString(ixn)}`];
    if (ixn.Action !== undefined) rows.push(`Action:${D}${ixn.Action}`);
    if (ixn.ID !== undefined && ixn.ID !== '') rows.push(`ID:${D}${ixn.ID}`);
    if (ixn.Description !== undefined && ixn.Description !== '')
      rows.push(`Description:${D}${ixn.Description}`);
    for (const k of Object.keys(ixn.Meta ?? {}).sort()) rows.push(`Meta[${k}]:${D}${ixn.Meta?.[k] ?? ''}`);
    rows.push(`Created At:${D}${formatRfc850(ixn.CreatedAt)}`);
    ui.output(columnize(rows));
    if (ixn.Permissions !== undefined && ixn.Permissions.length > 0) {
      ui.output(`Permissions:\n${JSON.stringify(ixn.Permissions, null, 2)}`);
    }
    return 0;
  },
});
