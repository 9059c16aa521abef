import { badRequest } from '../../errors/index.js';
import type {
  AccessLogsConfig,
  ConnectProxyConfig,
  EnvoyExtension,
  ExposeConfig,
  ExposePath,
  MeshGatewayConfig,
  MeshGatewayMode,
  PeeringServiceMeta,
  ProxyMode,
  ServiceConnect,
  TransparentProxyConfig,
  Upstream,
} from '../../types/index.js';
import { MESH_GATEWAY_MODES, PROXY_MODES } from '../../types/index.js';
import type { Fields } from '../decode.js';

/*
 * Decoding of the mesh parts of a service registration (`Proxy`, `Connect`) as Consul's custom UnmarshalJSON
 * methods do it: Go field names matched without regard to case, then the snake_case aliases
 * (`destination_service_name`, `local_bind_port`, `mesh_gateway`, ...). Only members that are set are kept, so
 * the stored value is exactly what rendering needs to apply Consul's `omitempty` rules.
 */

/** Decodes `Proxy` (Consul's ConnectProxyConfig); `undefined` when absent. */
export function decodeProxyConfig(f: Fields | undefined): ConnectProxyConfig | undefined {
  if (!f) return undefined;
  const p: ConnectProxyConfig = {};
  const extensions = f.objectList('EnvoyExtensions', 'envoy_extensions').map(decodeEnvoyExtension);
  if (extensions.length > 0) p.EnvoyExtensions = extensions;
  setString(p, 'DestinationServiceName', f.string('DestinationServiceName', 'destination_service_name'));
  setString(p, 'DestinationServiceID', f.string('DestinationServiceID', 'destination_service_id'));
  setString(p, 'LocalServiceAddress', f.string('LocalServiceAddress', 'local_service_address'));
  const localPort = f.int('LocalServicePort', 'local_service_port');
  if (localPort !== 0) p.LocalServicePort = localPort;
  setString(p, 'LocalServiceSocketPath', f.string('LocalServiceSocketPath', 'local_service_socket_path'));
  const mode = proxyMode(f.string('Mode'));
  if (mode !== '') p.Mode = mode;
  const config = f.json('Config');
  if (config && Object.keys(config).length > 0) p.Config = config;
  const upstreams = f.objectList('Upstreams').map(decodeUpstream);
  if (upstreams.length > 0) p.Upstreams = upstreams;
  const mesh = decodeMeshGateway(f.object('MeshGateway', 'mesh_gateway'));
  if (mesh) p.MeshGateway = mesh;
  const expose = decodeExpose(f.object('Expose'));
  if (expose) p.Expose = expose;
  const tproxy = decodeTransparentProxy(f.object('TransparentProxy', 'transparent_proxy'));
  if (tproxy) p.TransparentProxy = tproxy;
  const logs = decodeAccessLogs(f.object('AccessLogs', 'access_logs'));
  if (logs) p.AccessLogs = logs;
  return p;
}

/**
 * `Invalid Proxy Mode: "x"`. Consul's HTTP registration stores any text here (its config-file loader refuses it);
 * Entente refuses it everywhere, since a proxy could only fail on it later.
 */
function proxyMode(text: string): ProxyMode {
  if (!(PROXY_MODES as readonly string[]).includes(text))
    throw badRequest(`Invalid Proxy Mode: ${JSON.stringify(text)}`);
  return text as ProxyMode;
}

function meshGatewayMode(text: string): MeshGatewayMode {
  if (!(MESH_GATEWAY_MODES as readonly string[]).includes(text))
    throw badRequest(`Invalid Mesh Gateway Mode: ${JSON.stringify(text)}`);
  return text as MeshGatewayMode;
}

function decodeMeshGateway(f: Fields | undefined): MeshGatewayConfig | undefined {
  const mode = meshGatewayMode(f?.string('Mode') ?? '');
  return mode === '' ? undefined : { Mode: mode };
}

