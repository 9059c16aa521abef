import type { ApplyResult } from '../result.js';
import type { Table } from '../table.js';

/** 240.0.0.0/4, Consul's virtual IP range: base address and number of addresses. */
const VIRTUAL_IP_BASE = 240 * 2 ** 24;
export const VIRTUAL_IP_RANGE = 2 ** 28;

interface VirtualIpSection {
  VirtualIPs: [string, number][];
  FreeVirtualIPs: number[];
  NextVirtualIP: number;
}

/**
 * Virtual IPs of service names (per peer), from 240.0.0.0/4. The catalog allocates one when a name's first
 * instance appears and frees it when the last goes. Fresh addresses are used first; an address is handed out again
 * only after its service is gone and the range is used up, so answers stay stable. Deterministic: every server
 * replaying the log allocates the same. Bounded by the range (2^28 addresses); past it, new names get none.
 */
export class VirtualIpTable implements Table<never> {
  readonly name = 'virtual-ips';
  readonly commands = [] as const;
  /** service name key (peer + name) → offset in the range */
  #byName = new Map<string, number>();
  /** Offsets of services that are gone, reusable. */
  #free: number[] = [];
  #next = 1;

  apply(): ApplyResult {
    throw new Error('virtual-ips has no commands');
  }

  allocate(snKey: string): void {
    if (this.#byName.has(snKey)) return;
    let offset: number | undefined;
    if (this.#next < VIRTUAL_IP_RANGE) {
      offset = this.#next;
      this.#next += 1;
    } else {
      offset = this.#free.shift();
    }
    if (offset !== undefined) this.#byName.set(snKey, offset);
  }

  release(snKey: string): void {
    const offset = this.#byName.get(snKey);
    if (offset === undefined) return;
    this.#byName.delete(snKey);
    this.#free.push(offset);
  }

  /** The address of a service name key, e.g. `240.0.0.3`; undefined when it has none. */
  address(snKey: string): string | undefined {
    const offset = this.#byName.get(snKey);
    if (offset === undefined) return undefined;
    const ip = VIRTUAL_IP_BASE + offset;
    return [ip >>> 24, (ip >>> 16) & 0xff, (ip >>> 8) & 0xff, ip & 0xff].join('.');
  }

  snapshot(): VirtualIpSection {
    return { VirtualIPs: [...this.#byName.entries()], FreeVirtualIPs: this.#free, NextVirtualIP: this.#next };
  }

  restore(section: unknown): void {
    const s = section as VirtualIpSection | undefined;
    this.#byName = new Map(s?.VirtualIPs ?? []);
    this.#free = [...(s?.FreeVirtualIPs ?? [])];
    this.#next = s?.NextVirtualIP ?? 1;
  }
}
