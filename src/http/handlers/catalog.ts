import { badRequest } from '../../errors/index.js';
import { formatMultiError } from '../../lib/go/multierror.js';
import type { CheckInput, NodeInput, ServiceInput, WatchSet } from '../../state/index.js';
import { parseQueryOptions, type RequestContext } from '../context.js';
import { Fields } from '../decode.js';
import type { HttpDeps } from '../deps.js';
import { applyFilter } from '../filter.js';
import { renderNode, renderNodeService, renderServiceNode } from '../render.js';
import { json, type Reply } from '../reply.js';
import { block, cachedJson, commit, nodeMetaFilter, tagFilter } from './common.js';
import { validateNodeService } from './service-validation.js';
import { decodeService, isAnyAddress, parseStatus, validateMeta } from './structs.js';

const DECODE = 'Request decode failed';

/** PUT /v1/catalog/register */
export async function catalogRegister(deps: HttpDeps, ctx: RequestContext): Promise<Reply> {
  const f = new Fields(await ctx.json(DECODE), 'RegisterRequest', DECODE);
  const dc = f.string('Datacenter');
  if (dc !== '' && dc !== deps.info.datacenter) throw badRequest('No path to datacenter');
  const nodeName = f.string('Node');
  const address = f.string('Address');
  const skipNodeUpdate = f.bool('SkipNodeUpdate');
  // Consul's rules: a node name always; an address unless the node record is to be left alone. With
  // SkipNodeUpdate an existing node is not touched, and a missing one is created from what the request carries.
  if (nodeName === '') throw badRequest('Must provide node');
  if (address === '' && !skipNodeUpdate)
    throw badRequest('Must provide address if SkipNodeUpdate is not set');
  const id = f.string('ID');
  if (id !== '' && !isUuid(id)) throw badRequest(`Invalid node ID: ${id}`);
  const node: NodeInput = {
    ID: id.toLowerCase(),
    Node: nodeName,
    Address: address,
    Datacenter: deps.info.datacenter,
    TaggedAddresses: f.stringMap('TaggedAddresses'),
    Meta: f.stringMap('NodeMeta'),
  };
  validateMeta(node.Meta);
  let service: ServiceInput | null = null;
  const sf = f.object('Service');
  if (sf) {
    service = decodeService(sf, { nameKey: 'Service' });
    if (service.Service === '')
      throw badRequest('Must provide service name (Service.Service) with Service.ID');
    if (isAnyAddress(service.Address)) throw badRequest('Invalid service address');
    const problems = validateNodeService(service);
    // Consul's catalog answers these with a 500 (an RPC error); they are the client's mistake: 400, same text.
    if (problems.length > 0) throw badRequest(formatMultiError(problems));
  }
  const checks: CheckInput[] = [];
  const checkFields = [
    ...(f.object('Check') ? [f.object('Check') as Fields] : []),
    ...f.objectList('Checks'),
  ];
  for (const cf of checkFields) {
    const checkNode = cf.string('Node');
    if (checkNode !== '' && checkNode !== nodeName) {
      throw badRequest(`Health check node '${checkNode}' does not match node '${nodeName}'`);
    }
    const name = cf.string('Name');
    const checkId = cf.string('CheckID') || name;
    if (checkId === '') throw badRequest('Missing check ID or name');
    const def = cf.object('Definition');
    const definition: Record<string, unknown> = {};
    if (def) {
      for (const k of [
        'HTTP',
        'Method',
        'Body',
        'TLSServerName',
        'TCP',
        'UDP',
        'GRPC',
        'Interval',
        'Timeout',
        'DeregisterCriticalServiceAfter',
      ]) {
        const v =
          k === 'Interval' || k === 'Timeout' || k === 'DeregisterCriticalServiceAfter'
            ? def.durationText(k)
            : def.string(k);
        if (v !== '') definition[k] = v;
      }
      if (def.bool('TLSSkipVerify')) definition['TLSSkipVerify'] = true;
    }
    checks.push({
      Node: nodeName,
      CheckID: checkId,
      Name: name || checkId,
      Status: parseStatus(cf.string('Status'), 'critical'),
      Notes: cf.string('Notes'),
      Output: cf.string('Output'),
      ServiceID: cf.string('ServiceID'),
      ServiceName: '',
      ServiceTags: [],
      Type: cf.string('Type'),
      Interval:
        cf.durationText('Interval') ||
        (typeof definition['Interval'] === 'string' ? definition['Interval'] : ''),
      Timeout:
        cf.durationText('Timeout') ||
        (typeof definition['Timeout'] === 'string' ? definition['Timeout'] : ''),
      ExposedPort: cf.int('ExposedPort'),
      Definition: definition,
    });
  }
  await commit(deps, {
    Type: 'register',
    Node: node,
    SkipNodeUpdate: skipNodeUpdate,
    Service: service,
    Checks: checks,
  });
  return json(true);
}

/** PUT /v1/catalog/deregister */
export async function catalogDeregister(deps: HttpDeps, ctx: RequestContext): Promise<Reply> {
  const f = new Fields(await ctx.json(DECODE), 'DeregisterRequest', DECODE);
  const dc = f.string('Datacenter');
  if (dc !== '' && dc !== deps.info.datacenter) throw badRequest('No path to datacenter');
  const node = f.string('Node');
  if (node === '') throw badRequest('Must provide node');
  await commit(deps, {
    Type: 'deregister',
    PeerName: '',
    Node: node,
    ServiceID: f.string('ServiceID'),
    CheckID: f.string('CheckID'),
  });
  return json(true);
}

/** GET /v1/catalog/datacenters */
export function catalogDatacenters(deps: HttpDeps): Promise<Reply> {
  return Promise.resolve(json([deps.info.datacenter]));
}

