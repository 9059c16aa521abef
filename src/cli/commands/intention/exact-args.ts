import type { Ui } from '../../ui.js';

/**
 * The `SRC DST` arguments of an exact-match intention command (`get`, `delete`). A single argument is a legacy
 * intention ID, which Entente does not support. On a bad count the error is shown and `undefined` returned (the
 * command then exits with `EXIT_ERROR`).
 */
export function exactArgs(
  args: readonly string[],
  ui: Ui,
): readonly [source: string, destination: string] | undefined {
  if (args.length === 1) {
    ui.error('Intention IDs are not supported: intentions are config entries; use SRC DST');
    return undefined;
  }
  if (args.length !== 2) {
    ui.error('command requires exactly 1 or 2 arguments');
    return undefined;
  }
  return [args[0] ?? '', args[1] ?? ''];
}
