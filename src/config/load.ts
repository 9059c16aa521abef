import { readdirSync, readFileSync, statSync } from 'node:fs';
import { hostname, networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { parseDuration } from '../lib/duration.js';
import { parseGoBool } from '../lib/go/strconv.js';
import { parseJsonOrHcl } from '../lib/hcl/index.js';
import {
  DEFAULT_PORTS,
  DEFAULT_SIDECAR_MAX_PORT,
  DEFAULT_SIDECAR_MIN_PORT,
  DEV_PORTS,
  PEERING_HEARTBEAT_INTERVAL_MS,
  PEERING_HEARTBEAT_TIMEOUT_MS,
  PEERING_ACK_TIMEOUT_MS,
  PEERING_MAX_UNACKED_RESPONSES,
  PEERING_CHUNK_ASSEMBLY_MAX_BYTES,
  PEERING_CHUNK_ASSEMBLY_MAX_SERVICES,
  PEERING_IMPORT_MAX_SERVICES,
  PEERING_IMPORT_MAX_INSTANCES,
  PEERING_MAX_BACKOFF_MS,
  HTTP_MAX_CONNS_PER_CLIENT,
  PEERING_KEEPALIVE_INTERVAL_MS,
  PEERING_KEEPALIVE_TIMEOUT_MS,
  MIN_PEERING_KEEPALIVE_INTERVAL_MS,
} from './defaults.js';
import type { AgentConfig, PortsConfig } from './schema.js';
import { takeDefinitions } from './service-definitions.js';
import { checkUnimplemented, ConfigError } from './unimplemented.js';

export { ConfigError };

type Raw = Record<string, unknown>;

/**
 * Consul config keys Entente acts on. Every other key is accepted with a warning, so config files written for
 * Consul agents load unchanged.
 */
/** `true`: the key (and everything under it) is used; an object: only the listed sub-keys are. */
type KeySpec = true | { readonly [key: string]: KeySpec };

const IMPLEMENTED: Readonly<Record<string, KeySpec>> = {
  datacenter: true,
  primary_datacenter: true,
  node_name: true,
  node_id: true,
  data_dir: true,
  server: true,
  bootstrap: true,
  bootstrap_expect: true,
  bind_addr: true,
  client_addr: true,
  advertise_addr: true,
  advertise_addr_wan: true,
  ports: {
    http: true,
    https: true,
    dns: true,
    grpc: true,
    grpc_tls: true,
    server: true,
    sidecar_min_port: true,
    sidecar_max_port: true,
  },
  addresses: { http: true, https: true, dns: true, grpc: true, grpc_tls: true },
  domain: true,
  alt_domain: true,
  log_level: true,
  log_json: true,
  ui: true,
  ui_config: { enabled: true },
  connect: {
    enabled: true,
    ca_provider: true,
    ca_config: {
      cluster_id: true,
      leaf_cert_ttl: true,
      intermediate_cert_ttl: true,
      root_cert_ttl: true,
      rotation_period: true,
      private_key_type: true,
      private_key_bits: true,
      private_key: true,
      root_cert: true,
      csr_max_per_second: true,
      csr_max_concurrent: true,
    },
  },
  peering: {
    enabled: true,
    heartbeat_interval: true,
    heartbeat_timeout: true,
    max_reconnect_backoff: true,
    keepalive_interval: true,
    keepalive_timeout: true,
    ack_timeout: true,
    max_unacked_responses: true,
    chunk_assembly_max_bytes: true,
    chunk_assembly_max_services: true,
    chunk_assembly_timeout: true,
    import_max_services: true,
    import_max_instances: true,
  },
  acl: { enabled: true, default_policy: true },
  node_meta: true,
  recursors: true,
  dns_config: {
    allow_stale: true,
    max_stale: true,
    node_ttl: true,
    service_ttl: true,
    only_passing: true,
    enable_truncate: true,
    udp_answer_limit: true,
    a_record_limit: true,
    recursor_strategy: true,
    recursor_timeout: true,
    enable_additional_node_meta_txt: true,
    disable_compression: true,
    soa: { refresh: true, retry: true, expire: true, min_ttl: true },
  },
  limits: { http_max_conns_per_client: true },
  enable_script_checks: true,
  enable_local_script_checks: true,
  telemetry: { prometheus_retention_time: true, disable_hostname: true },
};

/** Known Consul keys with no effect in Entente: a quieter warning than for unknown keys. */
const KNOWN_IGNORED = new Set([
  'segments',
  'performance',
  'encrypt',
  'encrypt_verify_incoming',
  'encrypt_verify_outgoing',
  'ca_file',
  'ca_path',
  'cert_file',
  'key_file',
  'verify_incoming',
  'verify_incoming_rpc',
  'verify_incoming_https',
  'verify_outgoing',
  'verify_server_hostname',
  'tls',
  'disable_update_check',
  'skip_leave_on_interrupt',
  'leave_on_terminate',
  'retry_join',
  'retry_join_wan',
  'start_join',
  'enable_debug',
  'audit',
  'raft_protocol',
  'acl_datacenter',
  'acl_default_policy',
  'acl_master_token',
  'acl_token',
  'acl_agent_token',
  'acl_agent_master_token',
  'acl_replication_token',
  'version',
  'pid_file',
  'rejoin_after_leave',
  'autopilot',
  'locality',
  'partition',
  'disable_host_node_id',
  'enable_central_service_config',
  'serf_lan',
  'serf_wan',
  'server_name',
  'config_entries',
  'http_config',
  'syslog_facility',
  'enable_syslog',
  'log_file',
  'log_rotate_bytes',
  'log_rotate_duration',
  'log_rotate_max_files',
]);

export interface LoadResult {
  config: AgentConfig;
  /** Problems that do not stop the agent (unknown keys, ignored settings); the agent logs them. */
  warnings: string[];
}

/** Flags of `entente agent`, Consul's names. Value flags take the next argument or `=value`. */
const VALUE_FLAGS: Readonly<Record<string, string>> = {
  datacenter: 'datacenter',
  node: 'node_name',
  'node-id': 'node_id',
  'data-dir': 'data_dir',
  bind: 'bind_addr',
  client: 'client_addr',
  advertise: 'advertise_addr',
  'advertise-wan': 'advertise_addr_wan',
  'http-port': 'ports.http',
  'https-port': 'ports.https',
  'dns-port': 'ports.dns',
  'grpc-port': 'ports.grpc',
  'grpc-tls-port': 'ports.grpc_tls',
  'server-port': 'ports.server',
  'log-level': 'log_level',
  'bootstrap-expect': 'bootstrap_expect',
  domain: 'domain',
  'alt-domain': 'alt_domain',
  'primary-datacenter': 'primary_datacenter',
  'pid-file': 'pid_file',
};
const BOOL_FLAGS: Readonly<Record<string, string>> = {
  dev: 'dev',
  server: 'server',
  bootstrap: 'bootstrap',
  'log-json': 'log_json',
  ui: 'ui',
  'enable-script-checks': 'enable_script_checks',
  'enable-local-script-checks': 'enable_local_script_checks',
};
const REPEAT_FLAGS = new Set([
  'config-file',
  'config-dir',
  'node-meta',
  'recursor',
  'retry-join',
  'join',
  'hcl',
]);

interface ParsedFlags {
  raw: Raw;
  configFiles: string[];
  configDirs: string[];
  dev: boolean;
  /** Flags accepted for Consul compatibility that have no effect, as warnings. */
  ignored: string[];
}

/** Parses `entente agent` arguments with Go's flag syntax (`-x v`, `-x=v`, `--x`, bool `-x`/`-x=false`). */
export function parseAgentFlags(argv: readonly string[]): ParsedFlags {
  const raw: Raw = {};
  const configFiles: string[] = [];
  const configDirs: string[] = [];
  const ignored: string[] = [];
  let dev = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (!arg.startsWith('-') || arg === '-') throw new ConfigError(`unexpected argument: ${arg}`);
    if (arg === '--') break;
    const body = arg.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const name = eq < 0 ? body : body.slice(0, eq);
    let value: string | undefined = eq < 0 ? undefined : body.slice(eq + 1);
    if (name in BOOL_FLAGS) {
      const b = value === undefined ? true : parseBool(value, name);
      if (name === 'dev') dev = b;
      else setPath(raw, BOOL_FLAGS[name] ?? name, b);
      continue;
    }
    const takeValue = (): string => {
      if (value !== undefined) return value;
      const next = argv[i + 1];
      if (next === undefined) throw new ConfigError(`flag needs an argument: -${name}`);
      i += 1;
      return next;
    };
    if (name in VALUE_FLAGS) {
      value = takeValue();
      const key = VALUE_FLAGS[name] ?? name;
      if (key.startsWith('ports.') || key === 'bootstrap_expect') {
        if (!/^-?\d+$/.test(value))
          throw new ConfigError(`invalid value "${value}" for flag -${name}: parse error`);
        setPath(raw, key, Number(value));
      } else {
        setPath(raw, key, value);
      }
      continue;
    }
    if (REPEAT_FLAGS.has(name)) {
      value = takeValue();
      if (name === 'config-file') configFiles.push(value);
      else if (name === 'config-dir') configDirs.push(value);
      else if (name === 'node-meta') {
        const c = value.indexOf(':');
        if (c < 0) throw new ConfigError(`invalid value "${value}" for flag -node-meta: must be key:value`);
        const meta = (raw['node_meta'] ?? {}) as Raw;
        meta[value.slice(0, c)] = value.slice(c + 1);
        raw['node_meta'] = meta;
      } else if (name === 'recursor') {
        raw['recursors'] = [...((raw['recursors'] as string[] | undefined) ?? []), value];
      } else {
        ignored.push(
          `flag -${name} is ignored: ${name === 'hcl' ? 'inline HCL is not supported' : 'Entente servers do not join LAN clusters (use cluster peering)'}`,
        );
      }
      continue;
    }
    throw new ConfigError(`flag provided but not defined: -${name}`);
  }
  return { raw, configFiles, configDirs, dev, ignored };
}

