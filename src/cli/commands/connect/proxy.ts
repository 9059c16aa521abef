import type { ApiClient, Upstream } from '../../../api/index.js';
import {
  createProxyLogger,
  RegisterMonitor,
  SidecarProxy,
  staticProxyConfig,
  type Logger,
  type ProxySource,
} from '../../../proxy/index.js';
import { untilAborted } from '../../../lib/sleep.js';
import { defineCommand, errorText, EXIT_ERROR } from '../../command.js';
import type { Ui } from '../../ui.js';
import { gatewayFlagsProblem, runMeshGateway, type GatewayFlags } from './proxy-gateway.js';
import { parseUpstreamFlag, splitListen } from './proxy-upstream-flag.js';

/** `-log-level` values (Consul's hclog names) → pino levels. */
const LOG_LEVELS: Readonly<Record<string, 'trace' | 'debug' | 'info' | 'warn' | 'error'>> = {
  trace: 'trace',
  debug: 'debug',
  info: 'info',
  warn: 'warn',
  err: 'error',
  error: 'error',
};

/**
 * `LookupProxyIDForSidecar`: the one `connect-proxy` on the agent whose `Proxy.DestinationServiceID` is
 * `sidecarFor`, with Consul's messages when there is none or more than one.
 */
export async function lookupProxyIdForSidecar(client: ApiClient, sidecarFor: string): Promise<string> {
  let services;
  try {
    services = await client.agent.services();
  } catch (err) {
    throw new Error(`Failed looking up sidecar proxy info for ${sidecarFor}: ${errorText(err)}`);
  }
  const ids = Object.values(services)
    .filter((s) => s.Kind === 'connect-proxy' && s.Proxy?.DestinationServiceID?.toLowerCase() === sidecarFor)
    .map((s) => s.ID);
  if (ids.length === 0) throw new Error(`No sidecar proxy registered for ${sidecarFor}`);
  if (ids.length > 1)
    throw new Error(
      `More than one sidecar proxy registered for ${sidecarFor}.\n` +
        `    Start proxy with -proxy-id and one of the following IDs: ${ids.join(', ')}`,
    );
  return ids[0] ?? '';
}

interface Flags {
  readonly proxyId: { value: string };
  readonly sidecarFor: { value: string };
  readonly logLevel: { value: string };
  readonly logJson: { value: boolean };
  readonly pprofAddr: { value: string };
  readonly service: { value: string };
  readonly upstreams: { value: readonly string[] };
  readonly serviceAddr: { value: string };
  readonly listen: { value: string };
  readonly register: { value: boolean };
  readonly registerId: { value: string };
  readonly gateway: { value: string };
  readonly address: { value: string };
  readonly wanAddress: { value: string };
}

/** The gateway branch's flags, with the sidecar-only flags that were set (they are refused with -gateway). */
function gatewayFlags(flags: Flags): GatewayFlags {
  const sidecarOnly: [string, boolean][] = [
    ['proxy-id', flags.proxyId.value !== ''],
    ['sidecar-for', flags.sidecarFor.value !== ''],
    ['upstream', flags.upstreams.value.length > 0],
    ['listen', flags.listen.value !== ''],
    ['service-addr', flags.serviceAddr.value !== ''],
    ['register-id', flags.registerId.value !== ''],
  ];
  return {
    gateway: flags.gateway.value,
    service: flags.service.value,
    address: flags.address.value,
    wanAddress: flags.wanAddress.value,
    register: flags.register.value,
    sidecarFlagsSet: sidecarOnly.filter(([, set]) => set).map(([name]) => name),
  };
}

