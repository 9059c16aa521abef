import { defineCommand, errorText, EXIT_ERROR } from '../../command.js';
import { entryName } from './parse-config-entry.js';

/** `entente config list` (Consul `command/config/list`): one entry name per line. */
export const configList = defineCommand({
  synopsis: 'List centralized config entries of a given kind',
  usage: `
Usage: entente config list [options] -kind <config kind>

  Lists all of the config entries for a given kind. The -kind parameter
  is required.

  Example:

    $ entente config list -kind service-defaults
`,
  http: 'client+server',
  connectError: 'Error connect to Consul agent',
  flags: (fs) => ({
    kind: fs.string('kind', '', 'The kind of configurations to list.'),
    filter: fs.string('filter', '', 'Filter to use with the request.'),
  }),
  run: async ({ flags, ui, signal, stale, client }) => {
    const kind = flags.kind.value;
    if (kind === '') {
      ui.error('Must specify the -kind parameter');
      return EXIT_ERROR;
    }
    const api = await client();
    if (api === undefined) return EXIT_ERROR;
    try {
      const { value } = await api.configEntries.list(kind, { filter: flags.filter.value, stale, signal });
      for (const entry of value) ui.output(entryName(entry));
      return 0;
    } catch (err) {
      ui.error(`Error listing config entries for kind ${JSON.stringify(kind)}: ${errorText(err)}`);
      return EXIT_ERROR;
    }
  },
});
