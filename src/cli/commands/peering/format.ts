import type { FlagSet, FlagValue } from '../../flags/flag-set.js';
import type { Ui } from '../../ui.js';

/** Output formats of the peering commands (Consul `command/peering`). */
export const PEERING_FORMATS = ['json', 'pretty'] as const;

/** Declares `-format` as Consul's peering commands do. */
export function formatFlag(fs: FlagSet): FlagValue<string> {
  return fs.string('format', 'pretty', 'Output format {json|pretty} (default: pretty)');
}

/** Declares the required `-name` flag. */
export function nameFlag(fs: FlagSet): FlagValue<string> {
  return fs.string('name', '', '(Required) The local name assigned to the peer cluster.');
}

/** Consul's checks of `-name` and `-format`; prints the error and returns false when invalid. */
export function checkNameAndFormat(ui: Ui, name: string | undefined, format: string | undefined): boolean {
  if (name !== undefined && name === '') {
    ui.error('Missing the required -name flag');
    return false;
  }
  if (format !== undefined && format !== 'json' && format !== 'pretty') {
    ui.error(`Invalid format, valid formats are {${PEERING_FORMATS.join('|')}}`);
    return false;
  }
  return true;
}

/** `k=v` pairs sorted by key, for stable output (Go prints map order at random). */
export function sortedPairs(meta: Readonly<Record<string, string>> | undefined): string[] {
  const m = meta ?? {};
  return Object.keys(m)
    .sort()
    .map((k) => `${k}=${m[k] ?? ''}`);
}
