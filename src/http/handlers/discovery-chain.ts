/**
 * `GET|POST /v1/discovery-chain/:service` (Consul agent/discovery_chain_endpoint.go): the compiled chain of a
 * service, `{"Chain": …}`, as a blocking query over the five config-entry kinds a chain reads. `?compile-dc`
 * names the datacenter to evaluate in (default: the agent's); POST takes Consul's overrides
 * (`OverrideProtocol`, `OverrideConnectTimeout`, `OverrideMeshGateway.Mode`, or their snake_case aliases).
 * Compilation errors (redirect loops, missing subsets, mixed protocols) are plain errors in Consul: 500.
 */
import { AppError, badRequest } from '../../errors/index.js';
import { trustDomain } from '../../connect/index.js';
import { assertConnectEnabled } from './connect.js';
import type {
  ConfigEntry,
  ProxyDefaultsEntry,
  ServiceDefaultsEntry,
  ServiceResolverEntry,
  ServiceRouterEntry,
  ServiceSplitterEntry,
} from '../../config-entry/index.js';
import {
  ChainGraphError,
  compileDiscoveryChain,
  type ChainEntries,
  type CompiledDiscoveryChain,
} from '../../discovery-chain/index.js';
import { parseGoDuration } from '../../lib/go/duration.js';
import type { WatchSet } from '../../state/index.js';
import { parseQueryOptions, type RequestContext } from '../context.js';
import type { HttpDeps } from '../deps.js';
import { Fields } from '../decode.js';
import { json, type Reply } from '../reply.js';
import { block } from './common.js';

const DECODE = 'Request decoding failed';
const CHAIN_KINDS = [
  'service-defaults',
  'proxy-defaults',
  'service-router',
  'service-splitter',
  'service-resolver',
] as const;
const MESH_GATEWAY_MODES = new Set(['', 'none', 'local', 'remote']);

interface Overrides {
  protocol?: string;
  connectTimeoutNs?: number;
  meshGatewayMode?: string;
}

function decodeOverrides(raw: unknown): Overrides {
  const f = new Fields(raw ?? {}, 'discoveryChainReadRequest', DECODE);
  const out: Overrides = {};
  const protocol = f.string('OverrideProtocol', 'override_protocol');
  if (protocol !== '') out.protocol = protocol.toLowerCase();
  const timeout = f.raw('OverrideConnectTimeout', 'override_connect_timeout');
  if (typeof timeout === 'number') out.connectTimeoutNs = Math.trunc(timeout);
  else if (typeof timeout === 'string' && timeout !== '') {
    try {
      out.connectTimeoutNs = parseGoDuration(timeout);
    } catch (err) {
      throw badRequest(`${DECODE}: ${err instanceof Error ? err.message : String(err)}`);
    }
  } else if (timeout !== undefined) {
    throw badRequest(`${DECODE}: 'OverrideConnectTimeout' expected a duration`);
  }
  const mode = f.object('OverrideMeshGateway', 'override_mesh_gateway')?.string('Mode', 'mode') ?? '';
  if (!MESH_GATEWAY_MODES.has(mode)) throw badRequest('Invalid OverrideMeshGateway.Mode parameter');
  if (mode !== '') out.meshGatewayMode = mode;
  return out;
}

/** Reads the five kinds with the watch set; the index is the highest of theirs. */
function readEntries(deps: HttpDeps, ws: WatchSet): { index: number; entries: ChainEntries } {
  let index = 0;
  const byKind = new Map<string, Map<string, ConfigEntry>>();
  for (const kind of CHAIN_KINDS) {
    const r = deps.store.configEntries(ws, kind);
    index = Math.max(index, r.index);
    byKind.set(kind, new Map(r.value.map((rec) => [rec.entry.Name, rec.entry as unknown as ConfigEntry])));
  }
  const get = (kind: string, name: string): unknown => byKind.get(kind)?.get(name);
  return {
    index,
    entries: {
      serviceDefaults: (n) => get('service-defaults', n) as ServiceDefaultsEntry | undefined,
      proxyDefaults: () => get('proxy-defaults', 'global') as ProxyDefaultsEntry | undefined,
      router: (n) => get('service-router', n) as ServiceRouterEntry | undefined,
      splitter: (n) => get('service-splitter', n) as ServiceSplitterEntry | undefined,
      resolver: (n) => get('service-resolver', n) as ServiceResolverEntry | undefined,
    },
  };
}

/** `GET|POST /v1/discovery-chain/:service` */
export async function discoveryChainRead(deps: HttpDeps, ctx: RequestContext): Promise<Reply> {
  const q = parseQueryOptions(ctx, deps.info.datacenter);
  const name = ctx.rest;
  if (name === '') throw badRequest('Missing chain name');
  assertConnectEnabled(deps);
  const datacenter = ctx.query('compile-dc') || deps.info.datacenter;
  const overrides = ctx.method === 'POST' ? decodeOverrides(await ctx.json(DECODE)) : {};
  if (deps.store.clusterId === '') {
    throw new AppError('ENT_ERR_BAD_REQUEST', 'cluster has no CA bootstrapped yet', { http: 500 });
  }
  const td = trustDomain(deps.store.clusterId);
  const r = await block(deps, ctx, q.minIndex, q.waitMs, (ws) => {
    const { index, entries } = readEntries(deps, ws);
    let chain: CompiledDiscoveryChain;
    try {
      chain = compileDiscoveryChain({
        serviceName: name,
        datacenter,
        trustDomain: td,
        entries,
        ...(overrides.protocol !== undefined ? { overrideProtocol: overrides.protocol } : {}),
        ...(overrides.connectTimeoutNs !== undefined
          ? { overrideConnectTimeoutNs: overrides.connectTimeoutNs }
          : {}),
        ...(overrides.meshGatewayMode !== undefined
          ? { overrideMeshGatewayMode: overrides.meshGatewayMode }
          : {}),
      });
    } catch (err) {
      if (err instanceof ChainGraphError)
        throw new AppError('ENT_ERR_BAD_REQUEST', err.message, { http: 500 });
      throw err;
    }
    return { index, value: chain };
  });
  return json({ Chain: r.value }, r.index);
}
