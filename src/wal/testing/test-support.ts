/**
 * Helpers for the command-log tests: temp directories and a capturing logger.
 *
 * @module
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';

import type { WalLogger } from '../wal-logger.js';

/** Cleanups that must run before a test's temp directories are removed, per test. */
const beforeRemoval = new WeakMap<TestContext, (() => Promise<unknown>)[]>();

/**
 * A fresh directory under the OS temp dir, removed when the test ends, after everything registered with
 * {@link closeAfter} is closed (a log writing a background snapshot would otherwise race the removal).
 */
export async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'entente-wal-'));
  if (!beforeRemoval.has(t)) beforeRemoval.set(t, []);
  t.after(async () => {
    for (const cleanup of (beforeRemoval.get(t) ?? []).splice(0).reverse())
      await cleanup().catch(() => undefined);
    await rm(dir, { recursive: true, force: true, maxRetries: 5 });
  });
  return dir;
}

/** Closes `log` when the test ends, before its temp directories are removed. */
export function closeAfter(t: TestContext, log: { close(): Promise<void> }): void {
  const list = beforeRemoval.get(t);
  if (list) list.push(() => log.close());
  else t.after(() => log.close());
}

/** One captured log call. */
export interface LogRecord {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly obj: Record<string, unknown>;
  readonly msg: string;
}

/** A {@link WalLogger} that keeps what it is told. */
export class CapturingLogger implements WalLogger {
  readonly records: LogRecord[] = [];

  debug(obj: object, msg: string): void {
    this.records.push({ level: 'debug', obj: { ...obj }, msg });
  }
  info(obj: object, msg: string): void {
    this.records.push({ level: 'info', obj: { ...obj }, msg });
  }
  warn(obj: object, msg: string): void {
    this.records.push({ level: 'warn', obj: { ...obj }, msg });
  }
  error(obj: object, msg: string): void {
    this.records.push({ level: 'error', obj: { ...obj }, msg });
  }

  /** The records at `level`. */
  at(level: LogRecord['level']): LogRecord[] {
    return this.records.filter((r) => r.level === level);
  }
}

/** Resolves when `predicate` holds, polling every `intervalMs`; rejects after `timeoutMs`. */
export async function waitFor(
  predicate: () => boolean,
  what: string,
  timeoutMs = 20_000,
  intervalMs = 10,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
