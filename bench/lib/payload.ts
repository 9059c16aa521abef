import type { Command } from '../../src/state/index.js';
/** The catalog registration every benchmark writes: one service instance with one check, as Consul clients send it. */
export interface Registration {
  Node: string;
  Address: string;
  Service: { Service: string; ID: string; Port: number; Tags: string[]; Meta: Record<string, string> };
  Check: { CheckID: string; Name: string; Status: 'passing' | 'warning' | 'critical'; ServiceID: string };
}

/**
 * Instance `i` of `service`, placed on node `node-(i % nodes)` (so `nodes` bounds the node count). Node and service
 * IDs are unique per `i`, so each call is a new instance (not an idempotent rewrite the store could skip).
 */
export function registration(
  service: string,
  i: number,
  nodes: number,
  meta: Record<string, string> = {},
): Registration {
  const n = i % nodes;
  const id = `${service}-${i}`;
  return {
    Node: `node-${n}`,
    Address: `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`,
    Service: { Service: service, ID: id, Port: 8080, Tags: ['v1'], Meta: { version: '1.0.0', ...meta } },
    Check: { CheckID: `service:${id}`, Name: `${service} health`, Status: 'passing', ServiceID: id },
  };
}

export function registrationBody(
  service: string,
  i: number,
  nodes: number,
  meta?: Record<string, string>,
): string {
  return JSON.stringify(registration(service, i, nodes, meta));
}

/** The command `PUT /v1/catalog/register` turns a registration into (see src/http/handlers/catalog.ts). */
export function registerCommand(r: Registration, datacenter: string): Command {
  return {
    Type: 'register',
    Node: { ID: '', Node: r.Node, Address: r.Address, Datacenter: datacenter, TaggedAddresses: {}, Meta: {} },
    SkipNodeUpdate: false,
    Service: {
      Kind: '',
      ID: r.Service.ID,
      Service: r.Service.Service,
      Tags: [...r.Service.Tags],
      Address: '',
      Meta: { ...r.Service.Meta },
      Port: r.Service.Port,
      Weights: { Passing: 1, Warning: 1 },
      EnableTagOverride: false,
    },
    Checks: [
      {
        Node: r.Node,
        CheckID: r.Check.CheckID,
        Name: r.Check.Name,
        Status: r.Check.Status,
        Notes: '',
        Output: '',
        ServiceID: r.Check.ServiceID,
        ServiceName: '',
        ServiceTags: [],
        Type: '',
        Interval: '',
        Timeout: '',
        ExposedPort: 0,
        Definition: {},
      },
    ],
  };
}
