/**
 * How the HTTP API reports Consul listeners that Entente does not have: the server RPC port (Consul's 8300) and
 * Serf's LAN and WAN gossip ports (8301, 8302). Entente servers form no LAN/WAN clusters (each server is its own
 * cluster; clusters connect by peering), so nothing listens there and no response may name one of those ports.
 *
 * What keeps Consul's clients working without advertising a listener:
 * - integer port fields that Consul reports as -1 when a listener is disabled (`DebugConfig.ServerPort`,
 *   `SerfPortLAN`, `SerfPortWAN`, like `GRPCPort`) say {@link DISABLED_PORT};
 * - `host:port` addresses and unsigned fields (the Go client decodes `AgentMember.Port` as uint16, so -1 would
 *   break it) carry {@link NO_PORT}: port 0 is never connectable, and `net.SplitHostPort` still parses the address;
 * - `DebugConfig.SerfAdvertiseAddrLAN` stays a `tcp://` address (the Go client's `Join` test slices the prefix off
 *   and would panic on `""`), with port 0; joining it is a no-op success, as Consul answers an agent joining
 *   itself, and any other join is refused with a message that says why.
 * - WAN Serf addresses are `""`, as Consul reports them with `ports.serf_wan = -1`.
 */

/** Consul's value for a disabled listener's port in `DebugConfig`. */
export const DISABLED_PORT = -1;

/** The port in addresses and unsigned port fields of listeners that do not exist: never connectable. */
export const NO_PORT = 0;

/** `host:0`: this server's address where Consul would give its server RPC address (`/v1/status/leader`). */
export function serverRpcAddress(host: string): string {
  return `${host}:${NO_PORT}`;
}
