import type { ApiClient, Intention } from '../../../api/index.js';
import { defineCommand, errorText, EXIT_ERROR } from '../../command.js';
import type { CliContext } from '../../context.js';
import { loadDataSourceNoRaw } from '../../load-data.js';
import { formatTarget, intentionString, parseIntentionTarget } from './format.js';

/**
 * `entente intention create` (Consul `command/intention/create`). Consul's CLI creates legacy ID-based
 * intentions through `POST /v1/connect/intentions`; Entente stores intentions only as config entries, so it
 * writes them with `PUT /v1/connect/intentions/exact` (Consul's own newer path) and keeps the CLI's contract: an
 * existing intention for the pair fails the command unless `-replace` is given.
 */
export const intentionCreate = defineCommand({
  synopsis: 'Create intentions for service connections.',
  usage: `
Usage: entente intention create [options] SRC DST
Usage: entente intention create [options] -file FILE...

  Create one or more intentions. The data can be specified as a single
  source and destination pair or via a set of files when the "-file" flag
  is specified.

      $ entente intention create web db

  To consume data from a set of files:

      $ entente intention create -file one.json two.json

  When specifying the "-file" flag, "-" may be used once to read from stdin:

      $ echo "{ ... }" | entente intention create -file -

  An "allow" intention is created by default (allowlist). To create a
  "deny" intention, the "-deny" flag should be specified.

  If a conflicting intention is found, creation will fail. To replace any
  conflicting intentions, specify the "-replace" flag. This will replace any
  conflicting intentions with the intention specified in this command.
  Metadata and any other fields of the previous intention will not be
  preserved.
`,
  http: 'client+server+tenancy',
  flags: (fs) => ({
    allow: fs.bool('allow', false, 'Create an intention that allows when matched.'),
    deny: fs.bool('deny', false, 'Create an intention that denies when matched.'),
    file: fs.bool('file', false, 'Read intention data from one or more files.'),
    replace: fs.bool('replace', false, 'Replace matching intentions.'),
    meta: fs.map(
      'meta',
      'Metadata to set on the intention, formatted as key=value. This flag may be specified multiple times to ' +
        'set multiple meta fields.',
    ),
  }),
  run: async ({ flags, args, ui, signal, ctx, client }) => {
    let allow = flags.allow.value;
    const deny = flags.deny.value;
    if (!allow && !deny) allow = true;
    if (allow && deny) {
      ui.error('Only one of -allow or -deny may be specified.');
      return EXIT_ERROR;
    }
    let ixns: Intention[];
    try {
      ixns = flags.file.value
        ? await fromFiles(args, ctx)
        : fromArgs(args, allow ? 'allow' : 'deny', flags.meta.value);
    } catch (err) {
      ui.error(`Error: ${errorText(err)}`);
      return EXIT_ERROR;
    }
    const api = await client();
    if (api === undefined) return EXIT_ERROR;
    for (const ixn of ixns) {
      const code = await createOne(api, ixn, flags.replace.value, signal, (m) => {
        ui.error(m);
      });
      if (code !== 0) return code;
      ui.output(`Created: ${intentionString(ixn)}`);
    }
    return 0;
  },
});

async function createOne(
  api: ApiClient,
  ixn: Intention,
  replace: boolean,
  signal: AbortSignal,
  fail: (message: string) => void,
): Promise<number> {
  const src = formatTarget(ixn.SourceNS, ixn.SourceName);
  const dst = formatTarget(ixn.DestinationNS, ixn.DestinationName);
  let existing: Intention | null;
  try {
    existing = (await api.connect.intentionGetExact(src, dst, { signal })).value;
  } catch (err) {
    fail(
      `Error looking up intention for replacement with source ${JSON.stringify(src)} and destination ${JSON.stringify(dst)}: ${errorText(err)}`,
    );
    return EXIT_ERROR;
  }
  if (existing !== null && !replace) {
    fail(
      `Error creating intention ${JSON.stringify(intentionString(ixn))}: an intention from ${JSON.stringify(src)} to ${JSON.stringify(dst)} already exists (use -replace to replace it)`,
    );
    return EXIT_ERROR;
  }
  try {
    await api.connect.intentionUpsert(ixn, { signal });
  } catch (err) {
    const verb = existing === null ? 'creating intention' : 'replacing intention with source';
    fail(
      existing === null
        ? `Error ${verb} ${JSON.stringify(intentionString(ixn))}: ${errorText(err)}`
        : `Error ${verb} ${JSON.stringify(src)} and destination ${JSON.stringify(dst)}: ${errorText(err)}`,
    );
    return EXIT_ERROR;
  }
  return 0;
}

function fromArgs(
  args: readonly string[],
  action: 'allow' | 'deny',
  meta: Readonly<Record<string, string>>,
): Intention[] {
  if (args.length !== 2) throw new Error('Must specify two arguments: source and destination');
  const src = parseTarget(args[0] ?? '', 'source');
  const dst = parseTarget(args[1] ?? '', 'destination');
  const ixn: Intention = {
    SourceName: src.name,
    DestinationName: dst.name,
    SourceType: 'consul',
    Action: action,
  };
  if (src.ns !== '') ixn.SourceNS = src.ns;
  if (src.partition !== '') ixn.SourcePartition = src.partition;
  if (dst.ns !== '') ixn.DestinationNS = dst.ns;
  if (dst.partition !== '') ixn.DestinationPartition = dst.partition;
  if (Object.keys(meta).length > 0) ixn.Meta = meta;
  return [ixn];
}

function parseTarget(
  input: string,
  which: 'source' | 'destination',
): ReturnType<typeof parseIntentionTarget> {
  try {
    return parseIntentionTarget(input);
  } catch (err) {
    throw new Error(`Invalid intention ${which}: ${errorText(err)}`, { cause: err });
  }
}

async function fromFiles(paths: readonly string[], ctx: CliContext): Promise<Intention[]> {
  const out: Intention[] = [];
  for (const path of paths) {
    const ixn = JSON.parse(await loadDataSourceNoRaw(path, ctx)) as Intention;
    if (ixn.Permissions !== undefined && ixn.Permissions.length > 0) {
      throw new Error(
        `cannot create L7 intention from file ${JSON.stringify(path)} using this CLI; use 'entente config write' instead`,
      );
    }
    out.push(ixn);
  }
  return out;
}
