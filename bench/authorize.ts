/**
 * Authorize decision cost: `IntentionSet.decide` (the decision core of `/v1/agent/connect/authorize` and
 * `/v1/connect/intentions/check`) with 10,000 intentions: 1,000 destinations × 9 exact sources (3 of them from a
 * peer) + a `*` source each, and a `*` destination entry. Each of 1,000,000 decisions (after 100,000 warm-up) on rotating
 * (source, destination) pairs that hit every precedence level and the default is timed on its own. Baseline
 * in the same run: the same loop calling an empty function with the same arguments. A third row times the
 * endpoint's cached path (`AuthorizeCache.check`: three index reads and a map hit).
 *
 * Second part, over HTTP: a `-dev` agent holding the same 10,000 intentions (written through `PUT /v1/config`)
 * answers `POST /v1/agent/connect/authorize` for rotating local (URI, target) pairs from 16 keep-alive clients;
 * baseline in the same run: a bare `node:http` server (a child process) answering every request with the bytes of
 * one authorize answer. Both run throughout, measured in 3 alternating rounds of 3 s after a 1 s warm-up each.
 * Target: Entente ≥ 0.5× the bare server's requests/s.
 *
 *   node --import tsx bench/authorize.ts
 */
import { decodeConfigEntry, type ServiceIntentionsEntry } from '../src/config-entry/index.js';
import type { IntentionSet } from '../src/intentions/index.js';
import {
  authorize,
  IntentionView,
  parseServiceSpiffeId,
  type IntentionSource,
} from '../src/intentions/index.js';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { AuthorizeCache } from '../src/intentions/index.js';
import { startBenchAgent, stopBenchAgent, type BenchAgent } from './lib/agent.js';
import { runBench, stopChild, tempDir, track } from './lib/cleanup.js';
import { httpOk, httpRequest, keepAliveAgent } from './lib/http-client.js';
import { runClosedLoop, type LoadResult } from './lib/load.js';
import { fmt, fmtMs, percentile, printHeader, printReproduce, printTable, ratio } from './lib/stats.js';

const COMMAND = 'node --import tsx bench/authorize.ts';
const DESTINATIONS = 1_000;
const EXACT_SOURCES = 9;
const SAMPLES = 1_000_000;
const WARMUP = 100_000;

function buildRecords(): { entry: ServiceIntentionsEntry; CreateIndex: number; ModifyIndex: number }[] {
  const records = [];
  for (let d = 0; d < DESTINATIONS; d++) {
    const sources: Record<string, unknown>[] = [];
    for (let s = 0; s < EXACT_SOURCES; s++) {
      const src: Record<string, unknown> = {
        Name: `src-${(d + s) % 2_000}`,
        Action: s % 2 ? 'allow' : 'deny',
      };
      if (s % 3 === 0) src['Peer'] = 'east';
      sources.push(src);
    }
    sources.push({ Name: '*', Action: 'deny' });
    const entry = decodeConfigEntry({ Kind: 'service-intentions', Name: `dst-${d}`, Sources: sources });
    records.push({
      entry: entry as unknown as ServiceIntentionsEntry,
      CreateIndex: d + 1,
      ModifyIndex: d + 1,
    });
  }
  const star = decodeConfigEntry({
    Kind: 'service-intentions',
    Name: '*',
    Sources: [
      { Name: 'src-1', Action: 'deny' },
      { Name: '*', Action: 'allow' },
    ],
  });
  records.push({ entry: star as unknown as ServiceIntentionsEntry, CreateIndex: 9_999, ModifyIndex: 9_999 });
  return records;
}

/** Query pairs: exact hits (local and peer), wildcard-source hits, `*` destination hits and defaults. */
function buildQueries(): [IntentionSource, string][] {
  const out: [IntentionSource, string][] = [];
  for (let i = 0; i < 4_096; i++) {
    const d = (i * 7919) % (DESTINATIONS + 50); // some destinations have no entry
    const kind = i % 4;
    const peer = kind === 1 ? 'east' : kind === 3 ? 'west' : '';
    const name = kind === 2 ? `other-${i}` : `src-${(d + (i % EXACT_SOURCES)) % 2_000}`;
    out.push([{ name, peer }, `dst-${d}`]);
  }
  return out;
}

/**
 * Times every call on its own (`process.hrtime.bigint()` around one call), so p99 is a true per-decision figure;
 * the timer's own cost is in both the decision and the baseline figures.
 */
