import { badRequest, notFound } from '../../errors/index.js';
import type { HealthCheck, HealthStatus, NodeService } from '../../types/index.js';
import { checkEnterpriseParams, parseGoBool, type RequestContext } from '../context.js';
import { Fields } from '../decode.js';
import type { HttpDeps } from '../deps.js';
import { applyFilter } from '../filter.js';
import { aggregateStatus, renderCheck } from '../render.js';
import { renderAgentProxy } from '../render-proxy.js';
import { json, type Reply } from '../reply.js';
import { commandLogCheck, ententeSelf } from './agent-write-health.js';
import { DISABLED_PORT, NO_PORT } from './absent-listeners.js';
import {
  registerCheckDefinition,
  registerServiceDefinition,
  ServiceDefinitionError,
} from './service-register.js';
import { parseStatus } from './structs.js';
import { hashBlockingQuery } from '../../blocking/index.js';
import { parseDuration } from '../../lib/duration.js';
import type { WatchSet } from '../../state/index.js';

const DECODE = 'Request decode failed';
/** Services and checks the server puts in the catalog itself: not agent registrations. */
const SYSTEM_SERVICE_IDS = new Set(['consul']);
const SYSTEM_CHECK_IDS = new Set(['serfHealth']);

function localServices(deps: HttpDeps, ws?: WatchSet): NodeService[] {
  const r = deps.store.nodeServices(ws, '', deps.info.nodeName).value;
  return (r?.services ?? []).filter((s) => !SYSTEM_SERVICE_IDS.has(s.ID));
}

function localChecks(deps: HttpDeps): HealthCheck[] {
  return deps.store
    .nodeChecks(undefined, '', deps.info.nodeName)
    .value.filter((c) => !SYSTEM_CHECK_IDS.has(c.CheckID));
}

/** Consul's AgentService JSON. */
export function renderAgentService(deps: HttpDeps, s: NodeService): Record<string, unknown> {
  return {
    ...(s.Kind ? { Kind: s.Kind } : {}),
    ID: s.ID,
    Service: s.Service,
    Tags: s.Tags,
    Meta: s.Meta,
    Port: s.Port,
    Address: s.Address,
    ...(s.SocketPath ? { SocketPath: s.SocketPath } : {}),
    ...(s.Locality ? { Locality: s.Locality } : {}),
    ...(s.TaggedAddresses && Object.keys(s.TaggedAddresses).length > 0
      ? { TaggedAddresses: s.TaggedAddresses }
      : {}),
    Weights: s.Weights,
    EnableTagOverride: s.EnableTagOverride,
    // As Consul's buildAgentService: a Proxy for proxies and gateways only, Connect only for native services.
    ...(s.Kind !== '' ? { Proxy: renderAgentProxy(s.Proxy ?? {}) } : {}),
    ...(s.Connect?.Native === true ? { Connect: { Native: true } } : {}),
    Datacenter: deps.info.datacenter,
  };
}

function renderAgentCheck(c: HealthCheck): Record<string, unknown> {
  return { ...renderCheck(c), CreateIndex: 0, ModifyIndex: 0 };
}

/**
 * GET /v1/agent/self. `DebugConfig` carries the fields Consul's clients read (the Go client's `Join` reads
 * `SerfAdvertiseAddrLAN`, Nomad's fingerprint `GRPCPort` and `ConnectEnabled`, `consul debug` `EnableDebug`).
 * No `xDS` section: Consul omits it when no xDS server runs, and Entente has none. Ports of listeners Entente does
 * not have (server RPC, Serf) are reported as absent-listeners.ts says.
 */
export function agentSelf(deps: HttpDeps): Promise<Reply> {
  const i = deps.info;
  const node = deps.store.node(undefined, '', i.nodeName).value;
  return Promise.resolve(
    json({
      Config: {
        Datacenter: i.datacenter,
        PrimaryDatacenter: i.primaryDatacenter,
        NodeName: i.nodeName,
        NodeID: i.nodeId,
        Revision: i.revision,
        Server: i.server,
        Version: i.version,
        BuildDate: '',
      },
      DebugConfig: debugConfig(i),
      Coord: { Vec: [0, 0, 0, 0, 0, 0, 0, 0], Error: 1.5, Adjustment: 0, Height: 0.00001 },
      Member: member(deps),
      Stats: {},
      Meta: node?.Meta ?? {},
      Entente: ententeSelf(deps),
    }),
  );
}

