import { readFileSync } from 'node:fs';

/** Linux USER_HZ: /proc/<pid>/stat counts CPU time in these ticks (100 on every mainstream kernel config). */
const TICKS_PER_SEC = 100;

/** CPU time (user + system) consumed so far by a process, ms; NaN if it cannot be read (not Linux, exited). */
export function processCpuMs(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  if (pid === process.pid) {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name (which may contain spaces): state is field 3, utime 14, stime 15.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(rest[11]) + Number(rest[12])) * 1000) / TICKS_PER_SEC;
  } catch {
    return Number.NaN;
  }
}

/** Measures the CPU share (100 % = one core) of some processes between `start()` and `stop()`. */
export class CpuMeter {
  readonly #pids: readonly (number | undefined)[];
  #startCpu: number[] = [];
  #startWall = 0;
  #result: number[] = [];

  constructor(pids: readonly (number | undefined)[]) {
    this.#pids = pids;
  }

  start(): void {
    this.#startWall = performance.now();
    this.#startCpu = this.#pids.map(processCpuMs);
  }

  stop(): void {
    const wall = performance.now() - this.#startWall;
    this.#result = this.#pids.map((pid, i) => ((processCpuMs(pid) - this.#startCpu[i]!) / wall) * 100);
  }

  /** CPU % of the i-th process over the window (NaN if unknown). */
  value(i: number): number {
    return this.#result[i] ?? Number.NaN;
  }

  /** CPU % of the i-th process over the window ("n/a" if unknown). */
  percent(i: number): string {
    const v = this.#result[i];
    return v === undefined || !Number.isFinite(v) ? 'n/a' : `${Math.round(v)}%`;
  }
}