function measure(
  fn: (src: IntentionSource, dst: string) => unknown,
  queries: [IntentionSource, string][],
): number[] {
  const perDecisionUs: number[] = [];
  let q = 0;
  let sink = 0;
  for (let s = 0; s < WARMUP + SAMPLES; s++) {
    const [src, dst] = queries[q]!;
    q = (q + 1) & 4095;
    const t0 = process.hrtime.bigint();
    if (fn(src, dst) !== undefined) sink++;
    const ns = Number(process.hrtime.bigint() - t0);
    if (s >= WARMUP) perDecisionUs.push(ns / 1_000);
  }
  if (sink === -1) console.log(sink);
  return perDecisionUs;
}

function inProcess(): void {
  printHeader(
    'authorize',
    'intention decision p50/p99 per decision, 10,000 intentions, in-process and over HTTP',
  );
  const records = buildRecords();
  const t0 = performance.now();
  let index = 1;
  const view = new IntentionView({ intentionsIndex: () => index, intentionEntries: () => records });
  const set: IntentionSet = view.current();
  const buildMs = performance.now() - t0;
  const count = set.all.length;
  const queries = buildQueries();

  const empty = (_src: IntentionSource, _dst: string): unknown => _dst;
  const decideViaView = (src: IntentionSource, dst: string): unknown => view.current().decide(src, dst, true);
  const td = '11111111-2222-3333-4444-555555555555.consul';
  const peerTd = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee.consul';
  const uris = queries.map(
    ([src]) => `spiffe://${src.peer === '' ? td : peerTd}/ns/default/dc/dc1/svc/${src.name}`,
  );
  let u = 0;
  const authorizeViaView = (_src: IntentionSource, dst: string): unknown => {
    const client = parseServiceSpiffeId(uris[u++ & 4095]!);
    if (typeof client === 'string') return client;
    return authorize(view.current(), {
      target: dst,
      client,
      localTrustDomain: td,
      peerForTrustDomain: (t) => (t === peerTd ? 'east' : undefined),
      defaultAllow: true,
    });
  };
  const cache = new AuthorizeCache({
    intentions: () => view.current(),
    trustIndex: () => 1,
    peerTrustDomains: () => new Map([[peerTd, 'east']]),
    rootsIndex: () => 1,
    localTrustDomain: () => td,
    defaultAllow: true,
  });
  let c = 0;
  const cachedAuthorize = (_src: IntentionSource, dst: string): unknown =>
    cache.check(uris[c++ & 4095]!, dst);
  const baseline = measure(empty, queries);
  const decide = measure(decideViaView, queries);
  const authz = measure(authorizeViaView, queries);
  const cached = measure(cachedAuthorize, queries);
  index = 2; // one rebuild, to show its cost next to the per-decision figures
  const r0 = performance.now();
  view.current();
  const rebuildMs = performance.now() - r0;

  const p = (xs: number[], q: number): string => fmt(percentile(xs, q), 3);
  printTable(
    `decide with ${count} intentions (${SAMPLES} decisions, each timed)`,
    ['measure', 'p50 µs/decision', 'p99 µs/decision'],
    [
      ['IntentionView.current().decide', p(decide, 50), p(decide, 99)],
      ['authorize (SPIFFE URI parse + decide + reason)', p(authz, 50), p(authz, 99)],
      ['AuthorizeCache.check (the endpoint path)', p(cached, 50), p(cached, 99)],
      ['empty function (baseline)', p(baseline, 50), p(baseline, 99)],
    ],
  );
  console.log(
    `intentions: ${count}; build ${fmt(buildMs, 1)} ms; rebuild after an index change ${fmt(rebuildMs, 1)} ms`,
  );
  console.log(`decide/baseline p50: ${ratio(percentile(decide, 50), percentile(baseline, 50))}`);
  console.log(`target: p99 ≤ 50 µs per decision in-process`);
}

const BARE_SERVER = fileURLToPath(new URL('./lib/bare-http-server.ts', import.meta.url));
const HTTP = { concurrency: 16, warmupMs: 1_000, durationMs: 3_000, rounds: 3 };
const PAIRS = 256;

/** The same 10,000 intentions, written through the config-entry API (each entry one PUT). */
async function writeIntentions(agent: BenchAgent, http: ReturnType<typeof keepAliveAgent>): Promise<void> {
  for (const rec of buildRecords()) {
    const { CreateIndex: _c, ModifyIndex: _m, ...entry } = rec.entry as unknown as Record<string, unknown>;
    const sources = (entry['Sources'] as Record<string, unknown>[]).map(({ Precedence: _p, ...src }) => src);
    await httpOk(http, 'PUT', `${agent.httpAddr}/v1/config`, JSON.stringify({ ...entry, Sources: sources }));
  }
}

