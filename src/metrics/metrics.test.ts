import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  HTTP_REQUEST,
  METRICS_SERIES_DROPPED,
  PEERING_HEALTHY,
  PEERING_STREAM_RESETS,
} from './definitions.js';
import { INTERVAL_MS, MAX_SERIES_PER_INTERVAL, goTimeString } from './inmem-sink.js';
import { AgentMetrics } from './metrics.js';

function clock(start = Date.UTC(2026, 11, 6, 23, 10, 0)): {
  now: () => number;
  advance: (ms: number) => void;
} {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}

function metrics(now: () => number, retentionMs = 0, disableHostname = false): AgentMetrics {
  return new AgentMetrics({ hostname: 'box-1', disableHostname, prometheusRetentionMs: retentionMs, now });
}

test('metrics - the JSON summary has Consul shape and shows the latest finished 10 s interval', () => {
  const c = clock();
  const m = metrics(c.now);
  const get = { method: 'GET', path: 'v1_health_service_' };
  m.addSample(HTTP_REQUEST, get, 2);
  m.addSample(HTTP_REQUEST, get, 4);
  m.incrCounter(PEERING_STREAM_RESETS, { peer_name: 'b', peer_id: 'id-b', reason: 'HEARTBEAT_TIMEOUT' });

  // Only one interval yet: it is shown.
  const first = m.summary();
  assert.deepEqual(Object.keys(first), ['Timestamp', 'Gauges', 'Points', 'Counters', 'Samples']);
  assert.equal(first.Timestamp, '2026-12-06 23:10:00 +0000 UTC');
  assert.deepEqual(first.Samples, [
    {
      Name: 'consul.api.http',
      Count: 2,
      Rate: 0.6,
      Sum: 6,
      Min: 2,
      Max: 4,
      Mean: 3,
      Stddev: Math.SQRT2,
      Labels: get,
    },
  ]);
  assert.equal(first.Counters[0]?.Name, 'entente.peering.stream_resets');
  assert.equal(first.Counters[0]?.Count, 1);
  assert.deepEqual(first.Points, []);

  // A new interval starts: the finished one is shown, not the (empty) current one.
  c.advance(INTERVAL_MS);
  m.addSample(HTTP_REQUEST, get, 100);
  assert.equal(m.summary().Samples[0]?.Count, 2);
  assert.equal(m.summary().Timestamp, '2026-12-06 23:10:00 +0000 UTC');
  c.advance(INTERVAL_MS);
  assert.equal(m.summary().Samples[0]?.Max, 100);
});

test('metrics - gauges are read from their sources and carry the host name unless disable_hostname', () => {
  const c = clock();
  let healthy = 1;
  for (const [disable, name] of [
    [false, 'consul.box-1.peering.healthy'],
    [true, 'consul.peering.healthy'],
  ] as const) {
    const m = metrics(c.now, 0, disable);
    m.addGaugeSource(() => [
      { def: PEERING_HEALTHY, labels: { peer_name: 'b', peer_id: 'id-b' }, value: healthy },
    ]);
    const g = m.summary().Gauges.find((x) => x.Name === name);
    assert.deepEqual(g, { Name: name, Value: healthy, Labels: { peer_name: 'b', peer_id: 'id-b' } });
    healthy = 0;
    assert.equal(m.summary().Gauges.find((x) => x.Name === name)?.Value, 0, 'read when asked');
    healthy = 1;
    // Timings are not gauges: no host name in them.
    assert.equal(m.name(HTTP_REQUEST), 'consul.api.http');
  }
});

test('metrics - Prometheus output only with a positive retention time', async () => {
  const c = clock();
  const off = metrics(c.now, 0);
  assert.equal(off.prometheusEnabled, false);
  assert.equal(await off.prometheus(), undefined);
  const on = metrics(c.now, 60_000, true);
  assert.equal(on.prometheusEnabled, true);
  on.close();
});

