import dnsPacket from 'dns-packet';
import type { DecodedPacket, RecordClass, RecordType } from 'dns-packet';
import { silentLogger } from '../../logging/index.js';
import { StateStore, type CheckInput, type Command } from '../../state/index.js';
import type { HealthStatus, ServiceKind } from '../../types/index.js';
import { parseDnsSettings } from '../dns-config.js';
import { DnsResponder } from '../responder.js';

/** Test helpers for the DNS server: a populated store and query builders. Not used by production code. */

export interface InstanceSpec {
  node: string;
  address?: string;
  peer?: string;
  service?: string;
  id?: string;
  serviceAddress?: string;
  port?: number;
  tags?: string[];
  kind?: ServiceKind;
  proxyDestination?: string;
  connectNative?: boolean;
  meta?: Record<string, string>;
  nodeTagged?: Record<string, string>;
  weights?: { Passing: number; Warning: number };
  /** Status of a service-level check (none when omitted). */
  status?: HealthStatus;
  /** Status of a node-level check (none when omitted). */
  nodeStatus?: HealthStatus;
}

function check(node: string, id: string, serviceID: string, status: HealthStatus): CheckInput {
  return {
    Node: node,
    CheckID: id,
    Name: id,
    Status: status,
    Notes: '',
    Output: '',
    ServiceID: serviceID,
    ServiceName: '',
    ServiceTags: [],
    Type: '',
    Interval: '',
    Timeout: '',
    ExposedPort: 0,
    Definition: {},
  };
}

/** A register command for one node (and optionally one service instance with checks). */
export function registerCommand(spec: InstanceSpec): Command {
  const id = spec.id ?? spec.service ?? '';
  const checks: CheckInput[] = [];
  if (spec.nodeStatus) checks.push(check(spec.node, 'node-health', '', spec.nodeStatus));
  if (spec.status && spec.service) checks.push(check(spec.node, `service:${id}`, id, spec.status));
  return {
    Type: 'register',
    Node: {
      ID: '',
      Node: spec.node,
      Address: spec.address ?? '10.0.0.1',
      Datacenter: 'dc1',
      TaggedAddresses: spec.nodeTagged ?? {},
      Meta: spec.meta ?? {},
      ...(spec.peer === undefined ? {} : { PeerName: spec.peer }),
    },
    SkipNodeUpdate: false,
    Service:
      spec.service === undefined
        ? null
        : {
            Kind: spec.kind ?? '',
            ID: id,
            Service: spec.service,
            Tags: spec.tags ?? [],
            Address: spec.serviceAddress ?? '',
            Meta: {},
            Port: spec.port ?? 8080,
            Weights: spec.weights ?? { Passing: 1, Warning: 1 },
            EnableTagOverride: false,
            ...(spec.proxyDestination === undefined
              ? {}
              : { Proxy: { DestinationServiceName: spec.proxyDestination } }),
            ...(spec.connectNative === true ? { Connect: { Native: true } } : {}),
            ...(spec.peer === undefined ? {} : { PeerName: spec.peer }),
          },
    Checks: checks,
  };
}

/** A store holding `specs`, applied at indexes 1, 2, … */
export function storeWith(specs: readonly InstanceSpec[]): StateStore {
  const store = new StateStore();
  let index = 0;
  for (const spec of specs) {
    const res = store.apply(++index, registerCommand(spec));
    if (!res.ok) throw new Error(`fixture register failed: ${res.error}`);
  }
  return store;
}

/** A responder over `store` with test defaults: dc1, node `server1`, domain `consul.`, alt domain `alt.`. */
export function responderFor(
  store: StateStore,
  dnsConfig: Record<string, unknown> = {},
  extra: { hasRecursors?: boolean; random?: () => number } = {},
): DnsResponder {
  return new DnsResponder({
    catalog: store,
    datacenter: 'dc1',
    nodeName: 'server1',
    domain: 'consul.',
    altDomain: 'alt.',
    settings: parseDnsSettings(dnsConfig),
    hasRecursors: extra.hasRecursors ?? false,
    logger: silentLogger(),
    nowSeconds: () => 1_700_000_000,
    ...(extra.random === undefined ? {} : { random: extra.random }),
  });
}

/** Encodes a query. */
export function queryPacket(
  name: string,
  type: RecordType,
  opts: { id?: number; edns?: number; klass?: RecordClass } = {},
): Buffer {
  return dnsPacket.encode({
    type: 'query',
    id: opts.id ?? 4242,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ type, name, class: opts.klass ?? 'IN' }],
    additionals:
      opts.edns === undefined
        ? []
        : [
            {
              type: 'OPT',
              name: '.',
              udpPayloadSize: opts.edns,
              extendedRcode: 0,
              ednsVersion: 0,
              flags: 0,
              flag_do: false,
              options: [],
            },
          ],
  });
}

/** Asks `responder` and decodes the reply (throws when there is none). */
export function ask(
  responder: DnsResponder,
  name: string,
  type: RecordType,
  opts: { transport?: 'udp' | 'tcp'; edns?: number; id?: number; klass?: RecordClass } = {},
): DecodedPacket {
  const out = responder.answer(queryPacket(name, type, opts), opts.transport ?? 'udp');
  if (!out) throw new Error('no reply');
  return dnsPacket.decode(out);
}

/** The rcode name of a decoded reply. */
export function rcodeOf(p: DecodedPacket): string {
  return (p as DecodedPacket & { rcode?: string }).rcode ?? 'NOERROR';
}