async function startBare(bodyFile: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = track(
    spawn(process.execPath, ['--import', 'tsx', BARE_SERVER, bodyFile], {
      stdio: ['pipe', 'pipe', 'inherit'],
    }),
  );
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`bare server exited with ${String(code)}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const m = /^listening (\d+)$/.exec(line);
      if (m) resolve(Number(m[1]));
    });
  });
  return {
    url: `http://127.0.0.1:${port}/v1/agent/connect/authorize`,
    stop: async () => {
      child.stdin!.end();
      await stopChild(child);
    },
  };
}

function load(
  url: string,
  bodies: readonly string[],
  http: ReturnType<typeof keepAliveAgent>,
): Promise<LoadResult> {
  return runClosedLoop({
    concurrency: HTTP.concurrency,
    warmupMs: HTTP.warmupMs,
    durationMs: HTTP.durationMs,
    op: async (seq) => (await httpRequest(http, 'POST', url, bodies[seq % bodies.length])).status === 200,
  });
}

async function overHttp(): Promise<void> {
  const agent = await startBenchAgent({ dev: true });
  const http = keepAliveAgent(HTTP.concurrency);
  let bare: Awaited<ReturnType<typeof startBare>> | undefined;
  const rounds: { entente: LoadResult; bare: LoadResult }[] = [];
  let bodySize = 0;
  try {
    await writeIntentions(agent, http);
    const td = (
      JSON.parse((await httpOk(http, 'GET', `${agent.httpAddr}/v1/connect/ca/roots`)).body.toString()) as {
        TrustDomain: string;
      }
    ).TrustDomain;
    const bodies = buildQueries()
      .filter(([src]) => src.peer === '')
      .slice(0, PAIRS)
      .map(([src, dst]) =>
        JSON.stringify({ Target: dst, ClientCertURI: `spiffe://${td}/ns/default/dc/dc1/svc/${src.name}` }),
      );
    const url = `${agent.httpAddr}/v1/agent/connect/authorize`;
    const sample = await httpOk(http, 'POST', url, bodies[0]);
    bodySize = sample.body.length;
    const bodyFile = join(tempDir('authz-body'), 'authorize.json');
    writeFileSync(bodyFile, sample.body);
    bare = await startBare(bodyFile);
    for (let i = 0; i < HTTP.rounds; i++) {
      const e = await load(url, bodies, http);
      const b = await load(bare.url, bodies, http);
      if (e.errors > 0 || b.errors > 0) throw new Error(`errors: ${e.firstError ?? b.firstError ?? ''}`);
      rounds.push({ entente: e, bare: b });
    }
  } finally {
    http.destroy();
    await bare?.stop();
    await stopBenchAgent(agent);
  }
  const sum = (k: 'entente' | 'bare'): LoadResult => {
    const rs = rounds.map((r) => r[k]);
    const ops = rs.reduce((n, r) => n + r.ops, 0);
    const ms = rs.reduce((n, r) => n + r.elapsedMs, 0);
    const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    return {
      ...rs[0]!,
      ops,
      elapsedMs: ms,
      opsPerSec: (ops * 1000) / ms,
      p50Ms: med(rs.map((r) => r.p50Ms)),
      p99Ms: med(rs.map((r) => r.p99Ms)),
    };
  };
  const e = sum('entente');
  const b = sum('bare');
  printTable(
    `POST /v1/agent/connect/authorize, ${HTTP.concurrency} keep-alive clients, ${HTTP.rounds} alternating rounds of ${HTTP.durationMs / 1000} s, answer ${bodySize} B`,
    ['server', 'req/s', 'p50', 'p99'],
    [
      ['entente (10,000 intentions)', fmt(e.opsPerSec), fmtMs(e.p50Ms), fmtMs(e.p99Ms)],
      ['bare node:http, same bytes (baseline)', fmt(b.opsPerSec), fmtMs(b.p50Ms), fmtMs(b.p99Ms)],
    ],
  );
  console.log(`entente/bare req/s: ${ratio(e.opsPerSec, b.opsPerSec)} (target ≥ 0.5×)`);
}

await runBench('authorize', async () => {
  inProcess();
  await overHttp();
  printReproduce(COMMAND);
});
