import { defineCommand, errorText, EXIT_ERROR } from '../../command.js';
import { loadDataSourceNoRaw } from '../../load-data.js';
import { entryName, parseConfigEntry } from './parse-config-entry.js';

/** `entente config delete` (Consul `command/config/delete`): by `-kind`/`-name` or by `-filename`. */
export const configDelete = defineCommand({
  synopsis: 'Delete a centralized config entry',
  usage: `
Usage: entente config delete [options] ([-kind <config kind> -name <config name>] | [-filename FILENAME])

  Deletes the configuration entry specified by the kind and name.

  Example:

    $ entente config delete -kind service-defaults -name web
    $ entente config delete -filename service-defaults-web.hcl
`,
  http: 'client+server',
  connectError: 'Error connect to Consul agent',
  flags: (fs) => ({
    filename: fs.string('filename', '', 'The filename of the config entry to delete'),
    kind: fs.string('kind', '', 'The kind of configuration to delete.'),
    name: fs.string('name', '', 'The name of configuration to delete.'),
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
  run: async ({ flags, ui, signal, ctx, client }) => {
    const problem = validate(flags);
    if (problem !== undefined) {
      ui.error(problem);
      return EXIT_ERROR;
    }
    let kind = flags.kind.value;
    let name = flags.name.value;
    if (flags.filename.value !== '') {
      let data: string;
      try {
        data = await loadDataSourceNoRaw(flags.filename.value, ctx);
      } catch (err) {
        ui.error(`Failed to load data: ${errorText(err)}`);
        return EXIT_ERROR;
      }
      try {
        const entry = parseConfigEntry(data, flags.filename.value === '-' ? undefined : flags.filename.value);
        kind = entry.Kind;
        name = entryName(entry);
      } catch (err) {
        ui.error(`Failed to decode config entry input: ${errorText(err)}`);
        return EXIT_ERROR;
      }
    }
    const api = await client();
    if (api === undefined) return EXIT_ERROR;
    let deleted = true;
    try {
      if (flags.cas.value)
        deleted = await api.configEntries.deleteCas(kind, name, flags.modifyIndex.value, { signal });
      else await api.configEntries.delete(kind, name, { signal });
    } catch (err) {
      ui.error(`Error deleting config entry ${kind}/${name}: ${errorText(err)}`);
      return EXIT_ERROR;
    }
    if (!deleted) {
      ui.error(`Config entry not deleted: ${kind}/${name}`);
      return EXIT_ERROR;
    }
    ui.output(`Config entry deleted: ${kind}/${name}`);
    return 0;
  },
});

/** Consul's `validateArgs`, same messages and order. */
function validate(flags: {
  readonly filename: { readonly value: string };
  readonly kind: { readonly value: string };
  readonly name: { readonly value: string };
  readonly cas: { readonly value: boolean };
  readonly modifyIndex: { readonly value: number };
}): string | undefined {
  const count = [flags.filename.value, flags.kind.value, flags.name.value].filter((v) => v !== '').length;
  if (count >= 3) return "filename can't be used with kind or name";
  if (count === 0) return 'Must specify the -kind or -filename parameter';
  if (flags.filename.value !== '') {
    if (count === 2) return "filename can't be used with kind or name";
  } else {
    if (flags.kind.value === '') return 'Must specify the -kind parameter';
    if (flags.name.value === '') return 'Must specify the -name parameter';
  }
  if (flags.cas.value && flags.modifyIndex.value === 0)
    return 'Must specify a -modify-index greater than 0 with -cas';
  if (flags.modifyIndex.value !== 0 && !flags.cas.value) return 'Cannot specify -modify-index without -cas';
  return undefined;
}
