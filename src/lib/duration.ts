import { parseGoDuration } from './go/duration.js';

/**
 * Parses a Go duration string (`300ms`, `1.5h`, `2h45m`, `-1s`, `0`) into milliseconds, as Go's
 * `time.ParseDuration` does. Returns `undefined` for anything Go would reject.
 */
export function parseDuration(text: string): number | undefined {
  try {
    return parseGoDuration(text) / 1e6;
  } catch {
    return undefined;
  }
}
