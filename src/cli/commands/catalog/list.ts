import type { ApiClient } from '../../../api/index.js';
import { errorText, type RunInput } from '../../command.js';
import type { FlagValue } from '../../flags/flag-set.js';
import { loadDataSource } from '../../load-data.js';

/**
 * What `catalog nodes` and `catalog services` do before querying, in Consul's order: refuse arguments, build the
 * client, then read `-filter` (which may be `@file` or `-` for stdin).
 *
 * @returns the client and filter text, or `undefined` once the reason is printed (the command exits 1).
 */
export async function prepareCatalogList({
  flags,
  args,
  ui,
  ctx,
  client,
}: RunInput<{ readonly filter: FlagValue<string> }>): Promise<
  { api: ApiClient; filter: string } | undefined
> {
  if (args.length > 0) {
    ui.error(`Too many arguments (expected 0, got ${args.length})`);
    return undefined;
  }
  const api = await client();
  if (api === undefined) return undefined;
  try {
    return { api, filter: await loadDataSource(flags.filter.value, ctx) };
  } catch (err) {
    ui.error(`Could not process filter argument: ${errorText(err)}`);
    return undefined;
  }
}
