import { badRequest } from '../../errors/index.js';
import type { SidecarPortLease } from '../../http/agent-local.js';

/** A service registered on this agent, as far as port allocation cares. */
export interface PortHolder {
  readonly ID: string;
  readonly Port: number;
}

export interface SidecarPortRangeOptions {
  /** `ports.sidecar_min_port` / `sidecar_max_port`, inclusive; either < 1 disables automatic ports. */
  readonly minPort: number;
  readonly maxPort: number;
  /** The services registered on this agent now (read from the catalog at each reservation). */
  readonly localServices: () => Iterable<PortHolder>;
}

/**
 * Gives sidecars registered without a port one from `ports.sidecar_min_port`–`sidecar_max_port` (Consul's
 * `sidecarPortFromServiceIDLocked`): the port the sidecar already has when it is in the range, else the lowest port
 * of the range no local service uses and no registration in flight has reserved.
 *
 * Atomic: {@link reserve} is synchronous, and the port stays reserved until the lease is released, which the caller
 * does once the registration is committed (the port is then in the catalog) or has failed. So concurrent
 * registrations never get the same port. Bounded by the range: when every port is used or reserved, a reservation
 * is refused with Consul's error, and nothing is queued.
 */
export class SidecarPortRange {
  readonly #o: SidecarPortRangeOptions;
  /** Reserved port → the lease holding it. */
  readonly #reserved = new Map<number, object>();

  constructor(o: SidecarPortRangeOptions) {
    this.#o = o;
  }

  /** Ports reserved by registrations in flight. */
  get reserved(): number {
    return this.#reserved.size;
  }

  /** Reserves a port for `sidecarId` (its own if it has one in the range). Throws a 400 error when none is left. */
  reserve(sidecarId: string): SidecarPortLease {
    const { minPort, maxPort } = this.#o;
    if (minPort < 1 || maxPort < 1) {
      throw badRequest('no port provided for sidecar_service and auto-assignment disabled in config');
    }
    const used = new Set<number>(this.#reserved.keys());
    for (const s of this.#o.localServices()) {
      if (s.Port < minPort || s.Port > maxPort) continue;
      // Re-registering keeps the port (another registration of the same sidecar in flight may share it).
      if (s.ID === sidecarId) return this.#lease(s.Port);
      used.add(s.Port);
    }
    for (let p = minPort; p <= maxPort; p++) if (!used.has(p)) return this.#lease(p);
    throw badRequest(
      `no port provided for sidecar_service and none left in the configured range [${minPort}, ${maxPort}]`,
    );
  }

  #lease(port: number): SidecarPortLease {
    const token = {};
    if (!this.#reserved.has(port)) this.#reserved.set(port, token);
    return {
      port,
      release: () => {
        if (this.#reserved.get(port) === token) this.#reserved.delete(port);
      },
    };
  }
}
