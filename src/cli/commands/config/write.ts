import type { ConfigEntry } from '../../../api/index.js';
import { defineCommand, errorText, EXIT_ERROR } from '../../command.js';
import { loadDataSourceNoRaw } from '../../load-data.js';
import { entryName, parseConfigEntry } from './parse-config-entry.js';

/** `entente config write` (Consul `command/config/write`). */
export const configWrite = defineCommand({
  synopsis: 'Create or update a centralized config entry',
  usage: `
Usage: entente config write [options] <configuration>

  Request a config entry to be created or updated. The configuration
  argument is either a file path or '-' to indicate that the config
  should be read from stdin. The data should be either in HCL or
  JSON form.

  Example (from file):

    $ entente config write web.service.hcl

  Example (from stdin):

    $ entente config write -
`,
  http: 'client+server',
  connectError: 'Error connect to Consul agent',
  flags: (fs) => ({
    cas: fs.bool(
      'cas',
      false,
      'Perform a Check-And-Set operation. Specifying this value also requires the -modify-index flag to be set. ' +
        'The default value is false.',
    ),
    modifyIndex: fs.uint(
      'modify-index',
      0,
      'Unsigned integer representing the ModifyIndex of the config entry. This is used in combination with the ' +
        '-cas flag.',
    ),
  }),
  run: async ({ flags, args, ui, signal, ctx, client }) => {
    const [source] = args;
    if (args.length !== 1 || source === undefined) {
      ui.error('Must provide exactly one positional argument to specify the config entry to write');
      return EXIT_ERROR;
    }
    let data: string;
    try {
      data = await loadDataSourceNoRaw(source, ctx);
    } catch (err) {
      ui.error(`Failed to load data: ${errorText(err)}`);
      return EXIT_ERROR;
    }
    let entry: ConfigEntry;
    try {
      entry = parseConfigEntry(data, source === '-' ? undefined : source);
    } catch (err) {
      ui.error(`Failed to decode config entry input: ${errorText(err)}`);
      return EXIT_ERROR;
    }
    const api = await client();
    if (api === undefined) return EXIT_ERROR;
    let written: boolean;
    try {
      written = flags.cas.value
        ? await api.configEntries.cas(entry, flags.modifyIndex.value, { signal })
        : await api.configEntries.set(entry, { signal });
    } catch (err) {
      ui.error(`Error writing config entry ${entry.Kind}/${entryName(entry)}: ${errorText(err)}`);
      return EXIT_ERROR;
    }
    if (!written) {
      ui.error(`Config entry not updated: ${entry.Kind}/${entryName(entry)}`);
      return EXIT_ERROR;
    }
    ui.output(`Config entry written: ${entry.Kind}/${entryName(entry)}`);
    return 0;
  },
});
