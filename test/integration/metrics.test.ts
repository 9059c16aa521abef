// /v1/agent/metrics on a real agent process: Consul's JSON summary, and Prometheus output only when
// telemetry.prometheus_retention_time is positive (else Consul's 415).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAgentProcess } from '../helpers/agent-process.js';
import { retry } from '../helpers/retry.js';

test('metrics - JSON summary with HTTP timings; Prometheus asked for but not enabled is a 415', async (t) => {
  const agent = await startAgentProcess(t, { dev: true });
  t.after(() => agent.kill());
  assert.equal((await fetch(`${agent.httpAddr}/v1/status/leader`)).status, 200);
  // The summary shows the latest finished 10 s interval, so a request shows up once its interval has ended.
  await retry(
    async () => {
      const res = await fetch(`${agent.httpAddr}/v1/agent/metrics`);
      assert.equal(res.status, 200);
      const body = (await res.json()) as any;
      assert.deepEqual(Object.keys(body), ['Timestamp', 'Gauges', 'Points', 'Counters', 'Samples']);
      assert.match(body.Timestamp, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0000 UTC$/);
      const leader = body.Samples.find(
        (s: any) => s.Name === 'consul.api.http' && s.Labels.path === 'v1_status_leader',
      );
      assert.ok(leader, JSON.stringify(body.Samples));
      assert.equal(leader.Labels.method, 'GET');
      assert.ok(leader.Count >= 1 && leader.Max >= leader.Min && leader.Mean > 0);
    },
    { timeoutMs: 30_000, intervalMs: 250 },
  );
  for (const [path, headers] of [
    ['/v1/agent/metrics?format=prometheus', {}],
    ['/v1/agent/metrics', { Accept: 'application/openmetrics-text; version=1.0.0' }],
  ] as const) {
    const res = await fetch(`${agent.httpAddr}${path}`, { headers });
    assert.equal(res.status, 415);
    assert.equal(await res.text(), 'Prometheus is not enabled since its retention time is not positive');
  }
});

test('metrics - Prometheus output with telemetry.prometheus_retention_time: timings and peering gauges', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'entente-metrics-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'telemetry.hcl');
  writeFileSync(file, 'telemetry { prometheus_retention_time = "60s" disable_hostname = true }\n');
  const agent = await startAgentProcess(t, { dev: true, grpcTls: true, args: ['-config-file', file] });
  t.after(() => agent.kill());
  // A peering that is not connected (PENDING): healthy 0.
  const tok = await fetch(`${agent.httpAddr}/v1/peering/token`, {
    method: 'POST',
    body: JSON.stringify({ PeerName: 'cluster-b' }),
  });
  assert.equal(tok.status, 200, await tok.clone().text());
  const peering = (await (await fetch(`${agent.httpAddr}/v1/peering/cluster-b`)).json()) as { ID: string };

  const res = await fetch(`${agent.httpAddr}/v1/agent/metrics?format=prometheus`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  assert.match(text, /# TYPE consul_api_http summary/);
  assert.match(text, /consul_api_http_count\{method="POST",path="v1_peering_token"\} 1/);
  assert.ok(
    text.includes(`consul_peering_healthy{peer_name="cluster-b",peer_id="${peering.ID}"} 0`),
    text
      .split('\n')
      .filter((l) => l.includes('peering'))
      .join('\n'),
  );
  assert.match(text, /^process_resident_memory_bytes \d+/m);
});
