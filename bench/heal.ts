/**
 * Heal-to-exact-convergence: two durable agent processes peered over gRPC TLS through a cuttable TCP bridge
 * (test/helpers/tcp-bridge.ts), the exporter A dialled by the importer B. For each kind of cut (connection reset,
 * blackhole, connect-then-silence) the path is cut for `--cut` (default 60 s) while a health check flips on A;
 * then the path heals and B's `GET /v1/health/service/web?peer=a` is polled every 20 ms until it equals A's own
 * view exactly (per instance: node, service ID, worst check status). Both agents run with the default peering
 * configuration (keepalive 15 s / 5 s, reconnect backoff capped at 2 s). Also shown, at the end of each cut: what
 * each side reports (State, Reason) and B's `X-Consul-LastContact` on the `?peer=` read.
 * Baseline in the same run: the same flip while connected (median of 5), change to exact convergence on B.
 *
 *   node --import tsx bench/heal.ts [--cut=60s] [--kinds=reset,blackhole,silence]
 */
import type { Agent } from 'node:http';
import { parseDuration } from '../src/lib/duration.js';
import { TcpBridge, type CutKind } from '../test/helpers/tcp-bridge.js';
import { healthView, type HealthRow } from '../test/helpers/peering-view.js';
import { runBench } from './lib/cleanup.js';
import { httpOk, keepAliveAgent } from './lib/http-client.js';
import { exportServices, readPeering, startPeerAgent, waitActive, type PeerAgent } from './lib/peer-agent.js';
import { fmt, fmtMs, median, printHeader, printReproduce, printTable, ratio, sleep } from './lib/stats.js';

const INSTANCES = 10;
const POLL_MS = 20;
/** A heal not converged after this long is reported as such (and the run goes on). */
const CONVERGE_GIVE_UP_MS = 180_000;
const BASELINE_FLIPS = 5;
const TARGET_MS = 5_000;

function arg(name: string, dflt: string): string {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit === undefined ? dflt : hit.slice(name.length + 3);
}

const CUT_TEXT = arg('cut', '60s');
const CUT_MS = parseDuration(CUT_TEXT) ?? Number.NaN;
const KINDS = arg('kinds', 'reset,blackhole,silence').split(',') as CutKind[];
const COMMAND = `node --import tsx bench/heal.ts --cut=${CUT_TEXT} --kinds=${KINDS.join(',')}`;

async function register(http: Agent, a: PeerAgent, i: number, status: string): Promise<void> {
  await httpOk(
    http,
    'PUT',
    `${a.httpAddr}/v1/catalog/register`,
    JSON.stringify({
      Node: `n${i}`,
      Address: '10.0.0.1',
      Service: { Service: 'web', ID: `web-${i}`, Port: 8080 },
      Check: { CheckID: `chk-${i}`, Name: 'chk', Status: status, ServiceID: `web-${i}` },
    }),
  );
}

async function view(
  http: Agent,
  agent: PeerAgent,
  peer?: string,
): Promise<{ view: string; lastContact: number }> {
  const q = peer === undefined ? '' : `?peer=${peer}`;
  const res = await httpOk(http, 'GET', `${agent.httpAddr}/v1/health/service/web${q}`);
  const rows = JSON.parse(res.body.toString('utf8')) as HealthRow[];
  const lc = res.headers['x-consul-lastcontact'];
  return { view: healthView(rows).join(','), lastContact: Number(Array.isArray(lc) ? lc[0] : lc) };
}

/** ms from `t0` until B's imported view equals A's (A's view read once: A does not change meanwhile). */
async function convergence(http: Agent, a: PeerAgent, b: PeerAgent, t0: number): Promise<number> {
  const want = (await view(http, a)).view;
  for (;;) {
    const got = await view(http, b, 'a').catch(() => undefined);
    const now = performance.now();
    if (got?.view === want) return now - t0;
    if (now - t0 > CONVERGE_GIVE_UP_MS) return Number.POSITIVE_INFINITY;
    await sleep(POLL_MS);
  }
}