function decodeUpstream(f: Fields): Upstream {
  const u: Upstream = { DestinationName: f.string('DestinationName', 'destination_name') };
  setString(u, 'DestinationType', f.string('DestinationType', 'destination_type'));
  setString(u, 'DestinationNamespace', f.string('DestinationNamespace', 'destination_namespace'));
  setString(u, 'DestinationPartition', f.string('DestinationPartition', 'destination_partition'));
  setString(u, 'DestinationPeer', f.string('DestinationPeer', 'destination_peer'));
  setString(u, 'Datacenter', f.string('Datacenter'));
  setString(u, 'LocalBindAddress', f.string('LocalBindAddress', 'local_bind_address'));
  const port = f.int('LocalBindPort', 'local_bind_port');
  if (port !== 0) u.LocalBindPort = port;
  setString(u, 'LocalBindSocketPath', f.string('LocalBindSocketPath', 'local_bind_socket_path'));
  setString(u, 'LocalBindSocketMode', f.string('LocalBindSocketMode', 'local_bind_socket_mode'));
  const config = f.json('Config');
  if (config && Object.keys(config).length > 0) u.Config = config;
  const mesh = decodeMeshGateway(f.object('MeshGateway', 'mesh_gateway'));
  if (mesh) u.MeshGateway = mesh;
  if (f.bool('CentrallyConfigured')) u.CentrallyConfigured = true;
  return u;
}

function decodeExpose(f: Fields | undefined): ExposeConfig | undefined {
  if (!f) return undefined;
  const e: ExposeConfig = {};
  if (f.bool('Checks')) e.Checks = true;
  const paths = f.objectList('Paths').map((pf) => {
    const p: ExposePath = {};
    const listener = pf.int('ListenerPort', 'listener_port');
    if (listener !== 0) p.ListenerPort = listener;
    setString(p, 'Path', pf.string('Path'));
    const local = pf.int('LocalPathPort', 'local_path_port');
    if (local !== 0) p.LocalPathPort = local;
    setString(p, 'Protocol', pf.string('Protocol'));
    if (pf.bool('ParsedFromCheck', 'parsed_from_check')) p.ParsedFromCheck = true;
    return p;
  });
  if (paths.length > 0) e.Paths = paths;
  return e.Checks === true || e.Paths ? e : undefined;
}

function decodeTransparentProxy(f: Fields | undefined): TransparentProxyConfig | undefined {
  if (!f) return undefined;
  const t: TransparentProxyConfig = {};
  const port = f.int('OutboundListenerPort', 'outbound_listener_port');
  if (port !== 0) t.OutboundListenerPort = port;
  if (f.bool('DialedDirectly', 'dialed_directly')) t.DialedDirectly = true;
  return Object.keys(t).length > 0 ? t : undefined;
}

function decodeAccessLogs(f: Fields | undefined): AccessLogsConfig | undefined {
  if (!f) return undefined;
  const a: AccessLogsConfig = {};
  if (f.bool('Enabled', 'enabled')) a.Enabled = true;
  if (f.bool('DisableListenerLogs', 'disable_listener_logs')) a.DisableListenerLogs = true;
  setString(a, 'Type', f.string('Type', 'type'));
  setString(a, 'Path', f.string('Path', 'path'));
  setString(a, 'JSONFormat', f.string('JSONFormat', 'json_format'));
  setString(a, 'TextFormat', f.string('TextFormat', 'text_format'));
  return Object.keys(a).length > 0 ? a : undefined;
}

function decodeEnvoyExtension(f: Fields): EnvoyExtension {
  return {
    Name: f.string('Name'),
    Required: f.bool('Required'),
    Arguments: f.json('Arguments') ?? {},
    ConsulVersion: f.string('ConsulVersion', 'consul_version'),
    EnvoyVersion: f.string('EnvoyVersion', 'envoy_version'),
  };
}

/**
 * Decodes `Connect` (Consul's ServiceConnect) minus `SidecarService`, which the caller expands into a registration
 * of its own. `PeerMeta` is accepted as Consul's catalog accepts it (imports carry it).
 */
export function decodeServiceConnect(f: Fields | undefined): ServiceConnect | undefined {
  if (!f) return undefined;
  const c: ServiceConnect = {};
  if (f.bool('Native')) c.Native = true;
  const pm = f.object('PeerMeta');
  if (pm) {
    const meta: PeeringServiceMeta = {};
    const sni = pm.stringList('SNI');
    if (sni.length > 0) meta.SNI = sni;
    const ids = pm.stringList('SpiffeID');
    if (ids.length > 0) meta.SpiffeID = ids;
    setString(meta, 'Protocol', pm.string('Protocol'));
    c.PeerMeta = meta;
  }
  return Object.keys(c).length > 0 ? c : undefined;
}

function setString<T extends object>(target: T, key: keyof T & string, value: string): void {
  if (value !== '') (target as Record<string, unknown>)[key] = value;
}