/** GET /v1/catalog/nodes */
export async function catalogNodes(deps: HttpDeps, ctx: RequestContext): Promise<Reply> {
  const q = parseQueryOptions(ctx, deps.info.datacenter);
  const meta = nodeMetaFilter(ctx);
  const r = await block(deps, ctx, q.minIndex, q.waitMs, (ws) => deps.store.nodes(ws, q.peer));
  return cachedJson(deps, ctx, r.index, () =>
    applyFilter(r.value.filter((n) => meta(n.Meta)).map(renderNode), q.filter, 'node'),
  );
}

/** GET /v1/catalog/services: name → distinct tags. */
export async function catalogServices(deps: HttpDeps, ctx: RequestContext): Promise<Reply> {
  const q = parseQueryOptions(ctx, deps.info.datacenter);
  const meta = nodeMetaFilter(ctx);
  const r = await block(deps, ctx, q.minIndex, q.waitMs, (ws) => {
    // A filter may select on node fields, which move the nodes index, not the services one.
    const res = deps.store.services(ws, q.peer);
    return q.filter === '' ? res : { ...res, index: Math.max(res.index, deps.store.nodes(ws, q.peer).index) };
  });
  return cachedJson(deps, ctx, r.index, () => {
    let instances = r.value.filter((i) => meta(i.node.Meta));
    if (q.filter !== '') {
      const rows = instances.map((i) => renderServiceNode(i.node, i.service));
      const kept = new Set(applyFilter(rows, q.filter, 'serviceNode'));
      instances = instances.filter((_, n) => kept.has(rows[n] as Record<string, unknown>));
    }
    const out = new Map<string, Set<string>>();
    for (const { service } of instances) {
      let tags = out.get(service.Service);
      if (!tags) out.set(service.Service, (tags = new Set()));
      for (const t of service.Tags) tags.add(t);
    }
    const body: Record<string, string[]> = {};
    for (const name of [...out.keys()].sort()) body[name] = [...(out.get(name) ?? [])].sort();
    return body;
  });
}

/** GET /v1/catalog/service/:name and /v1/catalog/connect/:name */
export function catalogService(connect: boolean) {
  return async (deps: HttpDeps, ctx: RequestContext): Promise<Reply> => {
    const q = parseQueryOptions(ctx, deps.info.datacenter);
    const name = ctx.rest;
    if (name === '') throw badRequest('Missing service name');
    const tags = tagFilter(ctx);
    const meta = nodeMetaFilter(ctx);
    const r = await block(deps, ctx, q.minIndex, q.waitMs, (ws) =>
      connect ? connectInstances(deps, ws, q.peer, name) : deps.store.serviceInstances(ws, q.peer, name),
    );
    return cachedJson(deps, ctx, r.index, () => {
      const rows = r.value
        .filter((i) => tags(i.service.Tags) && meta(i.node.Meta))
        .map((i) => renderServiceNode(i.node, i.service));
      return applyFilter(rows, q.filter, 'serviceNode');
    });
  };
}

/** Mesh-capable instances of a service: its sidecar proxies and Connect-native instances. */
export function connectInstances(
  deps: HttpDeps,
  ws: WatchSet,
  peer: string,
  name: string,
): ReturnType<HttpDeps['store']['serviceInstances']> {
  const native = deps.store.serviceInstances(ws, peer, name);
  const all = deps.store.services(ws, peer);
  const proxies = all.value.filter(
    (i) => i.service.Kind === 'connect-proxy' && i.service.Proxy?.['DestinationServiceName'] === name,
  );
  // A proxy's health and node changes move its own service's index, not `services`: read those too, so the
  // answer's index (blocking queries, the response cache) moves with them.
  let index = Math.max(native.index, all.index);
  for (const proxyName of new Set(proxies.map((i) => i.service.Service))) {
    index = Math.max(index, deps.store.serviceInstances(ws, peer, proxyName).index);
  }
  const value = [...native.value.filter((i) => i.service.Connect?.['Native'] === true), ...proxies];
  return { index, value };
}

/** GET /v1/catalog/node/:node → {Node, Services: {id: NodeService}} or null. */
export async function catalogNode(deps: HttpDeps, ctx: RequestContext): Promise<Reply> {
  const q = parseQueryOptions(ctx, deps.info.datacenter);
  if (ctx.rest === '') throw badRequest('Missing node name');
  const r = await block(deps, ctx, q.minIndex, q.waitMs, (ws) =>
    deps.store.nodeServices(ws, q.peer, ctx.rest),
  );
  const found = r.value;
  if (!found) return json(null, r.index);
  return cachedJson(deps, ctx, r.index, () => {
    const services = applyFilter(found.services.map(renderNodeService), q.filter, 'nodeService');
    const map: Record<string, unknown> = {};
    for (const s of services) map[String(s['ID'])] = s;
    return { Node: renderNode(found.node), Services: map };
  });
}

/** GET /v1/catalog/node-services/:node → {Node, Services: [NodeService]}. */
export async function catalogNodeServices(deps: HttpDeps, ctx: RequestContext): Promise<Reply> {
  const q = parseQueryOptions(ctx, deps.info.datacenter);
  if (ctx.rest === '') throw badRequest('Missing node name');
  const r = await block(deps, ctx, q.minIndex, q.waitMs, (ws) =>
    deps.store.nodeServices(ws, q.peer, ctx.rest),
  );
  const found = r.value;
  if (!found) return { status: 404, raw: `Node "${ctx.rest}" not found`, index: r.index };
  return cachedJson(deps, ctx, r.index, () => ({
    Node: renderNode(found.node),
    Services: applyFilter(found.services.map(renderNodeService), q.filter, 'nodeService'),
  }));
}

function isUuid(s: string): boolean {
  return /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(s);
}
