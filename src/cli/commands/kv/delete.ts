import { defineCommand, errorText, EXIT_ERROR } from '../../command.js';

/** `entente kv delete` (Consul `command/kv/del`). */
export const kvDelete = defineCommand({
  synopsis: 'Removes data from the KV store',
  usage: `
Usage: entente kv delete [options] KEY_OR_PREFIX

  Removes the value from the key-value store at the given path. If no
  key exists at the path, no action is taken.

  To delete the value for the key named "foo" in the key-value store:

      $ entente kv delete foo

  To delete all keys which start with "foo", specify the -recurse option:

      $ entente kv delete -recurse foo

  This will delete the keys named "foo", "food", and "foo/bar/zip" if they
  existed.
`,
  http: 'client+server',
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
      'Unsigned integer representing the ModifyIndex of the key. This is used in combination with the -cas flag.',
    ),
    recurse: fs.bool(
      'recurse',
      false,
      'Recursively delete all keys with the path. The default value is false.',
    ),
  }),
  run: async ({ flags, args, ui, signal, client }) => {
    if (args.length > 1) {
      ui.error(`Too many arguments (expected 1, got ${args.length})`);
      return EXIT_ERROR;
    }
    let key = args[0] ?? '';
    if (key.startsWith('/')) key = key.slice(1);
    if (key === '' && !flags.recurse.value) {
      ui.error('Error! Missing KEY argument');
      return EXIT_ERROR;
    }
    if (flags.cas.value && flags.modifyIndex.value === 0) {
      ui.error('Cannot delete a key that does not exist. Provide a -modify-index greater than than 0.');
      return EXIT_ERROR;
    }
    if (flags.modifyIndex.value !== 0 && !flags.cas.value) {
      ui.error('Cannot specify -modify-index without -cas!');
      return EXIT_ERROR;
    }
    if (flags.recurse.value && flags.cas.value) {
      ui.error('Cannot specify both -cas and -recurse!');
      return EXIT_ERROR;
    }
    const api = await client();
    if (api === undefined) return EXIT_ERROR;
    if (flags.recurse.value) {
      try {
        await api.kv.deleteTree(key, { signal });
      } catch (err) {
        ui.error(`Error! Did not delete prefix ${key}: ${errorText(err)}`);
        return EXIT_ERROR;
      }
      ui.output(`Success! Deleted keys with prefix: ${key}`);
      return 0;
    }
    if (flags.cas.value) {
      let ok: boolean;
      try {
        ok = await api.kv.deleteCas(key, flags.modifyIndex.value, { signal });
      } catch (err) {
        ui.error(`Error! Did not delete key ${key}: ${errorText(err)}`);
        return EXIT_ERROR;
      }
      if (!ok) {
        ui.error(`Error! Did not delete key ${key}: CAS failed`);
        return EXIT_ERROR;
      }
      ui.output(`Success! Deleted key: ${key}`);
      return 0;
    }
    try {
      await api.kv.delete(key, { signal });
    } catch (err) {
      ui.error(`Error deleting key ${key}: ${errorText(err)}`);
      return EXIT_ERROR;
    }
    ui.output(`Success! Deleted key: ${key}`);
    return 0;
  },
});
