import { defineCommand, errorText, EXIT_ERROR } from '../../command.js';
import { exactArgs } from './exact-args.js';

/** `entente intention delete SRC DST` (Consul `command/intention/delete`; legacy IDs are not supported). */
export const intentionDelete = defineCommand({
  synopsis: 'Delete an intention.',
  usage: `
Usage: entente intention delete [options] SRC DST

  Delete an intention. This cannot be reversed. The intention is looked
  up via an exact source/destination match.

      $ entente intention delete web db
`,
  http: 'client+server',
  flags: () => ({}),
  run: async ({ args, ui, signal, client }) => {
    const pair = exactArgs(args, ui);
    if (pair === undefined) return EXIT_ERROR;
    const api = await client();
    if (api === undefined) return EXIT_ERROR;
    try {
      await api.connect.intentionDeleteExact(pair[0], pair[1], { signal });
    } catch (err) {
      ui.error(`Error deleting the intention: ${errorText(err)}`);
      return EXIT_ERROR;
    }
    ui.output('Intention deleted.');
    return 0;
  },
});
