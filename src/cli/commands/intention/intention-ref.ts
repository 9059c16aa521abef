import type { Ui } from '../../ui.js';

/** What `get`/`delete` were asked for: a legacy intention ID, or an exact source/destination pair. */
export type IntentionRef =
  { readonly id: string } | { readonly source: string; readonly destination: string };

/**
 * The arguments of `get` and `delete` (Consul `intention.GetFromArgs`): `ID` (an intention written through the
 * legacy `POST /v1/connect/intentions`) or `SRC DST`. On a bad count the error is shown and `undefined`
 * returned (the command then exits with `EXIT_ERROR`).
 */
export function intentionRef(args: readonly string[], ui: Ui): IntentionRef | undefined {
  if (args.length === 1) return { id: args[0] ?? '' };
  if (args.length !== 2) {
    ui.error('command requires exactly 1 or 2 arguments');
    return undefined;
  }
  return { source: args[0] ?? '', destination: args[1] ?? '' };
}
