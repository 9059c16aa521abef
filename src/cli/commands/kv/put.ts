import { defineCommand, errorText, EXIT_ERROR } from '../../command.js';
import type { CliContext } from '../../context.js';

/** `entente kv put` (Consul `command/kv/put`). Sessions (`-acquire`, `-release`) are not supported yet. */
export const kvPut = defineCommand({
  synopsis: 'Sets or updates data in the KV store',
  usage: `
Usage: entente kv put [options] KEY [DATA]

  Writes the data to the given path in the key-value store. The data can be of
  any type.

      $ entente kv put config/redis/maxconns 5

  The data can also be consumed from a file on disk by prefixing with the "@"
  symbol. For example:

      $ entente kv put config/program/license @license.lic

  Or it can be read from stdin using the "-" symbol:

      $ echo "abcd1234" | entente kv put config/program/license -

  The DATA argument itself is optional. If omitted, this will create an empty
  key-value pair at the specified path:

      $ entente kv put webapp/beta/active

  If the -base64 flag is specified, the data will be treated as base 64
  encoded.

  To perform a Check-And-Set operation, specify the -cas flag with the
  appropriate -modify-index flag corresponding to the key you want to perform
  the CAS operation on:

      $ entente kv put -cas -modify-index=844 config/redis/maxconns 5

  Additional flags and more advanced use cases are detailed below.
`,
  http: 'client+server',
  flags: (fs) => ({
    cas: fs.bool(
      'cas',
      false,
      'Perform a Check-And-Set operation. Specifying this value also requires the -modify-index flag to be set. ' +
        'The default value is false.',
    ),
    flags: fs.uint(
      'flags',
      0,
      'Unsigned integer value to assign to this key-value pair. This value is not read by Consul, so clients can ' +
        'use this value however makes sense for their use case. The default value is 0 (no flags).',
    ),
    base64: fs.bool('base64', false, 'Treat the data as base 64 encoded. The default value is false.'),
    modifyIndex: fs.uint(
      'modify-index',
      0,
      'Unsigned integer representing the ModifyIndex of the key. This is used in combination with the -cas flag.',
    ),
  }),
  run: async ({ flags, args, ui, signal, ctx, client }) => {
    let key: string;
    let data: Buffer;
    try {
      [key, data] = await dataFromArgs(args, ctx);
    } catch (err) {
      ui.error(`Error! ${errorText(err)}`);
      return EXIT_ERROR;
    }
    if (flags.base64.value) {
      const text = data.toString('utf8');
      if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(text)) {
        ui.error('Error! Cannot base 64 decode data: illegal base64 data');
        return EXIT_ERROR;
      }
      data = Buffer.from(text, 'base64');
    }
    if (flags.cas.value && flags.modifyIndex.value === 0) {
      ui.error('Must specify -modify-index with -cas!');
      return EXIT_ERROR;
    }
    const api = await client();
    if (api === undefined) return EXIT_ERROR;
    const pair = { key, value: new Uint8Array(data), flags: flags.flags.value };
    if (flags.cas.value) {
      let ok: boolean;
      try {
        ok = await api.kv.cas(pair, flags.modifyIndex.value, { signal });
      } catch (err) {
        ui.error(`Error! Did not write to ${key}: ${errorText(err)}`);
        return EXIT_ERROR;
      }
      if (!ok) {
        ui.error(`Error! Did not write to ${key}: CAS failed`);
        return EXIT_ERROR;
      }
    } else {
      try {
        await api.kv.put(pair, { signal });
      } catch (err) {
        ui.error(`Error! Failed writing data: ${errorText(err)}`);
        return EXIT_ERROR;
      }
    }
    ui.output(`Success! Data written to: ${key}`);
    return 0;
  },
});

/** Consul's `dataFromArgs`: KEY [DATA], where DATA may be `@file` or `-` (stdin). */
async function dataFromArgs(args: readonly string[], ctx: CliContext): Promise<[string, Buffer]> {
  const [key, data] = args;
  if (key === undefined) throw new Error('Missing KEY argument');
  if (args.length > 2) throw new Error(`Too many arguments (expected 1 or 2, got ${args.length})`);
  if (data === undefined || data === '') return [key, Buffer.alloc(0)];
  if (data.startsWith('@')) {
    try {
      return [key, await ctx.readFile(data.slice(1))];
    } catch (err) {
      throw new Error(`Failed to read file: ${errorText(err)}`, { cause: err });
    }
  }
  if (data === '-') {
    try {
      return [key, await ctx.readStdin()];
    } catch (err) {
      throw new Error(`Failed to read stdin: ${errorText(err)}`, { cause: err });
    }
  }
  return [key, Buffer.from(data)];
}