function parseBool(v: string, name: string): boolean {
  const r = parseGoBool(v);
  if (!r.ok) throw new ConfigError(`invalid boolean value "${v}" for -${name}`);
  return r.value;
}

function setPath(obj: Raw, path: string, value: unknown): void {
  const parts = path.split('.');
  let cur = obj;
  for (const p of parts.slice(0, -1)) {
    const next = cur[p];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) cur[p] = {};
    cur = cur[p] as Raw;
  }
  cur[parts[parts.length - 1] ?? path] = value;
}

/** Objects merge key by key; later sources win; lists and scalars are replaced. */
function merge(into: Raw, from: Raw): Raw {
  for (const [k, v] of Object.entries(from)) {
    const cur = into[k];
    if (isObject(v) && isObject(cur)) into[k] = merge({ ...cur }, v);
    else into[k] = v;
  }
  return into;
}

function isObject(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reads one config file (JSON or HCL by extension/content); its top level must be an object. */
function readConfigFile(path: string): Raw {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`Error reading config file ${path}: ${(err as Error).message}`);
  }
  // Consul reads an empty (or blank) file as an empty configuration.
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = parseJsonOrHcl(text, path);
  } catch (err) {
    throw new ConfigError(`Error parsing ${path}: ${(err as Error).message}`);
  }
  if (!isObject(parsed)) throw new ConfigError(`Error parsing ${path}: top level must be an object`);
  return parsed;
}

function configDirFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    throw new ConfigError(`Error reading config dir ${dir}: ${(err as Error).message}`);
  }
  return names
    .filter((n) => n.endsWith('.json') || n.endsWith('.hcl'))
    .sort()
    .map((n) => join(dir, n))
    .filter((p) => statSync(p).isFile());
}

function checkKeys(raw: Raw, warnings: string[], source: string): void {
  for (const [k, v] of Object.entries(raw)) {
    const spec = IMPLEMENTED[k];
    if (spec === undefined) {
      warnings.push(
        KNOWN_IGNORED.has(k)
          ? `${source}: config key "${k}" is not used by Entente and is ignored`
          : `${source}: unknown config key "${k}" is ignored`,
      );
      continue;
    }
    checkSubKeys(k, spec, v, warnings, source);
  }
}

/** Warns about each key under `path` that `spec` does not list, at any depth. */
function checkSubKeys(path: string, spec: KeySpec, v: unknown, warnings: string[], source: string): void {
  if (spec === true || !isObject(v)) return;
  for (const [sub, subValue] of Object.entries(v)) {
    const subSpec = spec[sub];
    if (subSpec === undefined) {
      warnings.push(`${source}: config key "${path}.${sub}" is not used by Entente and is ignored`);
      continue;
    }
    checkSubKeys(`${path}.${sub}`, subSpec, subValue, warnings, source);
  }
}

