import type { ServiceInput } from '../../state/index.js';
import type { ConnectProxyConfig } from '../../types/index.js';
import type { AgentCheckDefinition } from '../agent-local.js';
import { Fields } from '../decode.js';
import type { SidecarDefinitionFacts } from './service-validation.js';
import { decodeAgentCheck, decodeService } from './structs.js';

/** Consul's `structs.SidecarProxySuffix`. */
export const SIDECAR_SUFFIX = '-sidecar-proxy';

/** What a sidecar registration needs to know about this agent. */
export interface SidecarContext {
  node: string;
  /**
   * A port of the sidecar range for the sidecar registered without one (AgentLocal.reserveSidecarPort); the
   * caller holds the lease until the registration is committed. Throws Consul's 400 when none is left.
   */
  reservePort(sidecarId: string): number;
}

/**
 * Expands `Connect.SidecarService` of an agent registration into the sidecar proxy registration Consul makes
 * (`agent/sidecar_service.go`): ID `<parent ID>-sidecar-proxy`, name `<parent name>-sidecar-proxy`, kind
 * `connect-proxy`, tags, meta and address inherited when not given, `Proxy.DestinationServiceName/ID` and the local
 * service address (127.0.0.1) and port filled, a port from the sidecar range when none is given (reserved through
 * `ctx.reservePort`: the one this sidecar already has, or the lowest free one), and, when the definition has no checks, Consul's two default checks: a TCP
 * check "Connect Sidecar Listening" on the proxy port every 10 s and an alias check "Connect Sidecar Aliasing <parent
 * ID>". Answers `undefined` when the registration has no sidecar.
 */
export function sidecarRegistration(
  parent: ServiceInput,
  connect: Fields | undefined,
  ctx: SidecarContext,
  decodePrefix: string,
): { service: ServiceInput; checks: AgentCheckDefinition[] } | undefined {
  const sf = sidecarDefinition(connect);
  if (!sf) return undefined;
  const decoded = decodeService(sf, { nameKey: 'Name' });
  const id = parent.ID + SIDECAR_SUFFIX;
  const proxy: ConnectProxyConfig = { ...(decoded.Proxy ?? {}) };
  proxy.DestinationServiceName ||= parent.Service;
  proxy.DestinationServiceID ||= parent.ID;
  const localAddr = proxy.LocalServiceAddress ?? '';
  const localPort = proxy.LocalServicePort ?? 0;
  if (!proxy.LocalServiceSocketPath && (localAddr === '' || localPort < 1)) {
    if (parent.SocketPath) {
      proxy.LocalServiceSocketPath = parent.SocketPath;
    } else {
      if (localAddr === '') proxy.LocalServiceAddress = '127.0.0.1';
      if (localPort < 1 && parent.Port !== 0) proxy.LocalServicePort = parent.Port;
    }
  }
  const service: ServiceInput = {
    ...decoded,
    Kind: decoded.Kind === '' ? 'connect-proxy' : decoded.Kind,
    ID: id,
    Service: decoded.Service || parent.Service + SIDECAR_SUFFIX,
    Address: decoded.Address || parent.Address,
    Tags: decoded.Tags.length > 0 ? decoded.Tags : [...parent.Tags],
    Meta: Object.keys(decoded.Meta).length > 0 ? decoded.Meta : { ...parent.Meta },
    Port: decoded.Port > 0 ? decoded.Port : ctx.reservePort(id),
    Proxy: proxy,
  };
  const given = [...(sf.object('Check') ? [sf.object('Check') as Fields] : []), ...sf.objectList('Checks')];
  const checkFields =
    given.length > 0 ? given : defaultCheckFields(service, proxy.LocalServiceAddress ?? '', decodePrefix);
  const checks = checkFields.map((cf, n) =>
    decodeAgentCheck(cf, {
      node: ctx.node,
      serviceID: id,
      serviceName: service.Service,
      defaultId: checkFields.length === 1 ? `service:${id}` : `service:${id}:${n + 1}`,
      defaultName: `Service '${service.Service}' check`,
    }),
  );
  for (const c of checks) c.check.ServiceID = id;
  return { service, checks };
}

/** `Connect.SidecarService` (or Consul's snake_case `sidecar_service`) of a registration, if it has one. */
export function sidecarDefinition(connect: Fields | undefined): Fields | undefined {
  return connect?.object('SidecarService', 'sidecar_service');
}

/** What validation needs to know of a registration's nested sidecar definition (before it is expanded). */
export function sidecarFacts(connect: Fields | undefined): SidecarDefinitionFacts {
  const sf = sidecarDefinition(connect);
  if (!sf) return { present: false, hasId: false, nested: false };
  return {
    present: true,
    hasId: sf.string('ID') !== '',
    nested: sidecarDefinition(sf.object('Connect')) !== undefined,
  };
}

/** Consul's `sidecarDefaultChecks`, as check definitions to decode like any other. */
function defaultCheckFields(sidecar: ServiceInput, localServiceAddress: string, prefix: string): Fields[] {
  const host = sidecar.Address || localServiceAddress;
  const addr = host.includes(':') ? `[${host}]:${sidecar.Port}` : `${host}:${sidecar.Port}`;
  const parentID = sidecar.ID.slice(0, -SIDECAR_SUFFIX.length);
  return [
    new Fields({ Name: 'Connect Sidecar Listening', TCP: addr, Interval: '10s' }, 'Check', prefix),
    new Fields({ Name: `Connect Sidecar Aliasing ${parentID}`, AliasService: parentID }, 'Check', prefix),
  ];
}
