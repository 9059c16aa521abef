/**
 * Heap held by one stream's import shadow (what the importer has written, used to write only changed instances),
 * in process: 1,000 services × 10 instances from one peer, each instance shaped as a peer replicates it (node, tags,
 * meta, one check).
 *
 * Baseline in the same run: the shadow as it was before, a JSON copy of every instance (same maps, same keys).
 * Measured: `ImportShadow`, which keeps a 128-bit digest per instance. Printed: retained heap per instance and the
 * ratio. Run with --expose-gc (each figure is taken after full collections).
 *
 *   node --expose-gc --import tsx bench/import-shadow-heap.ts
 */
import type { ImportedInstance } from '../src/state/index.js';
import { ImportShadow } from '../src/peering/import-shadow.js';
import { fmt, fmtBytes, printHeader, printReproduce, printTable, ratio } from './lib/stats.js';

const COMMAND = 'node --expose-gc --import tsx bench/import-shadow-heap.ts';
const SERVICES = 1_000;
const PER_SERVICE = 10;
const INSTANCES = SERVICES * PER_SERVICE;

const serviceName = (s: number): string => `svc-${String(s).padStart(4, '0')}`;

function instance(s: number, i: number): ImportedInstance {
  const name = serviceName(s);
  const id = `${name}-${String(i)}`;
  const node = `node-${String((s * PER_SERVICE + i) % 1000)}`;
  return {
    Node: {
      ID: '',
      Node: node,
      Address: `10.0.${String(s % 250)}.${String(i)}`,
      Datacenter: 'dc2',
      TaggedAddresses: { lan: '10.0.0.1', wan: '192.0.2.1' },
      Meta: { rack: `r${String(s % 16)}` },
      PeerName: 'dc2',
    },
    Service: {
      Kind: '',
      ID: id,
      Service: name,
      Tags: ['v1', 'primary'],
      Address: '',
      Meta: { version: '1.2.3' },
      Port: 8080,
      Weights: { Passing: 1, Warning: 1 },
      EnableTagOverride: false,
      PeerName: 'dc2',
    },
    Checks: [
      {
        Node: node,
        CheckID: `service:${id}`,
        Name: `Service '${name}' check`,
        Status: 'passing',
        Notes: '',
        Output: 'HTTP GET http://10.0.0.1:8080/health: 200 OK Output: ok',
        ServiceID: id,
        ServiceName: name,
        ServiceTags: ['v1', 'primary'],
        Type: 'http',
        PeerName: 'dc2',
      },
    ],
  } as unknown as ImportedInstance;
}

/** The previous shadow's structure: service → instance key → JSON of the instance. */
function jsonShadow(services: readonly ImportedInstance[][]): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>();
  for (const list of services) {
    const m = new Map<string, string>();
    for (const inst of list) m.set(`${inst.Node.Node}\u0001${inst.Service.ID}`, JSON.stringify(inst));
    out.set((list[0]?.Service.Service ?? '').toLowerCase(), m);
  }
  return out;
}

function digestShadow(services: readonly ImportedInstance[][]): ImportShadow {
  const shadow = new ImportShadow();
  for (const list of services) shadow.diff(list[0]?.Service.Service ?? '', list);
  return shadow;
}

function heapNow(gc: () => void): number {
  for (let i = 0; i < 4; i++) gc();
  return process.memoryUsage().heapUsed;
}

/** Heap retained by what `build` returns, measured with the inputs already allocated. */
function retained<T>(gc: () => void, build: () => T): { bytes: number; keep: T } {
  const before = heapNow(gc);
  const keep = build();
  return { bytes: heapNow(gc) - before, keep };
}

function main(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error(`run with --expose-gc: ${COMMAND}`);
  printHeader('import-shadow-heap', `import shadow heap, ${fmt(INSTANCES)} instances of one peer`);
  const services = Array.from({ length: SERVICES }, (_, s) =>
    Array.from({ length: PER_SERVICE }, (_, i) => instance(s, i)),
  );
  const jsonBytes = JSON.stringify(services[0]?.[0]).length;
  const base = retained(gc, () => jsonShadow(services));
  const next = retained(gc, () => digestShadow(services));
  printTable(
    `retained heap (${fmt(SERVICES)} services × ${fmt(PER_SERVICE)} instances, ${fmt(jsonBytes)} JSON bytes each)`,
    ['shadow', 'heap', 'per instance'],
    [
      ['JSON copies (baseline)', fmtBytes(base.bytes), fmtBytes(base.bytes / INSTANCES)],
      ['128-bit digests', fmtBytes(next.bytes), fmtBytes(next.bytes / INSTANCES)],
    ],
  );
  console.log(`\ndigests / JSON copies: ${ratio(next.bytes, base.bytes)}`);
  // Keep both alive until both are measured.
  if (base.keep.size !== SERVICES || next.keep.size !== SERVICES) throw new Error('shadow incomplete');
  printReproduce(COMMAND);
}

main();
