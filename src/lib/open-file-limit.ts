/**
 * The process's open-file limit (RLIMIT_NOFILE), read from `/proc/self/limits` on Linux. Node has no API for it;
 * elsewhere, or when the file cannot be read, the answer is `undefined`.
 *
 * Why it matters: at the limit libuv accepts and closes new connections on its own (its "EMFILE trick") without
 * telling Node, so a server that wants to log refused connections must stop accepting below the limit itself.
 *
 * @module
 */
import { readFileSync } from 'node:fs';

/** The soft open-file limit of this process, or `undefined` when unknown or unlimited. */
export function openFileLimit(limitsFile = '/proc/self/limits'): number | undefined {
  let text: string;
  try {
    text = readFileSync(limitsFile, 'utf8');
  } catch {
    return undefined;
  }
  return parseOpenFileLimit(text);
}

/** The soft "Max open files" value of a `/proc/<pid>/limits` text. */
export function parseOpenFileLimit(text: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith('Max open files'));
  const soft = line?.slice('Max open files'.length).trim().split(/\s+/)[0];
  if (soft === undefined || !/^\d+$/.test(soft)) return undefined;
  const n = Number(soft);
  return Number.isSafeInteger(n) ? n : undefined;
}
