import { defineCommand, errorText, EXIT_ERROR } from '../../command.js';
import { columnize, COLUMN_DELIMITER as D } from '../../format/columnize.js';
import { intentionRef } from './intention-ref.js';
import { destinationString, formatRfc850, sourceString } from './format.js';

/** `entente intention get SRC DST | ID` (Consul `command/intention/get`). */
export const intentionGet = defineCommand({
  synopsis: 'Show information about an intention.',
  usage: `
Usage: entente intention get [options] SRC DST
Usage: entente intention get [options] ID

  Read and show the details about an intention. The intention can be looked
  up via an exact source/destination match or via the unique intention ID.

      $ entente intention get web db
`,
  http: 'client+server+tenancy',
  flags: () => ({}),
  run: async ({ args, ui, signal, client }) => {
    const ref = intentionRef(args, ui);
    if (ref === undefined) return EXIT_ERROR;
    const api = await client();
    if (api === undefined) return EXIT_ERROR;
    let ixn;
    try {
      ixn =
        'id' in ref
          ? (await api.connect.intentionGet(ref.id, { signal })).value
          : (await api.connect.intentionGetExact(ref.source, ref.destination, { signal })).value;
    } catch (err) {
      ui.error(`Error reading the intention: ${errorText(err)}`);
      return EXIT_ERROR;
    }
    if (ixn === null) {
      ui.error(
        'id' in ref
          ? `Intention not found with ID ${JSON.stringify(ref.id)}`
          : `Intention not found with source ${JSON.stringify(ref.source)} and destination ${JSON.stringify(ref.destination)}`,
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
