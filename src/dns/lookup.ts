import type { HealthCheck, Node, NodeService } from '../types/index.js';

/** One service instance with its node, as the catalog returns it. */
export interface Instance {
  readonly node: Node;
  readonly service: NodeService;
}

/**
 * What the DNS server reads from the state store: only these calls, so tests and other backends can stand in
 * (conventions §3, "interfaces live with the consumer"). `StateStore` satisfies it.
 */
export interface DnsCatalog {
  serviceInstances(ws: undefined, peer: string, name: string): { index: number; value: Instance[] };
  services(ws: undefined, peer: string): { index: number; value: Instance[] };
  node(ws: undefined, peer: string, name: string): { index: number; value: Node | null };
  instanceChecks(node: Node, serviceID: string): HealthCheck[];
  virtualIp(peer: string, name: string): string | undefined;
}

/**
 * Consul's `CheckServiceNodes.Filter(onlyPassing)`: an instance with any critical check (node-level or its own) is
 * never answered; with `only_passing`, any check that is not passing removes it too.
 */
export function isHealthy(checks: readonly HealthCheck[], onlyPassing: boolean): boolean {
  for (const c of checks) {
    if (c.Status === 'critical') return false;
    if (onlyPassing && c.Status !== 'passing') return false;
  }
  return true;
}

/**
 * The SRV weight of an instance (Consul's `findWeight`): `Weights.Warning` when its worst check warns, else
 * `Weights.Passing` (critical instances never get here).
 */
export function srvWeight(instance: Instance, checks: readonly HealthCheck[]): number {
  let warning = false;
  for (const c of checks) {
    if (c.ServiceName !== '' && c.ServiceName !== instance.service.Service) continue;
    if (c.Status === 'warning') warning = true;
  }
  const w = warning ? instance.service.Weights.Warning : instance.service.Weights.Passing;
  return Math.max(0, Math.min(0xffff, Math.trunc(w)));
}

/** An instance that passed the health filter, with the checks used to weight it. */
export interface HealthyInstance extends Instance {
  readonly checks: readonly HealthCheck[];
}

function hasTag(service: NodeService, tag: string): boolean {
  for (const t of service.Tags) if (t.toLowerCase() === tag) return true;
  return false;
}

/** Healthy instances of `name` (optionally with `tag`, compared without case) from the local catalog or a peer's. */
export function healthyServiceInstances(
  catalog: DnsCatalog,
  peer: string,
  name: string,
  tag: string | null,
  onlyPassing: boolean,
): HealthyInstance[] {
  const out: HealthyInstance[] = [];
  for (const inst of catalog.serviceInstances(undefined, peer, name).value) {
    if (tag !== null && !hasTag(inst.service, tag)) continue;
    const checks = catalog.instanceChecks(inst.node, inst.service.ID);
    if (isHealthy(checks, onlyPassing)) out.push({ ...inst, checks });
  }
  return out;
}

/**
 * Mesh-capable instances for `<service>.connect`: `connect-proxy` services whose `Proxy.DestinationServiceName` is
 * the service, plus Connect-native instances of the service itself (Consul's `CheckConnectServiceNodes`).
 *
 * NOTE: this scans every local instance; the store has no destination index yet.
 */
export function healthyConnectInstances(
  catalog: DnsCatalog,
  name: string,
  onlyPassing: boolean,
): HealthyInstance[] {
  const wanted = name.toLowerCase();
  const out: HealthyInstance[] = [];
  for (const inst of catalog.services(undefined, '').value) {
    const svc = inst.service;
    let match = false;
    if (svc.Kind === 'connect-proxy') {
      const dest = svc.Proxy?.['DestinationServiceName'];
      match = typeof dest === 'string' && dest.toLowerCase() === wanted;
    } else if (svc.Kind === '' && svc.Connect?.['Native'] === true) {
      match = svc.Service.toLowerCase() === wanted;
    }
    if (!match) continue;
    const checks = catalog.instanceChecks(inst.node, svc.ID);
    if (isHealthy(checks, onlyPassing)) out.push({ ...inst, checks });
  }
  return out;
}

/** Fisher–Yates shuffle in place: answers are served in a different order on every query (Consul shuffles too). */
export function shuffle<T>(items: T[], random: () => number = Math.random): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const a = items[i] as T;
    items[i] = items[j] as T;
    items[j] = a;
  }
  return items;
}