async function sourceFor(
  flags: Flags,
  env: Readonly<Record<string, string | undefined>>,
  client: ApiClient,
  ui: Ui,
): Promise<{ source: ProxySource; listen?: { host: string; port: number } }> {
  const proxyId = flags.proxyId.value !== '' ? flags.proxyId.value : (env['CONNECT_PROXY_ID'] ?? '');
  const sidecarFor =
    flags.sidecarFor.value !== '' ? flags.sidecarFor.value : (env['CONNECT_SIDECAR_FOR'] ?? '');
  if (proxyId !== '') {
    ui.output('    Configuration mode: Agent API');
    ui.output(`          Proxy ID: ${proxyId}`);
    return { source: { kind: 'registration', proxyId } };
  }
  if (sidecarFor !== '') {
    const id = await lookupProxyIdForSidecar(client, sidecarFor);
    ui.output('    Configuration mode: Agent API');
    ui.output(`    Sidecar for ID: ${sidecarFor}`);
    ui.output(`          Proxy ID: ${id}`);
    return { source: { kind: 'registration', proxyId: id } };
  }
  if (flags.service.value === '')
    throw new Error('-service or -proxy-id must be specified so that proxy can configure itself.');
  ui.output('    Configuration mode: Flags');
  ui.output(`           Service: ${flags.service.value}`);
  const byName = new Map<string, Upstream>();
  for (const raw of flags.upstreams.value) {
    const u = parseUpstreamFlag(raw);
    if (typeof u === 'string') throw new Error(u);
    byName.set(u.DestinationName, u);
  }
  const upstreams = [...byName.keys()].sort().map((k) => byName.get(k) as Upstream);
  for (const u of upstreams)
    ui.output(
      `          Upstream: ${u.DestinationName} => ${u.LocalBindAddress ?? ''}:${u.LocalBindPort ?? 0}`,
    );
  let listen: { host: string; port: number } | undefined;
  let serviceAddr: { host: string; port: number } | undefined;
  if (flags.listen.value !== '') {
    const l = splitListen(flags.listen.value);
    if (typeof l === 'string') throw new Error(l);
    if (flags.serviceAddr.value === '')
      throw new Error(
        '-service-addr must be specified with -listen so the proxy knows the backend service address.',
      );
    const a = splitListen(flags.serviceAddr.value);
    if (typeof a === 'string') throw new Error(a);
    listen = l;
    serviceAddr = a;
    ui.output(`   Public listener: ${l.host}:${l.port} => ${flags.serviceAddr.value}`);
  } else ui.output('   Public listener: Disabled');
  const self = await client.agent.self();
  const datacenter = (self['Config'] as { Datacenter?: string } | undefined)?.Datacenter ?? '';
  const config = staticProxyConfig({
    service: flags.service.value,
    upstreams,
    datacenter,
    ...(listen === undefined ? {} : { listen }),
    ...(serviceAddr === undefined ? {} : { serviceAddr }),
  });
  return { source: { kind: 'static', config }, ...(listen === undefined ? {} : { listen }) };
}

async function registerIfAsked(
  flags: Flags,
  listen: { host: string; port: number } | undefined,
  client: ApiClient,
  logger: Logger,
): Promise<RegisterMonitor | undefined> {
  if (!flags.register.value) return undefined;
  if (flags.service.value === '' || listen === undefined)
    throw new Error('-register may only be specified with -service and -listen');
  const monitor = new RegisterMonitor({
    client,
    logger,
    service: flags.service.value,
    idSuffix: flags.registerId.value,
    address: listen.host,
    port: listen.port,
  });
  await monitor.start();
  return monitor;
}

/**
 * `entente connect proxy` (Consul `command/connect/proxy`): Entente's built-in sidecar proxy, configured from
 * the agent (`-sidecar-for`, `-proxy-id`) or from flags (`-service`, `-upstream`, `-listen`, `-service-addr`,
 * `-register`). Runs until interrupted. See src/proxy/README.md for what it does and does not do.
 */
