import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Every child process and temp dir a benchmark creates is registered here, so that it is killed / removed on normal
// completion (the `finally` of runBench), on an error, and on SIGINT/SIGTERM/exit of the benchmark itself.

/** Each child with the signal that ends it (SIGKILL for servers; SIGTERM for a child that cleans up its own). */
const children = new Map<ChildProcess, NodeJS.Signals>();
const dirs = new Set<string>();
let installed = false;

function killAllSync(): void {
  for (const [child, signal] of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  }
  children.clear();
  for (const dir of dirs) removeQuietly(dir);
  dirs.clear();
}

function removeQuietly(dir: string): void {
  try {
    rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  } catch (err) {
    console.error(`could not remove ${dir}: ${String(err)}`);
  }
}

function install(): void {
  if (installed) return;
  installed = true;
  process.once('exit', killAllSync);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      killAllSync();
      // Re-raise so the default action ends the process once our handlers are gone.
      process.kill(process.pid, signal);
    });
  }
}

/**
 * Registers a child so it is ended with `signal` (default SIGKILL) when the benchmark ends, if still running. Use
 * SIGTERM for a child that must clean up its own children (a benchmark run by run-all.ts).
 */
export function track<T extends ChildProcess>(child: T, signal: NodeJS.Signals = 'SIGKILL'): T {
  install();
  children.set(child, signal);
  child.once('exit', () => children.delete(child));
  return child;
}

/** A fresh temp dir (under the OS temp dir, i.e. the same disk for every server), removed at the end. */
export function tempDir(prefix: string): string {
  install();
  const dir = mkdtempSync(join(tmpdir(), `entente-bench-${prefix}-`));
  dirs.add(dir);
  return dir;
}

/** Waits for a child to exit; SIGKILLs it after `graceMs` (default 10 s). Resolves with the exit code or signal. */
export async function waitExit(child: ChildProcess, graceMs = 10_000): Promise<number | string | null> {
  if (child.exitCode !== null) return child.exitCode;
  if (child.signalCode !== null) return child.signalCode;
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(code ?? signal);
    });
  });
}

/** Sends `signal` (default SIGTERM) and waits for the exit. */
export async function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill(signal);
  await waitExit(child);
}

/**
 * Runs a benchmark's body; whatever happens, kills the children and removes the temp dirs it registered. An error
 * is printed and gives exit code 1 (no stack dump of internals beyond the message and cause).
 */
export async function runBench(name: string, body: () => Promise<void>): Promise<void> {
  install();
  try {
    await body();
  } catch (err) {
    console.error(`\n${name}: FAILED: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exitCode = 1;
  } finally {
    const pending = [...children];
    for (const [child, signal] of pending) child.kill(signal);
    await Promise.all(pending.map(([c]) => waitExit(c, 5_000)));
    killAllSync();
  }
}
