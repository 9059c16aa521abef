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
import { registration, registrationBody } from './lib/payload.js';
import { fmt, fmtBytes, printHeader, printReproduce, printTable, ratio } from './lib/stats.js';

const COMMAND = 'node --expose-gc --import tsx bench/memory.ts';
const INSTANCES = 100_000;
const LAYOUTS = [INSTANCES, 10_000, 1_000] as const;

/** The command `PUT /v1/catalog/register` turns the benchmark's registration into (see http/handlers/catalog.ts). */
function registerCommand(i: number, nodes: number): Command {
  const r = registration('web', i, nodes);
  return {
    Type: 'register',
    Node: { ID: '', Node: r.Node, Address: r.Address, Datacenter: 'dc1', TaggedAddresses: {}, Meta: {} },
    SkipNodeUpdate: false,
    Service: {
      Kind: '',
      ID: r.Service.ID,
      Service: r.Service.Service,
      Tags: [...r.Service.Tags],
      Address: '',
      Meta: { ...r.Service.Meta },
      Port: r.Service.Port,
      Weights: { Passing: 1, Warning: 1 },
      EnableTagOverride: false,
    },
    Checks: [
      {
        Node: r.Node,
        CheckID: r.Check.CheckID,
        Name: r.Check.Name,
        Status: r.Check.Status,
        Notes: '',
        Output: '',
        ServiceID: r.Check.ServiceID,
        ServiceName: '',
        ServiceTags: [],
        Type: '',
        Interval: '',
        Timeout: '',
        ExposedPort: 0,
        Definition: {},
      },
    ],
  };
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
    const result = store.apply(i + 1, registerCommand(i, nodes));
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
  const commandBytes = Buffer.byteLength(JSON.stringify(registerCommand(12_345, INSTANCES)));
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
