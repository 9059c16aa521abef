import type { ApiClient } from '../../../api/index.js';
import { apiGatewaySource, MeshGateway, RoutingView, type Logger } from '../../../proxy/index.js';
import { untilAborted } from '../../../lib/sleep.js';
import { errorText } from '../../command.js';
import type { Ui } from '../../ui.js';
import { splitListen } from './proxy-upstream-flag.js';

/** The `-gateway` kinds Consul knows; only `mesh` is built into Entente's proxy. */
const KNOWN_GATEWAYS = ['mesh', 'terminating', 'ingress', 'api'];

/** The flags of the `-gateway=mesh` branch of `entente connect proxy`. */
export interface GatewayFlags {
  readonly gateway: string;
  readonly service: string;
  readonly address: string;
  readonly wanAddress: string;
  readonly register: boolean;
  /** Sidecar-only flags that were set (refused with `-gateway`). */
  readonly sidecarFlagsSet: readonly string[];
}

/** Why the flags cannot start a gateway, or undefined when they can. */
export function gatewayFlagsProblem(f: GatewayFlags): string | undefined {
  if (f.gateway !== 'mesh') {
    return KNOWN_GATEWAYS.includes(f.gateway)
      ? `-gateway=${f.gateway} is not supported by Entente's built-in proxy; only -gateway=mesh is`
      : `-gateway: unknown gateway kind ${JSON.stringify(f.gateway)} (Entente's built-in proxy supports only "mesh")`;
  }
  if (f.sidecarFlagsSet.length > 0) {
    return `-gateway=mesh cannot be combined with ${f.sidecarFlagsSet.map((n) => `-${n}`).join(', ')}`;
  }
  if (f.address === '') return '-address is required with -gateway=mesh (the LAN host:port to listen on)';
  return undefined;
}

/**
 * Runs Entente's mesh gateway until `signal` aborts: listens on `-address` (port 0: the OS chooses, and that port
 * is registered), registers the `mesh-gateway` service when `-register` is given (TaggedAddresses `lan` and `wan`,
 * a TCP check on the listener), and deregisters it on shutdown.
 */
export async function runMeshGateway(
  f: GatewayFlags,
  api: ApiClient,
  ui: Ui,
  signal: AbortSignal,
  logger: Logger,
): Promise<number> {
  const lan = splitListen(f.address);
  if (typeof lan === 'string') throw new Error(`-address: ${lan}`);
  const wan = f.wanAddress === '' ? lan : splitListen(f.wanAddress);
  if (typeof wan === 'string') throw new Error(`-wan-address: ${wan}`);
  const self = await api.agent.self();
  const datacenter = (self['Config'] as { Datacenter?: string } | undefined)?.Datacenter ?? '';
  const view = new RoutingView(apiGatewaySource(api), { datacenter, logger });
  const gateway = new MeshGateway({ view, logger });
  const service = f.service === '' ? 'mesh-gateway' : f.service;
  let registered = false;
  try {
    await view.start();
    const bound = await gateway.listen(lan.port, lan.host);
    const lanAddr = { Address: lan.host, Port: bound.port };
    const wanAddr = { Address: wan.host, Port: wan.port === 0 ? bound.port : wan.port };
    ui.output(`    Gateway: mesh, service ${service}`);
    ui.output(`  Listening: ${lan.host}:${bound.port} (wan ${wanAddr.Address}:${wanAddr.Port})`);
    if (f.register) {
      await api.agent.serviceRegister({
        Kind: 'mesh-gateway',
        ID: service,
        Name: service,
        Address: lanAddr.Address,
        Port: lanAddr.Port,
        TaggedAddresses: { lan: lanAddr, wan: wanAddr },
        Check: {
          Name: 'Mesh Gateway Listening',
          TCP: `${lanAddr.Address}:${lanAddr.Port}`,
          Interval: '10s',
          DeregisterCriticalServiceAfter: '6h',
        },
      });
      registered = true;
      ui.output(`   Registered: ${service}`);
    }
    logger.info({ address: `${lan.host}:${bound.port}`, service }, 'mesh gateway listening');
    await untilAborted(signal);
    logger.info({ counters: gateway.counters() }, 'mesh gateway stopping');
    return 0;
  } finally {
    await gateway.close();
    view.close();
    if (registered) {
      await api.agent.serviceDeregister(service).catch((err: unknown) => {
        ui.error(`==> Failed to deregister ${service}: ${errorText(err)}`);
      });
    }
  }
}