/**
 * Builds the agent configuration: defaults, then config files and dirs (in order), then flags. Bad values and
 * contradictions throw {@link ConfigError} with a message naming the key.
 */
export function loadAgentConfig(argv: readonly string[]): LoadResult {
  const flags = parseAgentFlags(argv);
  const warnings: string[] = [...flags.ignored];
  let raw: Raw = {};
  const definitions: ConfigDefinitions = { services: [], checks: [] };
  for (const file of [...flags.configFiles, ...flags.configDirs.flatMap(configDirFiles)]) {
    const fileRaw = readConfigFile(file);
    // Service and check definitions add up across files (Consul appends them), they are not merged.
    const defs = takeDefinitions(fileRaw, file);
    definitions.services.push(...defs.services);
    definitions.checks.push(...defs.checks);
    warnings.push(...defs.warnings);
    checkKeys(fileRaw, warnings, file);
    raw = merge(raw, fileRaw);
  }
  checkKeys(flags.raw, warnings, 'flags');
  raw = merge(raw, flags.raw);
  warnings.push(...checkUnimplemented(raw));
  const config = buildConfig(raw, flags.dev, definitions);
  return { config: deepFreeze(config), warnings };
}

function str(raw: Raw, key: string, dflt: string, label = key): string {
  const v = raw[key];
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'string') throw new ConfigError(`${label}: expected a string, got ${JSON.stringify(v)}`);
  return v;
}

function bool(raw: Raw, key: string, dflt: boolean, label = key): boolean {
  const v = raw[key];
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'boolean') throw new ConfigError(`${label}: expected a boolean, got ${JSON.stringify(v)}`);
  return v;
}

function int(raw: Raw, key: string, dflt: number, label = key): number {
  const v = raw[key];
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v))
    throw new ConfigError(`${label}: expected an integer, got ${JSON.stringify(v)}`);
  return v;
}

/** An integer ≥ 1 (a count or a size in bytes). */
function positiveInt(raw: Raw, key: string, dflt: number, label: string): number {
  const v = int(raw, key, dflt, label);
  if (v < 1) throw new ConfigError(`${label}: must be at least 1, got ${v}`);
  return v;
}

/** A Go duration string (`"15s"`) or a number of milliseconds; must be positive. */
function duration(raw: Raw, key: string, dflt: number, label: string): number {
  const v = raw[key];
  if (v === undefined || v === null) return dflt;
  const ms = typeof v === 'number' ? v : typeof v === 'string' ? parseDuration(v) : undefined;
  if (ms === undefined || !(ms > 0)) throw new ConfigError(`${label}: invalid duration ${JSON.stringify(v)}`);
  return ms;
}

/** A Go duration string or a number of milliseconds, zero allowed (`"0s"` means off). */
function nonNegativeDuration(raw: Raw, key: string, label: string): number {
  const v = raw[key];
  if (v === undefined || v === null) return 0;
  const ms = typeof v === 'number' ? v : typeof v === 'string' ? parseDuration(v) : undefined;
  if (ms === undefined || !(ms >= 0))
    throw new ConfigError(`${label}: invalid duration ${JSON.stringify(v)}`);
  return ms;
}

function obj(raw: Raw, key: string): Raw {
  const v = raw[key];
  if (v === undefined || v === null) return {};
  if (!isObject(v)) throw new ConfigError(`${key}: expected an object, got ${JSON.stringify(v)}`);
  return v;
}

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error'] as const;

