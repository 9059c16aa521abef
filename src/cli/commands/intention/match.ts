import { defineCommand, errorText, EXIT_ERROR } from '../../command.js';
import { intentionString } from './format.js';

/** `entente intention match [-source|-destination] NAME` (Consul `command/intention/match`). */
export const intentionMatch = defineCommand({
  synopsis: 'Show intentions that match a source or destination.',
  usage: `
Usage: entente intention match [options] SRC|DST

  Show the list of intentions that would be enforced for a given source
  or destination. The intentions are listed in the order they would be
  evaluated.

      $ entente intention match db
      $ entente intention match -source web
`,
  http: 'client+server+tenancy',
  flags: (fs) => ({
    source: fs.bool('source', false, 'Match intentions with the given source.'),
    destination: fs.bool('destination', false, 'Match intentions with the given destination.'),
  }),
  run: async ({ flags, args, ui, signal, client }) => {
    if (args.length !== 1) {
      ui.error('Error: command requires exactly one argument: src or dst');
      return EXIT_ERROR;
    }
    if (flags.source.value && flags.destination.value) {
      ui.error('Error: only one of -source or -destination may be specified');
      return EXIT_ERROR;
    }
    const api = await client();
    if (api === undefined) return EXIT_ERROR;
    const name = args[0] ?? '';
    let matches;
    try {
      matches = (
        await api.connect.intentionMatch(flags.source.value ? 'source' : 'destination', [name], { signal })
      ).value;
    } catch (err) {
      ui.error(`Error matching the connection: ${errorText(err)}`);
      return EXIT_ERROR;
    }
    for (const ixn of matches[name] ?? []) ui.output(intentionString(ixn));
    return 0;
  },
});
