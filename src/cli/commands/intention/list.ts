import { defineCommand, errorText, EXIT_ERROR } from '../../command.js';
import { columnize, COLUMN_DELIMITER as D } from '../../format/columnize.js';

/** `entente intention list` (Consul `command/intention/list`): exit 2 when there are none. */
export const intentionList = defineCommand({
  synopsis: 'List intentions.',
  usage: `
Usage: entente intention list

  List all intentions.
`,
  http: 'client+server+tenancy',
  flags: () => ({}),
  run: async ({ ui, signal, client }) => {
    const api = await client();
    if (api === undefined) return EXIT_ERROR;
    let ixns;
    try {
      ixns = (await api.connect.intentions({ signal })).value;
    } catch (err) {
      ui.error(`Failed to retrieve the intentions list: ${errorText(err)}`);
      return EXIT_ERROR;
    }
    if (ixns.length === 0) {
      ui.error('There are no intentions.');
      return 2;
    }
    const rows = [`ID${D}Source${D}Action${D}Destination${D}Precedence`];
    for (const i of ixns) {
      rows.push(
        `${i.ID ?? ''}${D}${i.SourceName}${D}${i.Action ?? ''}${D}${i.DestinationName}${D}${i.Precedence ?? 0}`,
      );
    }
    ui.output(columnize(rows));
    return 0;
  },
});