/** Service and check definitions of the config files, normalised (service-definitions.ts), in file order. */
interface ConfigDefinitions {
  services: unknown[];
  checks: unknown[];
}

export function buildConfig(
  raw: Raw,
  dev: boolean,
  definitions: ConfigDefinitions = { services: [], checks: [] },
): AgentConfig {
  const portDefaults = dev ? DEV_PORTS : DEFAULT_PORTS;
  const portsRaw = obj(raw, 'ports');
  const ports: PortsConfig = { ...portDefaults };
  for (const k of Object.keys(ports) as (keyof PortsConfig)[]) {
    const v = int(portsRaw, k, ports[k], `ports.${k}`);
    if (v < -1 || v > 65535) throw new ConfigError(`ports.${k}: invalid port ${v}`);
    ports[k] = v;
  }
  // Nothing serves plaintext gRPC, HTTPS or server RPC: those ports stay closed and unadvertised
  // (checkUnimplemented warns).
  ports.grpc = -1;
  ports.https = -1;
  ports.server = -1;
  const sidecarMin = int(portsRaw, 'sidecar_min_port', DEFAULT_SIDECAR_MIN_PORT, 'ports.sidecar_min_port');
  const sidecarMax = int(portsRaw, 'sidecar_max_port', DEFAULT_SIDECAR_MAX_PORT, 'ports.sidecar_max_port');
  if (sidecarMin > 0 && sidecarMax > 0 && sidecarMin > sidecarMax) {
    throw new ConfigError('ports.sidecar_min_port must be less than or equal to ports.sidecar_max_port');
  }
  const addressesRaw = obj(raw, 'addresses');
  const addresses: Partial<Record<keyof PortsConfig, string>> = {};
  for (const k of Object.keys(ports) as (keyof PortsConfig)[]) {
    const v = str(addressesRaw, k, '', `addresses.${k}`);
    if (v !== '') addresses[k] = v;
  }
  const datacenter = str(raw, 'datacenter', 'dc1').toLowerCase();
  if (!/^[a-z0-9_-]+$/.test(datacenter)) {
    throw new ConfigError(
      `datacenter: "${datacenter}" must contain only alphanumerics, underscores and dashes`,
    );
  }
  const dataDir = str(raw, 'data_dir', '');
  if (!dev && dataDir === '')
    throw new ConfigError('data_dir cannot be empty: set -data-dir (or run with -dev)');
  const level = str(raw, 'log_level', dev ? 'debug' : 'info').toLowerCase();
  const logLevel = level === 'warning' ? 'warn' : level === 'err' ? 'error' : level;
  if (!(LEVELS as readonly string[]).includes(logLevel))
    throw new ConfigError(`log_level: invalid level "${level}"`);
  const bindAddr = str(raw, 'bind_addr', dev ? '127.0.0.1' : '0.0.0.0');
  const advertise = str(raw, 'advertise_addr', '') || defaultAdvertise(bindAddr);
  if (advertise === '0.0.0.0' || advertise === '::')
    throw new ConfigError('advertise_addr cannot be 0.0.0.0 or ::');
  const bootstrapExpect = int(raw, 'bootstrap_expect', 0);
  const bootstrap = bool(raw, 'bootstrap', dev);
  if (bootstrap && bootstrapExpect > 1)
    throw new ConfigError('bootstrap and bootstrap_expect > 1 are mutually exclusive');
  const server = bool(raw, 'server', dev);
  if (!server)
    throw new ConfigError('Entente runs servers only: set -server (client agents are not supported)');
  const acl = obj(raw, 'acl');
  const defaultPolicy = str(acl, 'default_policy', 'allow', 'acl.default_policy');
  if (defaultPolicy !== 'allow' && defaultPolicy !== 'deny')
    throw new ConfigError(`acl.default_policy: must be "allow" or "deny"`);
  bool(acl, 'enabled', false, 'acl.enabled');
  const nodeMeta: Record<string, string> = {};
  for (const [k, v] of Object.entries(obj(raw, 'node_meta'))) {
    if (typeof v !== 'string') throw new ConfigError(`node_meta.${k}: expected a string`);
    nodeMeta[k] = v;
  }
  const recursorsRaw = raw['recursors'] ?? [];
  const recursors = typeof recursorsRaw === 'string' ? [recursorsRaw] : recursorsRaw;
  if (!Array.isArray(recursors) || recursors.some((r) => typeof r !== 'string'))
    throw new ConfigError('recursors: expected a list of strings');
  bool(obj(raw, 'ui_config'), 'enabled', bool(raw, 'ui', false), 'ui_config.enabled');
  const peering = obj(raw, 'peering');
  const ackTimeout = duration(peering, 'ack_timeout', PEERING_ACK_TIMEOUT_MS, 'peering.ack_timeout');
  const hbInterval = duration(
    peering,
    'heartbeat_interval',
    PEERING_HEARTBEAT_INTERVAL_MS,
    'peering.heartbeat_interval',
  );
  const hbTimeout = duration(
    peering,
    'heartbeat_timeout',
    PEERING_HEARTBEAT_TIMEOUT_MS,
    'peering.heartbeat_timeout',
  );
  if (hbTimeout <= hbInterval) {
    throw new ConfigError('peering.heartbeat_timeout must be longer than peering.heartbeat_interval');
  }
  const kaInterval = duration(
    peering,
    'keepalive_interval',
    PEERING_KEEPALIVE_INTERVAL_MS,
    'peering.keepalive_interval',
  );
  if (kaInterval < MIN_PEERING_KEEPALIVE_INTERVAL_MS) {
    throw new ConfigError(
      `peering.keepalive_interval: must be at least ${MIN_PEERING_KEEPALIVE_INTERVAL_MS / 1000}s`,
    );
  }
  const kaTimeout = duration(
    peering,
    'keepalive_timeout',
    PEERING_KEEPALIVE_TIMEOUT_MS,
    'peering.keepalive_timeout',
  );
  return {
    dev,
    server,
    bootstrap,
    bootstrapExpect,
    datacenter,
    primaryDatacenter: str(raw, 'primary_datacenter', datacenter),
    nodeName: str(raw, 'node_name', '') || hostname(),
    nodeId: str(raw, 'node_id', '').toLowerCase(),
    dataDir,
    bindAddr,
    clientAddr: str(raw, 'client_addr', '127.0.0.1'),
    advertiseAddr: advertise,
    advertiseAddrWan: str(raw, 'advertise_addr_wan', '') || advertise,
    ports,
    addresses,
    domain: normalizeDomain(str(raw, 'domain', 'consul.')),
    altDomain: str(raw, 'alt_domain', '') === '' ? '' : normalizeDomain(str(raw, 'alt_domain', '')),
    logLevel: logLevel as AgentConfig['logLevel'],
    logJson: bool(raw, 'log_json', false),
    connectEnabled: bool(obj(raw, 'connect'), 'enabled', true, 'connect.enabled'),
    connectClusterId: connectClusterId(raw),
    connectCAProvider: connectCAProvider(raw),
    connectCAConfig: connectCAConfig(raw),
    peeringEnabled: bool(peering, 'enabled', true, 'peering.enabled'),
    peeringHeartbeatIntervalMs: hbInterval,
    peeringHeartbeatTimeoutMs: hbTimeout,
    peeringMaxBackoffMs: duration(
      peering,
      'max_reconnect_backoff',
      PEERING_MAX_BACKOFF_MS,
      'peering.max_reconnect_backoff',
    ),
    peeringKeepaliveIntervalMs: kaInterval,
    peeringKeepaliveTimeoutMs: kaTimeout,
    enableScriptChecks: bool(raw, 'enable_script_checks', false),
    enableLocalScriptChecks: bool(raw, 'enable_local_script_checks', false),
    sidecarMinPort: sidecarMin,
    sidecarMaxPort: sidecarMax,
    peeringAckTimeoutMs: ackTimeout,
    peeringMaxUnackedResponses: positiveInt(
      peering,
      'max_unacked_responses',
      PEERING_MAX_UNACKED_RESPONSES,
      'peering.max_unacked_responses',
    ),
    peeringChunkAssemblyMaxBytes: positiveInt(
      peering,
      'chunk_assembly_max_bytes',
      PEERING_CHUNK_ASSEMBLY_MAX_BYTES,
      'peering.chunk_assembly_max_bytes',
    ),
    peeringChunkAssemblyMaxServices: positiveInt(
      peering,
      'chunk_assembly_max_services',
      PEERING_CHUNK_ASSEMBLY_MAX_SERVICES,
      'peering.chunk_assembly_max_services',
    ),
    // A part that waits longer than the ACK bound would have reset the stream on the exporter anyway.
    peeringChunkAssemblyTimeoutMs: duration(
      peering,
      'chunk_assembly_timeout',
      ackTimeout,
      'peering.chunk_assembly_timeout',
    ),
    peeringImportMaxServices: positiveInt(
      peering,
      'import_max_services',
      PEERING_IMPORT_MAX_SERVICES,
      'peering.import_max_services',
    ),
    peeringImportMaxInstances: positiveInt(
      peering,
      'import_max_instances',
      PEERING_IMPORT_MAX_INSTANCES,
      'peering.import_max_instances',
    ),
    nodeMeta,
    services: definitions.services,
    checks: definitions.checks,
    recursors: recursors as string[],
    dnsConfig: obj(raw, 'dns_config'),
    httpMaxConnsPerClient: httpMaxConnsPerClient(raw),
    telemetry: {
      prometheusRetentionMs: nonNegativeDuration(
        obj(raw, 'telemetry'),
        'prometheus_retention_time',
        'telemetry.prometheus_retention_time',
      ),
      disableHostname: bool(obj(raw, 'telemetry'), 'disable_hostname', false, 'telemetry.disable_hostname'),
    },
  };
}