export const connectProxy = defineCommand<Flags>({
  synopsis: 'Runs a Consul Connect proxy',
  usage: `
Usage: entente connect proxy [options]

  Starts Entente's built-in Connect proxy and runs until an interrupt is
  received. The proxy can accept inbound mTLS connections for a service,
  authorize them with intentions and forward them to the local application,
  and carry outbound connections of the application to its upstreams.

  Run it as the sidecar of a service registered with Connect.SidecarService:

    $ entente connect proxy -sidecar-for web

  Or from flags, for service "frontend" with upstream "db" on port 8181:

    $ entente connect proxy -service frontend -upstream db:8181

  A public listener on :8443 forwarding to the application on 8080:

    $ entente connect proxy -service frontend \\
        -service-addr 127.0.0.1:8080 -listen ':8443'

  A mesh gateway, registered with the agent, routing by SNI without
  terminating TLS:

    $ entente connect proxy -gateway=mesh -register -service mesh-gateway \\
        -address 10.0.0.5:8443 -wan-address 198.51.100.7:443
`,
  http: 'client+server',
  flags: (fs) => ({
    proxyId: fs.string('proxy-id', '', "The proxy's ID on the local agent."),
    sidecarFor: fs.string(
      'sidecar-for',
      '',
      'The ID of a service instance on the local agent that this proxy should become a sidecar for. It ' +
        'requires that the proxy service is registered with the agent as a connect-proxy with ' +
        'Proxy.DestinationServiceID set to this value. If more than one such proxy is registered it will fail.',
    ),
    logLevel: fs.string('log-level', 'INFO', 'Specifies the log level.'),
    logJson: fs.bool('log-json', false, 'Output logs in JSON format.'),
    pprofAddr: fs.string(
      'pprof-addr',
      '',
      'Not supported by Entente (there is no Go pprof); any value is refused. Use node --inspect instead.',
    ),
    service: fs.string('service', '', 'Name of the service this proxy is representing.'),
    upstreams: fs.list(
      'upstream',
      "Upstream service to support connecting to. The format should be 'name:addr', such as 'db:8181'. This " +
        "will make 'db' available on port 8181. This can be repeated multiple times.",
    ),
    serviceAddr: fs.string(
      'service-addr',
      '',
      'Address of the local service to proxy. Only useful if -listen and -service are both set.',
    ),
    listen: fs.string(
      'listen',
      '',
      'Address to listen for inbound connections to the proxied service. Must be specified with -service and ' +
        '-service-addr.',
    ),
    register: fs.bool(
      'register',
      false,
      'Self-register with the local Consul agent. Only useful with -listen.',
    ),
    registerId: fs.string(
      'register-id',
      '',
      'ID suffix for the service. Use this to disambiguate with other proxies.',
    ),
    gateway: fs.string(
      'gateway',
      '',
      'Run a gateway instead of a sidecar. Only "mesh" is supported by the built-in proxy (terminating, ' +
        'ingress and api gateways are refused).',
    ),
    address: fs.string(
      'address',
      '',
      'With -gateway=mesh: the LAN host:port to listen on and register (port 0: the OS chooses).',
    ),
    wanAddress: fs.string(
      'wan-address',
      '',
      'With -gateway=mesh: the WAN host:port peers dial, registered as the wan tagged address (default: -address).',
    ),
  }),
  run: async ({ flags, args, ui, signal, ctx, client }) => {
    if (args.length > 0) {
      ui.error('Should have no non-flag arguments.');
      return EXIT_ERROR;
    }
    if (flags.pprofAddr.value !== '') {
      ui.error(
        '==> -pprof-addr is not supported by Entente (there is no Go pprof); use node --inspect instead',
      );
      return EXIT_ERROR;
    }
    const level = LOG_LEVELS[flags.logLevel.value.toLowerCase()];
    if (level === undefined) {
      ui.error(`==> Invalid log level: ${JSON.stringify(flags.logLevel.value)}`);
      return EXIT_ERROR;
    }
    if (flags.gateway.value !== '') {
      const gw = gatewayFlags(flags);
      const problem = gatewayFlagsProblem(gw);
      if (problem !== undefined) {
        ui.error(`==> ${problem}`);
        return EXIT_ERROR;
      }
      const gwApi = await client();
      if (gwApi === undefined) return EXIT_ERROR;
      ui.output('==> Entente mesh gateway starting...');
      try {
        return await runMeshGateway(gw, gwApi, ui, signal, createProxyLogger(level, flags.logJson.value));
      } catch (err) {
        ui.error(`==> Failed running mesh gateway: ${errorText(err)}`);
        return EXIT_ERROR;
      }
    }
    const api = await client();
    if (api === undefined) return EXIT_ERROR;
    ui.output('==> Entente Connect proxy starting...');
    let plan: Awaited<ReturnType<typeof sourceFor>>;
    try {
      plan = await sourceFor(flags, ctx.env, api, ui);
    } catch (err) {
      ui.error(`==> Error preparing configuration: ${errorText(err)}`);
      return EXIT_ERROR;
    }
    const logger = createProxyLogger(level, flags.logJson.value);
    let monitor: RegisterMonitor | undefined;
    try {
      monitor = await registerIfAsked(flags, plan.listen, api, logger);
    } catch (err) {
      ui.error(`==> Failed initializing registration: ${errorText(err)}`);
      return EXIT_ERROR;
    }
    ui.output('');
    ui.output('==> Log data will now stream in as it occurs:\n');
    const proxy = new SidecarProxy({ client: api, logger, source: plan.source });
    const started = proxy.start();
    const stopped = untilAborted(signal);
    let code = 0;
    try {
      await Promise.race([started, stopped]);
      await stopped;
    } catch (err) {
      ui.error(`==> Failed running proxy: ${errorText(err)}`);
      code = EXIT_ERROR;
    }
    await proxy.close();
    await started.catch(() => undefined);
    await monitor?.close();
    ui.output('==> Entente Connect proxy shutdown');
    return code;
  },
});