function debugConfig(i: HttpDeps['info']): Record<string, unknown> {
  const port = (name: string): number => i.ports[name] ?? -1;
  return {
    Datacenter: i.datacenter,
    PrimaryDatacenter: i.primaryDatacenter,
    NodeName: i.nodeName,
    NodeID: i.nodeId,
    ServerMode: i.server,
    Bootstrap: i.bootstrap,
    BindAddr: i.bindAddr,
    ClientAddrs: [i.clientAddr],
    AdvertiseAddrLAN: i.advertiseAddr,
    AdvertiseAddrWAN: i.advertiseAddrWan,
    SerfAdvertiseAddrLAN: `tcp://${i.advertiseAddr}:${NO_PORT}`,
    SerfAdvertiseAddrWAN: '',
    SerfBindAddrLAN: '',
    SerfBindAddrWAN: '',
    SerfPortLAN: DISABLED_PORT,
    SerfPortWAN: DISABLED_PORT,
    ServerPort: DISABLED_PORT,
    HTTPPort: port('http'),
    HTTPSPort: -1,
    DNSPort: port('dns'),
    GRPCPort: port('grpc'),
    GRPCTLSPort: port('grpc_tls'),
    Ports: i.ports,
    DNSDomain: i.domain,
    ConnectEnabled: i.connectEnabled,
    ACLsEnabled: false,
    EnableDebug: false,
    EnableRemoteScriptChecks: i.enableRemoteScriptChecks,
    EnableLocalScriptChecks: i.enableLocalScriptChecks,
    UIConfig: { Enabled: false },
    Revision: i.revision,
    Version: i.version,
  };
}

/**
 * PUT /v1/agent/join/:address. Entente servers form no LAN clusters (each is its own cluster; clusters connect by
 * peering), so the only join that succeeds is the agent joining itself (its address, or the `SerfAdvertiseAddrLAN`
 * that agent/self states), which Consul answers as a no-op success. Any other address is refused.
 */
export function agentJoin(deps: HttpDeps, ctx: RequestContext): Promise<Reply> {
  const i = deps.info;
  const own = [i.advertiseAddr, `${i.advertiseAddr}:${NO_PORT}`, i.advertiseAddrWan];
  if (ctx.rest !== '' && own.includes(ctx.rest)) return Promise.resolve({});
  throw badRequest(
    `Error joining address '${ctx.rest}': Entente servers do not join LAN clusters; connect clusters with cluster peering`,
  );
}

function member(deps: HttpDeps): Record<string, unknown> {
  const i = deps.info;
  return {
    Name: i.nodeName,
    Addr: i.advertiseAddr,
    // No Serf listener; the Go client decodes this as uint16, so 0 rather than -1.
    Port: NO_PORT,
    Tags: {
      role: 'consul',
      dc: i.datacenter,
      port: String(NO_PORT),
      bootstrap: '1',
      id: i.nodeId,
      vsn: '2',
      vsn_min: '2',
      vsn_max: '3',
      build: `${i.version}:${i.revision}`,
      segment: '',
      acls: '0',
      ft_fs: '1',
      ft_si: '1',
      // As Consul: announced only when the listener exists.
      ...((i.ports['grpc_tls'] ?? -1) > 0 ? { grpc_tls_port: String(i.ports['grpc_tls']) } : {}),
    },
    Status: 1,
    ProtocolMin: 1,
    ProtocolMax: 5,
    ProtocolCur: 2,
    DelegateMin: 2,
    DelegateMax: 5,
    DelegateCur: 4,
  };
}

/** GET /v1/agent/members: this server is the only member of its cluster. */
export function agentMembers(deps: HttpDeps): Promise<Reply> {
  return Promise.resolve(json([member(deps)]));
}

/** GET /v1/agent/services */
export function agentServices(deps: HttpDeps, ctx: RequestContext): Promise<Reply> {
  checkEnterpriseParams(ctx);
  const rows = applyFilter(
    localServices(deps).map((s) => renderAgentService(deps, s)),
    ctx.query('filter') ?? '',
    'agentService',
  );
  const out: Record<string, unknown> = {};
  for (const r of rows) out[String(r['ID'])] = r;
  return Promise.resolve(json(out));
}

