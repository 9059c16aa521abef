import { defineCommand, errorText, EXIT_ERROR } from '../../command.js';
import { intentionRef } from './intention-ref.js';

/** `entente intention delete SRC DST | ID` (Consul `command/intention/delete`). */
export const intentionDelete = defineCommand({
  synopsis: 'Delete an intention.',
  usage: `
Usage: entente intention delete [options] SRC DST
Usage: entente intention delete [options] ID

  Delete an intention. This cannot be reversed. The intention can be looked
  up via an exact source/destination match or via the unique intention ID.

      $ entente intention delete web db
`,
  http: 'client+server+tenancy',
  flags: () => ({}),
  run: async ({ args, ui, signal, client }) => {
    const ref = intentionRef(args, ui);
    if (ref === undefined) return EXIT_ERROR;
    const api = await client();
    if (api === undefined) return EXIT_ERROR;
    try {
      if ('id' in ref) await api.connect.intentionDelete(ref.id, { signal });
      else await api.connect.intentionDeleteExact(ref.source, ref.destination, { signal });
    } catch (err) {
      ui.error(`Error deleting the intention: ${errorText(err)}`);
      return EXIT_ERROR;
    }
    ui.output('Intention deleted.');
    return 0;
  },
});
