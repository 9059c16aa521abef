/**
 * Heap per registered service instance with one check: applies 100,000 `register` commands directly to a
 * `StateStore` (no HTTP, no log) and compares heapUsed after a full GC before and after. Three layouts of the same
 * 100,000 instances: one per node (each also brings a node), 10 per node and 100 per node. Baseline: the JSON byte
 * size of one registration (the HTTP request body, and the command as the log stores it).
 *
 *   node --expose-gc --import tsx bench/memory.ts
 */
import { StateStore, type Command } from '../src/state/index.js';
import { runBench } from './lib/cleanup.js';
import { registerCommand, registration, registrationBody } from './lib/payload.js';
import { fmt, fmtBytes, printHeader, printReproduce, printTable, ratio } from './lib/stats.js';

const COMMAND = 'node --expose-gc --import tsx bench/memory.ts';
const INSTANCES = 100_000;
const LAYOUTS = [INSTANCES, 10_000, 1_000] as const;

/** The command for instance `i` (see lib/payload.ts). */
function registerCommandFor(i: number, nodes: number): Command {
  return registerCommand(registration('web', i, nodes), 'dc1');
}

function heapAfterGc(gc: () => void): number {
  for (let i = 0; i < 4; i++) gc();
  return process.memoryUsage().heapUsed;
}

interface Row {
  nodes: number;
  bytesPerInstance: number;
  applyMs: number;
}

function measure(gc: () => void, nodes: number): Row {
  const before = heapAfterGc(gc);
  const store = new StateStore();
  const t0 = performance.now();
  for (let i = 0; i < INSTANCES; i++) {
    // Build each command just before applying it, as the log replay does: only what the store keeps survives.
    const result = store.apply(i + 1, registerCommandFor(i, nodes));
    if (!result.ok) throw new Error(`register ${i} failed: ${result.error}`);
  }
  const applyMs = performance.now() - t0;
  const after = heapAfterGc(gc);
  if (store.lastIndex !== INSTANCES) throw new Error('store did not apply every command');
  return { nodes, bytesPerInstance: (after - before) / INSTANCES, applyMs };
}

await runBench('memory', async () => {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error(`global gc() missing: run with --expose-gc, i.e. ${COMMAND}`);
  printHeader('memory', `heap per registered instance (one check), ${fmt(INSTANCES)} register commands`);
  const bodyBytes = Buffer.byteLength(registrationBody('web', 12_345, INSTANCES));
  const commandBytes = Buffer.byteLength(JSON.stringify(registerCommandFor(12_345, INSTANCES)));
  const rows = LAYOUTS.map((nodes) => measure(gc, nodes));
  printTable(
    `heapUsed delta after full GC / instances; baseline: registration JSON ${bodyBytes} B (HTTP body), ${commandBytes} B (log command)`,
    ['layout', 'heap/instance', 'ratio to HTTP body', 'ratio to command', 'apply 100k'],
    rows.map((r) => [
      `${fmt(INSTANCES / r.nodes)} per node (${fmt(r.nodes)} nodes)`,
      fmtBytes(r.bytesPerInstance),
      ratio(r.bytesPerInstance, bodyBytes),
      ratio(r.bytesPerInstance, commandBytes),
      `${fmt(r.applyMs)} ms`,
    ]),
  );
  console.log(`\nheap per instance, 1 per node (worst case): ${fmt(rows[0]!.bytesPerInstance)} B`);
  printReproduce(COMMAND);
});