/**
 * GET /v1/agent/service/:id, blocking on `?hash=` (Consul's hash-based blocking: the answer comes when the
 * service's `ContentHash` differs from the one given, or at the end of `?wait`). Proxies watch their own
 * registration this way.
 */
export async function agentService(deps: HttpDeps, ctx: RequestContext): Promise<Reply> {
  const waitMs = parseWait(ctx);
  const r = await hashBlockingQuery(
    deps.store,
    { hash: ctx.query('hash') ?? '', signal: ctx.signal, ...(waitMs === undefined ? {} : { waitMs }) },
    (ws) => {
      const svc = localServices(deps, ws).find((s) => s.ID === ctx.rest);
      if (!svc) throw notFound(`unknown service ID: ${ctx.rest}`);
      const body = renderAgentService(deps, svc);
      return { hash: contentHash(body), value: body };
    },
  );
  return { body: { ...r.value, ContentHash: r.hash }, headers: { 'X-Consul-ContentHash': r.hash } };
}

/** `?wait=` as Consul's parseWait reads it (capped at 10 minutes by the blocking query). */
function parseWait(ctx: RequestContext): number | undefined {
  const wait = ctx.query('wait');
  if (wait === undefined || wait === '') return undefined;
  const ms = parseDuration(wait);
  if (ms === undefined || ms < 0) throw badRequest('Invalid wait time');
  return ms;
}

