/**
 * The write-time service-graph check every config-entry write path runs before committing (`PUT /v1/config`,
 * `DELETE /v1/config/…`, the intention writes): see discovery-chain/validate-graph.ts. A refusal is Consul's
 * plain RPC error: HTTP 500 with the bare text, and nothing is written.
 *
 * NOTE: Consul runs this inside the state-store transaction; here it runs against the state at the time of the
 * request, just before the command is committed, so two concurrent writes that are each valid alone could
 * together form an invalid graph. A later read (`/v1/discovery-chain`) still reports such a chain's error.
 */
import type { ConfigEntry } from '../../config-entry/index.js';
import { validateProposedConfigEntry, type GraphStore } from '../../discovery-chain/index.js';
import { AppError } from '../../errors/index.js';
import type { HttpDeps } from '../deps.js';

function graphStore(deps: HttpDeps): GraphStore {
  return {
    entry: (kind, name) =>
      deps.store.configEntry(undefined, kind, name).value?.entry as ConfigEntry | undefined,
    entries: (kind) =>
      deps.store.configEntries(undefined, kind).value.map((r) => r.entry as unknown as ConfigEntry),
  };
}

/** Refuses a write (`entry`) or delete (`entry` null) of `kind`/`name` that would break the service graph. */
export function assertGraphValid(
  deps: HttpDeps,
  kind: string,
  name: string,
  entry: ConfigEntry | null,
): void {
  const msg = validateProposedConfigEntry(graphStore(deps), { kind, name, entry });
  if (msg !== undefined) throw new AppError('ENT_ERR_BAD_REQUEST', msg, { http: 500 });
}