/** `limits.http_max_conns_per_client`: an integer >= 0 (0 = no limit, as in Consul). */
function httpMaxConnsPerClient(raw: Raw): number {
  const label = 'limits.http_max_conns_per_client';
  const n = int(obj(raw, 'limits'), 'http_max_conns_per_client', HTTP_MAX_CONNS_PER_CLIENT, label);
  if (n < 0) throw new ConfigError(`${label}: must be 0 (no limit) or more, got ${n}`);
  return n;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * `connect { ca_config { cluster_id = "<uuid>" } }`: the cluster ID to bootstrap with (the trust domain is then
 * `<cluster_id>.consul`). Like Consul, a value that is not a UUID stops start-up rather than bootstrapping with a
 * random ID the operator did not ask for. Empty when unset.
 */
function connectClusterId(raw: Raw): string {
  const caConfig = obj(obj(raw, 'connect'), 'ca_config');
  const v = caConfig['cluster_id'];
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string' || !UUID_RE.test(v)) {
    throw new ConfigError(
      `connect.ca_config.cluster_id: cluster_id was supplied but was not a valid UUID: ${JSON.stringify(v)}`,
    );
  }
  return v;
}

/** `connect { ca_provider }`: Entente has Consul's built-in provider only; asking for another stops start-up. */
function connectCAProvider(raw: Raw): string {
  const v = obj(raw, 'connect')['ca_provider'];
  if (v === undefined || v === null || v === 'consul') return 'consul';
  throw new ConfigError(
    `connect.ca_provider: Entente has only the built-in "consul" CA provider, got ${JSON.stringify(v)}`,
  );
}

/** `connect { ca_config { … } }` minus `cluster_id` (kept apart): the seed of the CA configuration. */
function connectCAConfig(raw: Raw): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj(obj(raw, 'connect'), 'ca_config'))) {
    if (k !== 'cluster_id' && v !== undefined && v !== null) out[k] = v;
  }
  return out;
}

function normalizeDomain(d: string): string {
  return d.endsWith('.') ? d : `${d}.`;
}

/** A reachable address for a bind-all server: the first private IPv4 address, else loopback. */
function defaultAdvertise(bind: string): string {
  if (bind !== '0.0.0.0' && bind !== '::') return bind;
  for (const list of Object.values(networkInterfaces())) {
    for (const ni of list ?? []) if (ni.family === 'IPv4' && !ni.internal) return ni.address;
  }
  return '127.0.0.1';
}

function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null) {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}