async function side(http: Agent, agent: PeerAgent, peer: string): Promise<string> {
  const p = await readPeering(http, agent, peer);
  return p?.State === 'ACTIVE' ? 'ACTIVE' : `${p?.State ?? '?'} ${p?.Diagnostics?.Reason ?? ''}`.trim();
}

await runBench('heal', async () => {
  if (!(CUT_MS > 0)) throw new Error(`--cut: not a duration: ${CUT_TEXT}`);
  printHeader('heal', `heal-to-exact-convergence after a ${CUT_TEXT} cut of each kind (${KINDS.join(', ')})`);
  const http = keepAliveAgent(4);
  const [a, b] = await Promise.all([
    startPeerAgent({ name: 'a', grpcTls: true }),
    startPeerAgent({ name: 'b' }),
  ]);
  const port = Number(a.grpcTlsAddr?.split(':').pop());
  const bridge = await TcpBridge.start({ host: '127.0.0.1', port });
  try {
    for (let i = 0; i < INSTANCES; i++) await register(http, a, i, 'passing');
    await exportServices(http, a, ['web'], ['b']);
    const tok = await httpOk(
      http,
      'POST',
      `${a.httpAddr}/v1/peering/token`,
      JSON.stringify({ PeerName: 'b', ServerExternalAddresses: [bridge.address] }),
    );
    const { PeeringToken } = JSON.parse(tok.body.toString('utf8')) as { PeeringToken: string };
    await httpOk(
      http,
      'POST',
      `${b.httpAddr}/v1/peering/establish`,
      JSON.stringify({ PeerName: 'a', PeeringToken }),
    );
    await waitActive(http, b, 'a');
    if ((await convergence(http, a, b, performance.now())) === Number.POSITIVE_INFINITY) {
      throw new Error('initial sync did not converge');
    }

    let flip = 0;
    const flipOne = async (): Promise<void> => {
      const i = flip % INSTANCES;
      flip += 1;
      await register(http, a, i, Math.floor((flip - 1) / INSTANCES) % 2 === 0 ? 'critical' : 'passing');
    };

    const base: number[] = [];
    for (let k = 0; k < BASELINE_FLIPS; k++) {
      const t0 = performance.now();
      await flipOne();
      base.push(await convergence(http, a, b, t0));
      await sleep(200);
    }
    const baseMs = median(base);

    const rows: string[][] = [];
    for (const kind of KINDS) {
      await waitActive(http, b, 'a', 120_000);
      bridge.cut(kind);
      const cutAt = performance.now();
      await sleep(Math.min(1_000, CUT_MS / 4));
      await flipOne();
      await sleep(Math.max(0, CUT_MS - (performance.now() - cutAt)));
      const [aSays, bSays, stale] = await Promise.all([
        side(http, a, 'b'),
        side(http, b, 'a'),
        view(http, b, 'a').then((v) => v.lastContact),
      ]);
      const t0 = performance.now();
      bridge.heal();
      const ms = await convergence(http, a, b, t0);
      rows.push([
        kind,
        CUT_TEXT,
        aSays,
        bSays,
        fmtMs(stale),
        Number.isFinite(ms) ? fmtMs(ms) : `> ${fmtMs(CONVERGE_GIVE_UP_MS)}`,
        ms <= TARGET_MS ? 'yes' : 'NO',
        ratio(ms, baseMs),
      ]);
      console.log(`  ${kind}: healed -> exact in ${fmtMs(ms)}`);
    }
    printTable(
      `heal to exact convergence (${INSTANCES} instances of web, one flipped during each cut; target <= ${fmtMs(TARGET_MS)})`,
      [
        'cut',
        'length',
        'exporter A at end of cut',
        'importer B at end of cut',
        'B LastContact',
        'heal -> exact',
        '<= 5 s',
        'vs baseline',
      ],
      rows,
    );
    printTable(
      'baseline: the same flip while connected',
      ['flips', 'median', 'max'],
      [[String(base.length), fmtMs(baseMs), fmtMs(Math.max(...base))]],
    );
    console.log(`\nbridge connections accepted: ${fmt(bridge.accepted)}`);
  } finally {
    await bridge.close();
    http.destroy();
  }
  printReproduce(COMMAND);
});
