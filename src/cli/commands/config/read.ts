import { defineCommand, errorText, EXIT_ERROR } from '../../command.js';
import { goJson } from '../../format/go-json.js';

/** `entente config read` (Consul `command/config/read`): the entry as JSON indented by 4 spaces. */
export const configRead = defineCommand({
  synopsis: 'Read a centralized config entry',
  usage: `
Usage: entente config read [options] -kind <config kind> -name <config name>

  Reads the config entry specified by the given kind and name and outputs its
  JSON representation.

  Example:

    $ entente config read -kind proxy-defaults -name global
`,
  http: 'client+server',
  connectError: 'Error connect to Consul agent',
  flags: (fs) => ({
    kind: fs.string('kind', '', 'The kind of configuration to read.'),
    name: fs.string('name', '', 'The name of configuration to read.'),
  }),
  run: async ({ flags, ui, signal, stale, client }) => {
    const kind = flags.kind.value;
    const name = flags.name.value;
    if (kind === '') {
      ui.error('Must specify the -kind parameter');
      return EXIT_ERROR;
    }
    if (name === '') {
      ui.error('Must specify the -name parameter');
      return EXIT_ERROR;
    }
    const api = await client();
    if (api === undefined) return EXIT_ERROR;
    try {
      const { value } = await api.configEntries.get(kind, name, { stale, signal });
      ui.output(goJson(value, '    '));
      return 0;
    } catch (err) {
      ui.error(
        `Error reading config entry ${JSON.stringify(kind)} / ${JSON.stringify(name)}: ${errorText(err)}`,
      );
      return EXIT_ERROR;
    }
  },
});
