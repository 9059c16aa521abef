/**
 * Runs every benchmark in sequence, each in its own process (so one's servers, heap and GC do not disturb the next),
 * and prints a one-line summary per benchmark. A failing benchmark does not stop the others; the exit code is 1 if
 * any failed.
 *
 *   node --import tsx bench/run-all.ts [name ...]     e.g. `... bench/run-all.ts writes memory`
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runBench, track, waitExit } from './lib/cleanup.js';
import { fmtMs, printTable } from './lib/stats.js';

interface Bench {
  name: string;
  nodeFlags: string[];
}

const BENCHES: readonly Bench[] = [
  { name: 'writes', nodeFlags: [] },
  { name: 'health-query', nodeFlags: [] },
  { name: 'blocking-wake', nodeFlags: [] },
  { name: 'startup', nodeFlags: [] },
  { name: 'memory', nodeFlags: ['--expose-gc'] },
  { name: 'peering-latency', nodeFlags: [] },
  { name: 'peering-sync', nodeFlags: ['--expose-gc'] },
  { name: 'dns', nodeFlags: [] },
  { name: 'heal', nodeFlags: [] },
  { name: 'authorize', nodeFlags: [] },
  { name: 'leaf', nodeFlags: [] },
  { name: 'stalled-peer', nodeFlags: ['--expose-gc'] },
  { name: 'peer-fanout', nodeFlags: [] },
];
/** Each benchmark bounds itself; this is a safety net (startup.ts may load for up to 5 min). */
const MAX_MS_PER_BENCH = 15 * 60_000;
const ROOT = fileURLToPath(new URL('..', import.meta.url));

await runBench('run-all', async () => {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((w) => !BENCHES.some((b) => b.name === w));
  if (unknown.length > 0) throw new Error(`unknown benchmark(s): ${unknown.join(', ')}`);
  const selected = wanted.length === 0 ? BENCHES : BENCHES.filter((b) => wanted.includes(b.name));
  const summary: string[][] = [];
  for (const b of selected) {
    const args = [...b.nodeFlags, '--import', 'tsx', `bench/${b.name}.ts`];
    console.log(`\n### node ${args.join(' ')}\n`);
    const t0 = performance.now();
    // SIGTERM (not SIGKILL) so that the benchmark kills its own servers before it dies.
    const child = track(spawn(process.execPath, args, { cwd: ROOT, stdio: 'inherit' }), 'SIGTERM');
    const timer = setTimeout(() => child.kill('SIGTERM'), MAX_MS_PER_BENCH);
    const code = await waitExit(child, MAX_MS_PER_BENCH + 10_000);
    clearTimeout(timer);
    summary.push([b.name, code === 0 ? 'ok' : `FAILED (${String(code)})`, fmtMs(performance.now() - t0)]);
    if (code !== 0) process.exitCode = 1;
  }
  printTable('run-all summary', ['benchmark', 'result', 'wall time'], summary);
});