/** 64-bit FNV-1a of the rendered service (opaque to clients, which only compare it). */
function contentHash(v: unknown): string {
  let h = 0xcbf29ce484222325n;
  for (const byte of Buffer.from(JSON.stringify(v))) {
    h ^= BigInt(byte);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h.toString(16).padStart(16, '0');
}

/** GET /v1/agent/checks */
export function agentChecks(deps: HttpDeps, ctx: RequestContext): Promise<Reply> {
  checkEnterpriseParams(ctx);
  const checks = [...localChecks(deps), commandLogCheck(deps)];
  const rows = applyFilter(checks.map(renderAgentCheck), ctx.query('filter') ?? '', 'agentCheck');
  const out: Record<string, unknown> = {};
  for (const r of rows) out[String(r['CheckID'])] = r;
  return Promise.resolve(json(out));
}

/** PUT /v1/agent/service/register */
export async function agentServiceRegister(deps: HttpDeps, ctx: RequestContext): Promise<Reply> {
  checkEnterpriseParams(ctx);
  const f = new Fields(await ctx.json(DECODE), 'ServiceDefinition', DECODE);
  const replace =
    ctx.boolQuery('replace-existing-checks', 'Invalid value for ?replace-existing-checks') ?? false;
  try {
    await registerServiceDefinition({ agent: deps.agent, nodeName: deps.info.nodeName }, f, replace);
  } catch (err) {
    throw err instanceof ServiceDefinitionError ? err.cause : err;
  }
  return {};
}

/** PUT /v1/agent/service/deregister/:id */
export async function agentServiceDeregister(deps: HttpDeps, ctx: RequestContext): Promise<Reply> {
  checkEnterpriseParams(ctx);
  if (ctx.rest === '') throw badRequest('Missing service ID');
  await deps.agent.deregisterService(ctx.rest);
  return {};
}

function enableParam(ctx: RequestContext): boolean {
  const v = ctx.query('enable');
  if (v === undefined || v === '') throw badRequest('Missing value for enable');
  const b = parseGoBool(v);
  if (b === undefined) throw badRequest(`Invalid value for enable: "${v}"`);
  return b;
}

/** PUT /v1/agent/service/maintenance/:id */
export async function agentServiceMaintenance(deps: HttpDeps, ctx: RequestContext): Promise<Reply> {
  if (ctx.rest === '') throw badRequest('Missing service ID');
  const enable = enableParam(ctx);
  await deps.agent.serviceMaintenance(ctx.rest, enable, ctx.query('reason') ?? '');
  return {};
}

/** PUT /v1/agent/maintenance */
export async function agentNodeMaintenance(deps: HttpDeps, ctx: RequestContext): Promise<Reply> {
  const enable = enableParam(ctx);
  await deps.agent.nodeMaintenance(enable, ctx.query('reason') ?? '');
  return {};
}

/** PUT /v1/agent/check/register */
export async function agentCheckRegister(deps: HttpDeps, ctx: RequestContext): Promise<Reply> {
  checkEnterpriseParams(ctx);
  const f = new Fields(await ctx.json(DECODE), 'CheckDefinition', DECODE);
  await registerCheckDefinition(
    { agent: deps.agent, nodeName: deps.info.nodeName },
    f,
    (id) => localServices(deps).find((s) => s.ID === id)?.Service,
  );
  return {};
}

/** PUT /v1/agent/check/deregister/:id */
export async function agentCheckDeregister(deps: HttpDeps, ctx: RequestContext): Promise<Reply> {
  if (ctx.rest === '') throw badRequest('Missing check ID');
  await deps.agent.deregisterCheck(ctx.rest);
  return {};
}

/** PUT /v1/agent/check/pass|warn|fail/:id (`?note=` becomes the output) */
export function agentCheckTtl(status: HealthStatus) {
  return async (deps: HttpDeps, ctx: RequestContext): Promise<Reply> => {
    if (ctx.rest === '') throw badRequest('Missing check ID');
    await deps.agent.updateTtlCheck(ctx.rest, status, ctx.query('note') ?? '');
    return {};
  };
}

/** PUT /v1/agent/check/update/:id with `{Status, Output}` */
export async function agentCheckUpdate(deps: HttpDeps, ctx: RequestContext): Promise<Reply> {
  if (ctx.rest === '') throw badRequest('Missing check ID');
  const f = new Fields(await ctx.json(DECODE), 'checkUpdate', DECODE);
  const statusText = f.string('Status');
  if (statusText === '') throw badRequest('Invalid check status: ""');
  const status = parseStatus(statusText, 'critical');
  await deps.agent.updateTtlCheck(ctx.rest, status, f.string('Output'));
  return {};
}

const STATUS_CODE: Record<HealthStatus, number> = { passing: 200, warning: 429, critical: 503 };

function serviceHealth(
  deps: HttpDeps,
  svc: NodeService,
): { status: HealthStatus; body: Record<string, unknown> } {
  const checks = localChecks(deps).filter((c) => c.ServiceID === svc.ID || c.ServiceID === '');
  const status = aggregateStatus(checks);
  return {
    status,
    body: {
      AggregatedStatus: status,
      Service: renderAgentService(deps, svc),
      Checks: checks.map(renderAgentCheck),
    },
  };
}

/** GET /v1/agent/health/service/id/:id: 200 passing, 429 warning, 503 critical. */
export function agentHealthById(deps: HttpDeps, ctx: RequestContext): Promise<Reply> {
  const svc = localServices(deps).find((s) => s.ID === ctx.rest);
  const text = ctx.query('format') === 'text';
  if (!svc) {
    const msg = `ServiceId ${ctx.rest} not found`;
    return Promise.resolve(text ? { status: 404, raw: msg } : { status: 404, raw: msg });
  }
  const { status, body } = serviceHealth(deps, svc);
  return Promise.resolve(
    text ? { status: STATUS_CODE[status], raw: status } : { status: STATUS_CODE[status], body },
  );
}

/** GET /v1/agent/health/service/name/:name: worst status over the instances. */
export function agentHealthByName(deps: HttpDeps, ctx: RequestContext): Promise<Reply> {
  const svcs = localServices(deps).filter((s) => s.Service === ctx.rest);
  const text = ctx.query('format') === 'text';
  if (svcs.length === 0) {
    const msg = `ServiceName ${ctx.rest} Not Found`;
    return Promise.resolve({ status: 404, raw: msg });
  }
  const results = svcs.map((s) => serviceHealth(deps, s));
  const order: HealthStatus[] = ['passing', 'warning', 'critical'];
  const worst = results.reduce<HealthStatus>(
    (w, r) => (order.indexOf(r.status) > order.indexOf(w) ? r.status : w),
    'passing',
  );
  return Promise.resolve(
    text
      ? { status: STATUS_CODE[worst], raw: worst }
      : { status: STATUS_CODE[worst], body: results.map((r) => r.body) },
  );
}
