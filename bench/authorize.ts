/**
 * Authorize decision cost: `IntentionSet.decide` (the decision core of `/v1/agent/connect/authorize` and
 * `/v1/connect/intentions/check`) with 10,000 intentions: 1,000 destinations × 9 exact sources (3 of them from a
 * peer) + a `*` source each, and a `*` destination entry. Each of 1,000,000 decisions (after 100,000 warm-up) on rotating
 * (source, destination) pairs that hit every precedence level and the default is timed on its own. Baseline
 * in the same run: the same loop calling an empty function with the same arguments.
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
import { fmt, percentile, printHeader, printReproduce, printTable, ratio } from './lib/stats.js';

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

function main(): void {
  printHeader('authorize', 'intention decision p50/p99 per decision, 10,000 intentions, in-process');
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
  const baseline = measure(empty, queries);
  const decide = measure(decideViaView, queries);
  const authz = measure(authorizeViaView, queries);
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
      ['empty function (baseline)', p(baseline, 50), p(baseline, 99)],
    ],
  );
  console.log(
    `intentions: ${count}; build ${fmt(buildMs, 1)} ms; rebuild after an index change ${fmt(rebuildMs, 1)} ms`,
  );
  console.log(`decide/baseline p50: ${ratio(percentile(decide, 50), percentile(baseline, 50))}`);
  console.log(`target: p99 ≤ 50 µs per decision in-process`);
  printReproduce(COMMAND);
}

main();
