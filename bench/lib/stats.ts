import { cpus, loadavg, release } from 'node:os';

/** Nearest-rank percentile (p in 0..100) of unsorted samples; NaN when empty. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export function median(samples: readonly number[]): number {
  return percentile(samples, 50);
}

/** Formats a number with `digits` decimals and thousands separators. */
export function fmt(n: number, digits = 0): string {
  if (!Number.isFinite(n)) return 'n/a';
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return 'n/a';
  return ms < 10 ? `${fmt(ms, 2)} ms` : ms < 1000 ? `${fmt(ms, 1)} ms` : `${fmt(ms / 1000, 2)} s`;
}

export function fmtBytes(n: number): string {
  if (!Number.isFinite(n)) return 'n/a';
  if (n < 10 * 1024) return `${fmt(n)} B`;
  if (n < 10 * 1024 * 1024) return `${fmt(n / 1024, 1)} KiB`;
  return `${fmt(n / 1024 / 1024, 1)} MiB`;
}

/** `a / b` as "0.73x"; n/a when b is 0 or not finite. */
export function ratio(a: number, b: number): string {
  if (!Number.isFinite(a) || !Number.isFinite(b) || b === 0) return 'n/a';
  return `${fmt(a / b, 2)}x`;
}

/** Prints a compact fixed-width table: first column left-aligned, the others right-aligned. */
export function printTable(
  title: string,
  header: readonly string[],
  rows: readonly (readonly string[])[],
): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  console.log(`\n${title}`);
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}

/** One line describing the machine, printed at the top of each benchmark. */
export function machineLine(): string {
  const c = cpus();
  return `node ${process.version}, ${c.length} CPU (${c[0]?.model.trim() ?? 'unknown'}), linux ${release()}`;
}

export function printHeader(name: string, what: string): void {
  console.log(`== ${name}: ${what}`);
  console.log(`   ${machineLine()}`);
  console.log(`   ${loadLine()} at the start`);
}

/** The 1/5/15-minute load averages: other work on the machine skews every figure, so each benchmark shows it. */
export function loadLine(): string {
  return `load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' / ')} (1/5/15 min) on ${cpus().length} CPUs`;
}

export function printReproduce(command: string): void {
  console.log(`\n${loadLine()} at the end`);
  console.log(`reproduce (from the repo root): ${command}`);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