test('metrics - Prometheus text: Consul names, timing summaries, gauges, Node runtime, series expiry', async () => {
  const c = clock();
  const m = metrics(c.now, 60_000);
  const peers = [{ peer_name: 'b', peer_id: 'id-b' }];
  m.addGaugeSource(() => peers.map((labels) => ({ def: PEERING_HEALTHY, labels, value: 1 })));
  m.addSample(HTTP_REQUEST, { method: 'GET', path: 'v1_agent_self' }, 1.5);
  m.incrCounter(PEERING_STREAM_RESETS, { peer_name: 'b', peer_id: 'id-b', reason: 'STREAM_ERROR' }, 2);
  const out = await m.prometheus();
  assert.ok(out);
  assert.match(out.contentType, /^text\/plain; version=0\.0\.4/);
  assert.match(out.body, /# TYPE consul_api_http summary/);
  assert.match(out.body, /consul_api_http\{quantile="0\.99",method="GET",path="v1_agent_self"\} 1\.5/);
  assert.match(out.body, /consul_api_http_count\{method="GET",path="v1_agent_self"\} 1/);
  assert.match(out.body, /consul_box_1_peering_healthy\{peer_name="b",peer_id="id-b"\} 1/);
  assert.match(
    out.body,
    /entente_peering_stream_resets\{peer_name="b",peer_id="id-b",reason="STREAM_ERROR"\} 2/,
  );
  assert.match(out.body, /process_cpu_user_seconds_total/);

  // A deleted peering's gauge disappears at once; a counter not updated for the retention time expires.
  peers.length = 0;
  c.advance(60_001);
  const later = (await m.prometheus())?.body ?? '';
  assert.doesNotMatch(later, /consul_box_1_peering_healthy\{/);
  assert.doesNotMatch(later, /entente_peering_stream_resets\{/);
  assert.doesNotMatch(later, /consul_api_http_count\{/);
  m.close();
});

test('metrics - two agents in one process do not share series', async () => {
  const c = clock();
  const a = metrics(c.now, 60_000);
  const b = metrics(c.now, 60_000);
  a.addSample(HTTP_REQUEST, { method: 'PUT', path: 'v1_kv_' }, 1);
  assert.match((await a.prometheus())?.body ?? '', /consul_api_http_count\{method="PUT",path="v1_kv_"\} 1/);
  assert.doesNotMatch((await b.prometheus())?.body ?? '', /path="v1_kv_"/);
  assert.equal(b.summary().Samples.length, 0);
  a.close();
  b.close();
});

test('metrics - an interval holds a bounded number of series; the rest are dropped and counted', () => {
  const c = clock();
  const m = metrics(c.now);
  for (let i = 0; i < MAX_SERIES_PER_INTERVAL + 10; i++) {
    m.addSample(HTTP_REQUEST, { method: 'GET', path: `p${i}` }, 1);
  }
  const s = m.summary();
  assert.equal(s.Samples.length, MAX_SERIES_PER_INTERVAL);
  assert.equal(s.Gauges.find((g) => g.Name === m.name(METRICS_SERIES_DROPPED))?.Value, 10);
});

test('metrics - timestamps are Go time strings in UTC rounded to the second', () => {
  assert.equal(goTimeString(Date.UTC(2026, 0, 2, 3, 4, 5, 600)), '2026-01-02 03:04:06 +0000 UTC');
});

test('metrics - a sampler records into the same series as addSample', () => {
  const c = clock();
  const m = metrics(c.now);
  const labels = { method: 'GET', path: 'v1_kv_' };
  const record = m.sampler(HTTP_REQUEST, labels);
  record(1);
  record(3);
  m.addSample(HTTP_REQUEST, labels, 5);
  const s = m.summary().Samples;
  assert.equal(s.length, 1);
  assert.deepEqual([s[0]?.Count, s[0]?.Sum, s[0]?.Labels], [3, 9, labels]);
});
