/**
 * Blocking-query wake latency: a client holds `GET /v1/health/service/web?index=N&wait=60s`, another client
 * re-registers one `web` instance with changed metadata; measured from just before the PUT is sent to the blocking
 * response arriving, 300 iterations (after 20 warm-up iterations), `web` having 100 instances. Baseline in the same
 * run: the same PUT's round-trip (ack) latency with no query waiting, so wake/write shows the cost of the wake beyond
 * the write itself. Both a durable agent (`-data-dir`, fsync) and an in-memory `-dev` agent are measured.
 *
 *   node --import tsx bench/blocking-wake.ts
 */
import type { Agent } from 'node:http';
import { startBenchAgent, stopBenchAgent } from './lib/agent.js';
import { runBench } from './lib/cleanup.js';
import { consulIndex, httpOk, httpRequest, keepAliveAgent } from './lib/http-client.js';
import { registrationBody } from './lib/payload.js';
import {
  fmt,
  fmtMs,
  percentile,
  printHeader,
  printReproduce,
  printTable,
  ratio,
  sleep,
} from './lib/stats.js';

const COMMAND = 'node --import tsx bench/blocking-wake.ts';
const INSTANCES = 100;
const ITERATIONS = 300;
const WARMUP_ITERATIONS = 20;
/** Time given to the blocking request to reach the server and park before the write is sent. */
const PARK_MS = 20;
/** A wake slower than this counts as missed (the query would otherwise hold for 60 s). */
const WAKE_TIMEOUT_MS = 5_000;
const MAX_MISSED = 5;

interface ModeResult {
  name: string;
  wake: number[];
  /** PUT ack latency while a query was waiting (same iterations as `wake`). */
  ackDuringWake: number[];
  /** PUT ack latency with nothing waiting: the baseline. */
  write: number[];
  missed: number;
}

async function write(http: Agent, base: string, rev: number): Promise<void> {
  await httpOk(
    http,
    'PUT',
    `${base}/v1/catalog/register`,
    registrationBody('web', 0, INSTANCES, { rev: `${rev}` }),
  );
}

async function runMode(dev: boolean): Promise<ModeResult> {
  const agent = await startBenchAgent({ dev });
  const writer = keepAliveAgent(16);
  const reader = keepAliveAgent(1);
  try {
    const base = agent.httpAddr;
    await Promise.all(
      Array.from({ length: INSTANCES }, (_, i) =>
        httpOk(writer, 'PUT', `${base}/v1/catalog/register`, registrationBody('web', i, INSTANCES)),
      ),
    );
    let rev = 0;

    // Baseline: PUT round-trips, nobody waiting.
    const writeLat: number[] = [];
    for (let i = 0; i < WARMUP_ITERATIONS + ITERATIONS; i++) {
      const t0 = performance.now();
      await write(writer, base, ++rev);
      if (i >= WARMUP_ITERATIONS) writeLat.push(performance.now() - t0);
    }

    // Wake: hold a blocking query, then write.
    const wake: number[] = [];
    const ackDuringWake: number[] = [];
    let missed = 0;
    let index = consulIndex(await httpOk(reader, 'GET', `${base}/v1/health/service/web`));
    for (let i = 0; i < WARMUP_ITERATIONS + ITERATIONS; i++) {
      const abort = new AbortController();
      let woke = 0;
      const blocking = httpRequest(
        reader,
        'GET',
        `${base}/v1/health/service/web?index=${index}&wait=60s`,
        undefined,
        abort.signal,
      ).then((res) => {
        woke = performance.now();
        return res;
      });
      await sleep(PARK_MS);
      const t0 = performance.now();
      await write(writer, base, ++rev);
      const acked = performance.now();
      const timer = setTimeout(() => abort.abort(), WAKE_TIMEOUT_MS);
      try {
        const res = await blocking;
        if (res.status !== 200) throw new Error(`blocking query -> ${res.status}`);
        const next = consulIndex(res);
        if (next <= index) throw new Error(`blocking query returned index ${next}, not after ${index}`);
        index = next;
        if (i >= WARMUP_ITERATIONS) {
          wake.push(woke - t0);
          ackDuringWake.push(acked - t0);
        }
      } catch (err) {
        if (!abort.signal.aborted) throw err;
        missed++;
        if (missed > MAX_MISSED)
          throw new Error(`more than ${MAX_MISSED} blocking queries not woken within 5 s`);
        index = consulIndex(await httpOk(writer, 'GET', `${base}/v1/health/service/web`));
      } finally {
        clearTimeout(timer);
      }
    }
    return {
      name: dev ? 'in-memory (-dev)' : 'durable (-data-dir, fsync)',
      wake,
      ackDuringWake,
      write: writeLat,
      missed,
    };
  } finally {
    writer.destroy();
    reader.destroy();
    await stopBenchAgent(agent);
  }
}

await runBench('blocking-wake', async () => {
  printHeader(
    'blocking-wake',
    `write → blocking /v1/health/service/web response, ${ITERATIONS} iterations, ${INSTANCES} instances of web`,
  );
  const results = [await runMode(false), await runMode(true)];
  printTable(
    'wake = from just before the PUT is sent to the blocking response arriving; write = PUT ack, nobody waiting',
    [
      'agent',
      'wake p50',
      'wake p99',
      'wake max',
      'write p50',
      'write p99',
      'wake/write p50',
      'wake/write p99',
    ],
    results.map((r) => [
      r.name,
      fmtMs(percentile(r.wake, 50)),
      fmtMs(percentile(r.wake, 99)),
      fmtMs(Math.max(...r.wake)),
      fmtMs(percentile(r.write, 50)),
      fmtMs(percentile(r.write, 99)),
      ratio(percentile(r.wake, 50), percentile(r.write, 50)),
      ratio(percentile(r.wake, 99), percentile(r.write, 99)),
    ]),
  );
  for (const r of results) {
    console.log(
      `${r.name}: PUT ack while a query waits p50 ${fmtMs(percentile(r.ackDuringWake, 50))}, ` +
        `p99 ${fmtMs(percentile(r.ackDuringWake, 99))}; wake beyond its own ack p50 ` +
        `${fmtMs(
          percentile(
            r.wake.map((w, i) => w - r.ackDuringWake[i]!),
            50,
          ),
        )}; missed wakes ${fmt(r.missed)}`,
    );
  }
  printReproduce(COMMAND);
});
