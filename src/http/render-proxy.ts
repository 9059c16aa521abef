import type {
  ConnectProxyConfig,
  EnvoyExtension,
  ExposeConfig,
  MeshGatewayConfig,
  Upstream,
} from '../types/index.js';

/*
 * `Proxy` as Consul marshals it. Two shapes: the catalog's (`structs.ConnectProxyConfig`, on health, catalog and
 * node answers: `Mode`, `MeshGateway` and `Expose` always present, `TransparentProxy`/`AccessLogs` first and only
 * when set, upstreams with `DestinationType`/`Datacenter` always present) and the agent's
 * (`api.AgentServiceConnectProxyConfig`, on /v1/agent/service(s): every scalar omitted when empty).
 */

/** The catalog's `Proxy` of a service that has none (typical services). */
export const EMPTY_CATALOG_PROXY = Object.freeze({ Mode: '', MeshGateway: {}, Expose: {} });

type Json = Record<string, unknown>;

function put(out: Json, key: string, v: unknown): void {
  if (v === undefined || v === '' || v === 0 || v === false) return;
  if (Array.isArray(v) && v.length === 0) return;
  if (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0) return;
  out[key] = v;
}

function meshGateway(m: MeshGatewayConfig | undefined): Json {
  return m?.Mode ? { Mode: m.Mode } : {};
}

function expose(e: ExposeConfig | undefined): Json {
  const out: Json = {};
  put(out, 'Checks', e?.Checks);
  if (e?.Paths && e.Paths.length > 0) {
    out['Paths'] = e.Paths.map((p) => {
      const o: Json = {};
      put(o, 'ListenerPort', p.ListenerPort);
      put(o, 'Path', p.Path);
      put(o, 'LocalPathPort', p.LocalPathPort);
      put(o, 'Protocol', p.Protocol);
      put(o, 'ParsedFromCheck', p.ParsedFromCheck);
      return o;
    });
  }
  return out;
}

function extensions(list: readonly EnvoyExtension[] | undefined): EnvoyExtension[] | undefined {
  return list && list.length > 0 ? list.map((x) => ({ ...x })) : undefined;
}

function upstream(u: Upstream, agent: boolean): Json {
  const out: Json = {};
  if (agent) put(out, 'DestinationType', u.DestinationType);
  else out['DestinationType'] = u.DestinationType ?? '';
  // The agent's struct (api.Upstream) lists the partition before the namespace; the catalog's the other way.
  if (agent) put(out, 'DestinationPartition', u.DestinationPartition);
  put(out, 'DestinationNamespace', u.DestinationNamespace);
  if (!agent) put(out, 'DestinationPartition', u.DestinationPartition);
  put(out, 'DestinationPeer', u.DestinationPeer);
  out['DestinationName'] = u.DestinationName;
  if (agent) put(out, 'Datacenter', u.Datacenter);
  else out['Datacenter'] = u.Datacenter ?? '';
  put(out, 'LocalBindAddress', u.LocalBindAddress);
  put(out, 'LocalBindPort', u.LocalBindPort);
  put(out, 'LocalBindSocketPath', u.LocalBindSocketPath);
  put(out, 'LocalBindSocketMode', u.LocalBindSocketMode);
  put(out, 'Config', u.Config);
  out['MeshGateway'] = meshGateway(u.MeshGateway);
  put(out, 'CentrallyConfigured', u.CentrallyConfigured);
  return out;
}

/** `structs.ConnectProxyConfig` JSON (its MarshalJSON puts `TransparentProxy` and `AccessLogs` first). */
export function renderCatalogProxy(p: ConnectProxyConfig): Json {
  const out: Json = {};
  put(out, 'TransparentProxy', p.TransparentProxy);
  put(out, 'AccessLogs', p.AccessLogs);
  put(out, 'EnvoyExtensions', extensions(p.EnvoyExtensions));
  put(out, 'DestinationServiceName', p.DestinationServiceName);
  put(out, 'DestinationServiceID', p.DestinationServiceID);
  put(out, 'LocalServiceAddress', p.LocalServiceAddress);
  put(out, 'LocalServicePort', p.LocalServicePort);
  put(out, 'LocalServiceSocketPath', p.LocalServiceSocketPath);
  out['Mode'] = p.Mode ?? '';
  put(out, 'Config', p.Config);
  put(
    out,
    'Upstreams',
    p.Upstreams?.map((u) => upstream(u, false)),
  );
  out['MeshGateway'] = meshGateway(p.MeshGateway);
  out['Expose'] = expose(p.Expose);
  return out;
}

/** `api.AgentServiceConnectProxyConfig` JSON, as `/v1/agent/service(s)` answer it. */
export function renderAgentProxy(p: ConnectProxyConfig): Json {
  const out: Json = {};
  put(out, 'EnvoyExtensions', extensions(p.EnvoyExtensions));
  put(out, 'DestinationServiceName', p.DestinationServiceName);
  put(out, 'DestinationServiceID', p.DestinationServiceID);
  put(out, 'LocalServiceAddress', p.LocalServiceAddress);
  put(out, 'LocalServicePort', p.LocalServicePort);
  put(out, 'LocalServiceSocketPath', p.LocalServiceSocketPath);
  put(out, 'Mode', p.Mode);
  put(out, 'TransparentProxy', p.TransparentProxy);
  put(out, 'Config', p.Config);
  put(
    out,
    'Upstreams',
    p.Upstreams?.map((u) => upstream(u, true)),
  );
  out['MeshGateway'] = meshGateway(p.MeshGateway);
  out['Expose'] = expose(p.Expose);
  put(out, 'AccessLogs', p.AccessLogs);
  return out;
}
