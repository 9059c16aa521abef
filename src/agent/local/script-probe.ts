import { spawn } from 'node:child_process';

import { formatGoDuration } from '../../lib/go/duration.js';
import type { ProbeResult } from './interval-runner.js';
import { DEFAULT_CHECK_OUTPUT_MAX_BYTES, TailBuffer } from './output.js';

/** Consul's script-check timeout when `Timeout` is unset. */
export const DEFAULT_SCRIPT_TIMEOUT_MS = 30_000;

export interface ScriptProbeSpec {
  /** The command and its arguments (`Args`); run directly, no shell. */
  args: readonly string[];
  /** ms; 0 → {@link DEFAULT_SCRIPT_TIMEOUT_MS}. */
  timeoutMs: number;
  /** Bytes of output kept (the tail); default 4 KiB as Consul. */
  maxOutputBytes?: number;
}

/**
 * One script check (Consul's `CheckMonitor.check`): run `args` with stdout and stderr captured together into a
 * bounded buffer that keeps the last `maxOutputBytes` (a larger output reads `Captured <n> of <total> bytes\n...\n`
 * then its tail). Exit 0 is passing, 1 warning, anything else critical. Past the timeout the whole process group is
 * killed and the check is critical with `Timed out (<timeout>) running check`, then the output. The next run starts
 * only after the process has exited (the runner awaits this promise). Rejects only when `signal` aborts.
 */
export function probeScript(spec: ScriptProbeSpec, signal: AbortSignal): Promise<ProbeResult> {
  const max = spec.maxOutputBytes ?? DEFAULT_CHECK_OUTPUT_MAX_BYTES;
  const timeoutMs = spec.timeoutMs > 0 ? spec.timeoutMs : DEFAULT_SCRIPT_TIMEOUT_MS;
  const [cmd, ...rest] = spec.args;
  if (cmd === undefined || cmd === '') {
    return Promise.resolve({ status: 'critical', output: 'exec: no command' });
  }
  return new Promise<ProbeResult>((resolve, reject) => {
    const out = new TailBuffer(max);
    let total = 0;
    let timedOut = false;
    let aborted = false;
    // detached: the child leads its own process group, so a timeout kills everything it started.
    const child = spawn(cmd, rest, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const collect = (chunk: Buffer): void => {
      total += chunk.length;
      out.write(chunk);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const killGroup = (): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, timeoutMs);
    timer.unref();
    const onAbort = (): void => {
      aborted = true;
      killGroup();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    const output = (): string => {
      const text = out.toString();
      return total > max ? `Captured ${max} of ${total} bytes\n...\n${text}` : text;
    };
    const done = (fn: () => void): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      fn();
    };
    child.once('error', (err: NodeJS.ErrnoException) => {
      done(() => {
        if (aborted) reject(signal.reason as Error);
        else resolve({ status: 'critical', output: spawnErrorText(err, cmd) });
      });
    });
    child.once('close', (code) => {
      done(() => {
        if (aborted) {
          reject(signal.reason as Error);
          return;
        }
        if (timedOut) {
          const text = output();
          const msg = `Timed out (${formatGoDuration(timeoutMs * 1e6)}) running check`;
          resolve({ status: 'critical', output: text === '' ? msg : `${msg}\n\n${text}` });
          return;
        }
        resolve({ status: code === 0 ? 'passing' : code === 1 ? 'warning' : 'critical', output: output() });
      });
    });
  });
}

/** Go's `exec` wording for a command that cannot start. */
function spawnErrorText(err: NodeJS.ErrnoException, cmd: string): string {
  if (err.code === 'ENOENT') {
    return cmd.includes('/')
      ? `fork/exec ${cmd}: no such file or directory`
      : `exec: "${cmd}": executable file not found in $PATH`;
  }
  if (err.code === 'EACCES') return `fork/exec ${cmd}: permission denied`;
  return err.message;
}
