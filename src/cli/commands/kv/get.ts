import { kvValueBytes, type KVPair } from '../../../api/index.js';
import { defineCommand, errorText, EXIT_ERROR } from '../../command.js';
import { tabwrite } from '../../format/tabwriter.js';

/** `entente kv get` (Consul `command/kv/get`). */
export const kvGet = defineCommand({
  synopsis: 'Retrieves or lists data from the KV store',
  usage: `
Usage: entente kv get [options] [KEY_OR_PREFIX]

  Retrieves the value from the key-value store at the given key name. If no
  key exists with that name, an error is returned. If a key exists with that
  name but has no data, nothing is returned. If the name or prefix is omitted,
  it defaults to "" which is the root of the key-value store.

  To retrieve the value for the key named "foo" in the key-value store:

      $ entente kv get foo

  This will return the original, raw value stored. To view detailed
  information about the key, specify the "-detailed" flag. This will output all
  known metadata about the key including ModifyIndex and any user-supplied
  flags:

      $ entente kv get -detailed foo

  To treat the path as a prefix and list all keys which start with the given
  prefix, specify the "-recurse" flag:

      $ entente kv get -recurse foo

  This will return all key-value pairs. To just list the keys which start with
  the specified prefix, use the "-keys" option instead:

      $ entente kv get -keys foo

  For a full list of options and examples, please see the documentation.
`,
  http: 'client+server',
  flags: (fs) => ({
    base64: fs.bool('base64', false, 'Base64 encode the value. The default value is false.'),
    detailed: fs.bool(
      'detailed',
      false,
      'Provide additional metadata about the key in addition to the value such as the ModifyIndex and any flags ' +
        'that may have been set on the key. The default value is false.',
    ),
    keys: fs.bool(
      'keys',
      false,
      'List keys which start with the given prefix, but not their values. This is especially useful if you only ' +
        'need the key names themselves. This option is commonly combined with the -separator option. The default ' +
        'value is false.',
    ),
    recurse: fs.bool(
      'recurse',
      false,
      'Recursively look at all keys prefixed with the given path. The default value is false.',
    ),
    separator: fs.string(
      'separator',
      '/',
      'String to use as a separator between keys. The default value is "/", but this option is only taken into ' +
        'account when paired with the -keys flag.',
    ),
  }),
  run: async ({ flags, args, ui, signal, stale, client }) => {
    if (args.length > 1) {
      ui.error(`Too many arguments (expected 1, got ${args.length})`);
      return EXIT_ERROR;
    }
    let key = args[0] ?? '';
    // Keys cannot start with "/", but users write "/foo": strip it, as Consul does.
    if (key.startsWith('/')) key = key.slice(1);
    if (key === '' && !(flags.recurse.value || flags.keys.value)) {
      ui.error('Error! Missing KEY argument');
      return EXIT_ERROR;
    }
    const api = await client();
    if (api === undefined) return EXIT_ERROR;
    const query = { stale, signal };
    const b64 = flags.base64.value;
    try {
      if (flags.keys.value) {
        for (const k of (await api.kv.keys(key, flags.separator.value, query)).value) ui.output(k);
        return 0;
      }
      if (flags.recurse.value) {
        const pairs = (await api.kv.list(key, query)).value;
        pairs.forEach((pair, i) => {
          if (flags.detailed.value) {
            ui.output(prettyKVPair(pair, b64));
            if (i < pairs.length - 1) ui.output('');
          } else {
            ui.output(`${pair.Key}:${valueText(pair, b64)}`);
          }
        });
        return 0;
      }
      const { value: pair } = await api.kv.get(key, query);
      if (pair === null) {
        ui.error(`Error! No key exists at: ${key}`);
        return EXIT_ERROR;
      }
      ui.output(flags.detailed.value ? prettyKVPair(pair, b64) : valueText(pair, false));
      return 0;
    } catch (err) {
      ui.error(`Error querying Consul agent: ${errorText(err)}`);
      return EXIT_ERROR;
    }
  },
});

function valueText(pair: KVPair, base64: boolean): string {
  const bytes = kvValueBytes(pair);
  return base64 ? bytes.toString('base64') : bytes.toString('utf8');
}

/** Consul's `prettyKVPair`: a tab-aligned block of the pair's fields. */
export function prettyKVPair(pair: KVPair, base64: boolean): string {
  return tabwrite([
    `CreateIndex\t${pair.CreateIndex}`,
    `Flags\t${pair.Flags}`,
    `Key\t${pair.Key}`,
    `LockIndex\t${pair.LockIndex}`,
    `ModifyIndex\t${pair.ModifyIndex}`,
    `Session\t${pair.Session === undefined || pair.Session === '' ? '-' : pair.Session}`,
    `Value\t${valueText(pair, base64)}`,
  ]);
}
