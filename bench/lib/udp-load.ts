/**
 * DNS load generator for dns.ts, run as a child process so that its CPU is not the server's:
 *
 *   node --import tsx bench/lib/udp-load.ts <host> <port> <qname> <inFlight> <warmupMs> <durationMs> <answers>
 *
 * Keeps `inFlight` A queries (with EDNS0, see dns-query.ts) for `qname` outstanding on one UDP socket (each answer sends the next query), checks
 * every answer (ID of a query in flight, QR set, RCODE 0, ANCOUNT = `answers`), and records the latency of the
 * answers that arrive in the measured window. A query unanswered after 1 s counts as lost and is replaced. Prints
 * `window-start` and `window-end` lines as the measured window opens and closes (so the parent can sample the
 * server's CPU over the same window), then one JSON line with the result, and exits.
 */
import { createSocket } from 'node:dgram';
import { dnsQuery } from './dns-query.js';

const [host, portArg, qname, inFlightArg, warmupArg, durationArg, answersArg] = process.argv.slice(2);
if (host === undefined || answersArg === undefined) {
  throw new Error('usage: udp-load.ts <host> <port> <qname> <inFlight> <warmupMs> <durationMs> <answers>');
}
const port = Number(portArg);
const inFlight = Number(inFlightArg);
const warmupMs = Number(warmupArg);
const durationMs = Number(durationArg);
const answers = Number(answersArg);
const LOST_AFTER_MS = 1_000;

export interface UdpLoadResult {
  inFlight: number;
  /** Answers in the measured window. */
  answered: number;
  qps: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
  lost: number;
  /** Answers that failed the check (wrong ID, RCODE, ANCOUNT). */
  bad: number;
  /** The load generator's own CPU over the window, % of one core. */
  cpu: number;
}

const template = dnsQuery(qname!);
/** Send time of the query with each ID; NaN when none is in flight. */
const sentAt = new Float64Array(65_536).fill(Number.NaN);
const outstanding = new Set<number>();
let nextId = 0;
let measuring = false;
let stopping = false;
let lost = 0;
let bad = 0;
let answered = 0;
let latencies = new Float64Array(1 << 20);

const socket = createSocket('udp4');

function send(): void {
  if (stopping) return;
  // Skip IDs still in flight (only possible after a wrap with lost queries outstanding).
  do nextId = (nextId + 1) & 0xffff;
  while (outstanding.has(nextId));
  const id = nextId;
  const buf = Buffer.from(template);
  buf.writeUInt16BE(id, 0);
  sentAt[id] = performance.now();
  outstanding.add(id);
  socket.send(buf);
}

socket.on('message', (msg) => {
  const now = performance.now();
  if (msg.length < 12) {
    bad++;
    return;
  }
  const id = msg.readUInt16BE(0);
  const t = sentAt[id]!;
  if (Number.isNaN(t)) {
    bad++;
    return;
  }
  sentAt[id] = Number.NaN;
  outstanding.delete(id);
  const ok = (msg[2]! & 0x80) !== 0 && (msg[3]! & 0x0f) === 0 && msg.readUInt16BE(6) === answers;
  if (!ok) bad++;
  else if (measuring) {
    if (answered === latencies.length) {
      const bigger = new Float64Array(latencies.length * 2);
      bigger.set(latencies);
      latencies = bigger;
    }
    latencies[answered++] = now - t;
  }
  send();
});

socket.on('error', (err) => {
  process.stderr.write(`udp-load: ${err.message}\n`);
  process.exit(1);
});

const sweeper = setInterval(() => {
  const now = performance.now();
  for (const id of outstanding) {
    if (now - sentAt[id]! > LOST_AFTER_MS) {
      sentAt[id] = Number.NaN;
      outstanding.delete(id);
      lost++;
      send();
    }
  }
}, 50);

function pct(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

socket.connect(port, host, () => {
  for (let i = 0; i < inFlight; i++) send();
  setTimeout(() => {
    measuring = true;
    lost = 0;
    bad = 0;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    process.stdout.write('window-start\n');
    setTimeout(() => {
      measuring = false;
      stopping = true;
      const elapsed = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      process.stdout.write('window-end\n');
      clearInterval(sweeper);
      const sorted = latencies.slice(0, answered).sort();
      const result: UdpLoadResult = {
        inFlight,
        answered,
        qps: (answered * 1000) / elapsed,
        p50: pct(sorted, 50),
        p99: pct(sorted, 99),
        p999: pct(sorted, 99.9),
        max: sorted.length > 0 ? sorted[sorted.length - 1]! : Number.NaN,
        lost,
        bad,
        cpu: ((cpu.user + cpu.system) / 1000 / elapsed) * 100,
      };
      process.stdout.write(`${JSON.stringify(result)}\n`);
      socket.close();
    }, durationMs);
  }, warmupMs);
});
