import type { RequestContext } from './context.js';
import type { HttpDeps } from './deps.js';
import * as agent from './handlers/agent.js';
import * as catalog from './handlers/catalog.js';
import * as config from './handlers/config.js';
import * as connect from './handlers/connect.js';
import * as connectAuthorize from './handlers/connect-authorize.js';
import * as discoveryChain from './handlers/discovery-chain.js';
import * as health from './handlers/health.js';
import * as intentions from './handlers/intentions.js';
import * as intentionsLegacy from './handlers/intentions-legacy.js';
import * as kv from './handlers/kv.js';
import * as metrics from './handlers/metrics.js';
import * as peering from './handlers/peering.js';
import * as trustBundles from './handlers/trust-bundles.js';
import * as status from './handlers/status.js';
import type { Reply } from './reply.js';
import type { Handler, Route } from './server.js';

type DepsHandler = (deps: HttpDeps, ctx: RequestContext) => Promise<Reply>;
type Methods = Partial<Record<'GET' | 'PUT' | 'POST' | 'DELETE', DepsHandler>>;

/**
 * THE route table: every HTTP endpoint Entente serves, in one place (Consul's http_register.go). A path ending in
 * `/` is a prefix; the rest of the path is the handler's `ctx.rest`.
 */
const TABLE: readonly (readonly [string, Methods])[] = [
  ['/v1/agent/self', { GET: agent.agentSelf }],
  ['/v1/agent/members', { GET: agent.agentMembers }],
  ['/v1/agent/join/', { PUT: agent.agentJoin }],
  ['/v1/agent/metrics', { GET: metrics.agentMetrics }],
  ['/v1/agent/services', { GET: agent.agentServices }],
  ['/v1/agent/service/register', { PUT: agent.agentServiceRegister }],
  ['/v1/agent/service/deregister/', { PUT: agent.agentServiceDeregister }],
  ['/v1/agent/service/maintenance/', { PUT: agent.agentServiceMaintenance }],
  ['/v1/agent/service/', { GET: agent.agentService }],
  ['/v1/agent/maintenance', { PUT: agent.agentNodeMaintenance }],
  ['/v1/agent/checks', { GET: agent.agentChecks }],
  ['/v1/agent/check/register', { PUT: agent.agentCheckRegister }],
  ['/v1/agent/check/deregister/', { PUT: agent.agentCheckDeregister }],
  ['/v1/agent/check/pass/', { PUT: agent.agentCheckTtl('passing') }],
  ['/v1/agent/check/warn/', { PUT: agent.agentCheckTtl('warning') }],
  ['/v1/agent/check/fail/', { PUT: agent.agentCheckTtl('critical') }],
  ['/v1/agent/check/update/', { PUT: agent.agentCheckUpdate }],
  ['/v1/agent/health/service/name/', { GET: agent.agentHealthByName }],
  ['/v1/agent/health/service/id/', { GET: agent.agentHealthById }],
  ['/v1/agent/connect/ca/roots', { GET: connect.connectCARoots }],
  ['/v1/agent/connect/ca/leaf/', { GET: connect.agentConnectCALeaf }],
  ['/v1/agent/connect/authorize', { POST: connectAuthorize.agentConnectAuthorize }],
  ['/v1/connect/ca/roots', { GET: connect.connectCARoots }],
  [
    '/v1/connect/ca/configuration',
    { GET: connect.connectCAConfigurationGet, PUT: connect.connectCAConfigurationSet },
  ],
  ['/v1/connect/intentions', { GET: intentions.intentionList, POST: intentionsLegacy.intentionCreate }],
  [
    '/v1/connect/intentions/exact',
    {
      GET: intentions.intentionGetExact,
      PUT: intentions.intentionPutExact,
      DELETE: intentions.intentionDeleteExact,
    },
  ],
  ['/v1/connect/intentions/match', { GET: intentions.intentionMatch }],
  ['/v1/connect/intentions/check', { GET: intentions.intentionCheck }],
  [
    '/v1/connect/intentions/',
    {
      GET: intentionsLegacy.intentionGetById,
      PUT: intentionsLegacy.intentionUpdateById,
      DELETE: intentionsLegacy.intentionDeleteById,
    },
  ],
  ['/v1/catalog/register', { PUT: catalog.catalogRegister }],
  ['/v1/catalog/deregister', { PUT: catalog.catalogDeregister }],
  ['/v1/catalog/datacenters', { GET: catalog.catalogDatacenters }],
  ['/v1/catalog/nodes', { GET: catalog.catalogNodes }],
  ['/v1/catalog/services', { GET: catalog.catalogServices }],
  ['/v1/catalog/service/', { GET: catalog.catalogService(false) }],
  ['/v1/catalog/connect/', { GET: catalog.catalogService(true) }],
  ['/v1/catalog/node/', { GET: catalog.catalogNode }],
  ['/v1/catalog/node-services/', { GET: catalog.catalogNodeServices }],
  ['/v1/health/node/', { GET: health.healthNode }],
  ['/v1/health/checks/', { GET: health.healthChecks }],
  ['/v1/health/state/', { GET: health.healthState }],
  ['/v1/health/service/', { GET: health.healthService(false) }],
  ['/v1/health/connect/', { GET: health.healthService(true) }],
  [
    '/v1/discovery-chain/',
    { GET: discoveryChain.discoveryChainRead, POST: discoveryChain.discoveryChainRead },
  ],
  ['/v1/kv/', { GET: kv.kvGet, PUT: kv.kvPut, DELETE: kv.kvDelete }],
  ['/v1/config', { PUT: config.configApply }],
  ['/v1/config/', { GET: config.configGet, DELETE: config.configDelete }],
  ['/v1/peering/token', { POST: peering.peeringGenerateToken }],
  ['/v1/peering/establish', { POST: peering.peeringEstablish }],
  ['/v1/peering/', { GET: peering.peeringRead, DELETE: peering.peeringDelete }],
  ['/v1/peerings', { GET: peering.peeringList }],
  ['/v1/internal/peering/trust-bundle/', { GET: trustBundles.trustBundleRead }],
  ['/v1/internal/peering/trust-bundles', { GET: trustBundles.trustBundleListByService }],
  ['/v1/status/leader', { GET: status.statusLeader }],
  ['/v1/status/peers', { GET: status.statusPeers }],
];

/** Binds the table to the server's dependencies. */
export function buildRoutes(deps: HttpDeps): Route[] {
  return TABLE.map(([path, methods]) => {
    const bound: Route['methods'] = {};
    for (const [m, fn] of Object.entries(methods) as [keyof Methods, DepsHandler][]) {
      const h: Handler = m === 'GET' ? (ctx) => consistentRead(deps, ctx, fn) : (ctx) => fn(deps, ctx);
      bound[m] = h;
    }
    return { path, prefix: path.endsWith('/'), methods: bound };
  });
}

/**
 * `?consistent` (Consul's consistency mode): the read waits behind the command log's read barrier, so it sees
 * every write committed before the request arrived, whichever server committed it. Other reads go straight on.
 */
function consistentRead(deps: HttpDeps, ctx: RequestContext, fn: DepsHandler): Promise<Reply> {
  // `?stale&consistent` is refused by the handler (parseQueryOptions); no barrier for a request that fails.
  // Not async: most reads have no barrier and should not pay for an extra promise.
  if (!ctx.flag('consistent') || ctx.flag('stale')) return fn(deps, ctx);
  return deps.readBarrier(ctx.signal).then(() => fn(deps, ctx));
}
