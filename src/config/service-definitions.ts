/**
 * Service and check definitions in agent config files (`service {}`, `services [...]`, `check {}`, `checks [...]`),
 * as Consul reads them: snake_case keys (`enable_tag_override`, `sidecar_service`, `destination_service_name`, …)
 * or Go-cased ones (`EnableTagOverride`), HCL blocks or JSON. Definitions of every file are kept, in file order
 * (Consul appends them across files; they are not merged like other keys).
 *
 * This module only gathers and normalises them: key names lose their underscores (the agent's decoder matches
 * Go field names without regard to case, so `sidecar_service` reaches `SidecarService`), except inside free-form
 * maps (`meta`, `tagged_addresses` names, `proxy.config`, `header`, …) whose keys are data. A one-element list of
 * a single block (HCL writes a repeated block as a list) becomes the block, and a single block of a list key
 * (`checks {}`, `upstreams {}`) a one-element list. Decoding and Consul's validation happen at agent start through
 * the same code as `PUT /v1/agent/service/register`. Keys the decoder does not read are warned about, by path.
 */

type Raw = Record<string, unknown>;
type Spec = true | { readonly [normalizedKey: string]: Spec };

function isObject(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `enable_tag_override`, `EnableTagOverride` and `enabletagoverride` are one key. */
function normalizeKey(k: string): string {
  return k.replace(/_/g, '').toLowerCase();
}

/** Free-form maps: their keys are data (kept as written), their values are kept whole. */
const OPAQUE = new Set(['meta', 'config', 'arguments', 'header', 'nodemeta']);
/** Maps whose keys are names but whose values are definitions (kept keys, normalised values). */
const NAMED = new Set(['taggedaddresses']);
/** Keys that hold one object. */
const SINGLE = new Set([
  'check',
  'connect',
  'sidecarservice',
  'proxy',
  'weights',
  'locality',
  'meshgateway',
  'expose',
  'transparentproxy',
  'accesslogs',
]);
/** Keys that hold a list of objects. */
const LIST = new Set(['checks', 'services', 'upstreams', 'paths', 'envoyextensions']);

function normalizeValue(key: string, v: unknown): unknown {
  if (OPAQUE.has(key)) return v;
  if (NAMED.has(key) && isObject(v)) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normalizeObject(x)]));
  }
  if (SINGLE.has(key) && Array.isArray(v) && v.length === 1) return normalizeObject(v[0]);
  if (LIST.has(key) && isObject(v)) return [normalizeObject(v)];
  if (Array.isArray(v)) return v.map((x) => normalizeObject(x));
  return normalizeObject(v);
}

/** A definition with normalised key names (see the module comment); non-objects are returned as they are. */
export function normalizeDefinition(v: unknown): unknown {
  return normalizeObject(v);
}

function normalizeObject(v: unknown): unknown {
  if (!isObject(v)) return v;
  const out: Raw = {};
  for (const [k, x] of Object.entries(v)) {
    const key = normalizeKey(k);
    out[key] = normalizeValue(key, x);
  }
  return out;
}

/** The check definition keys the agent's decoder reads (H2PING, Docker, OSService checks are refused by it). */
const CHECK_SPEC: Spec = {
  id: true,
  checkid: true,
  name: true,
  notes: true,
  serviceid: true,
  status: true,
  args: true,
  scriptargs: true,
  http: true,
  header: true,
  method: true,
  body: true,
  tlsservername: true,
  tlsskipverify: true,
  tcp: true,
  udp: true,
  grpc: true,
  grpcusetls: true,
  interval: true,
  timeout: true,
  ttl: true,
  aliasnode: true,
  aliasservice: true,
  deregistercriticalserviceafter: true,
  h2ping: true,
  dockercontainerid: true,
  shell: true,
  osservice: true,
};

const MESH_GATEWAY_SPEC: Spec = { mode: true };

/** The keys of `proxy` (Consul's ConnectProxyConfig) the mesh registration decoder reads. */
const PROXY_SPEC: Spec = {
  destinationservicename: true,
  destinationserviceid: true,
  localserviceaddress: true,
  localserviceport: true,
  localservicesocketpath: true,
  mode: true,
  config: true,
  upstreams: {
    destinationname: true,
    destinationtype: true,
    destinationnamespace: true,
    destinationpartition: true,
    destinationpeer: true,
    datacenter: true,
    localbindaddress: true,
    localbindport: true,
    localbindsocketpath: true,
    localbindsocketmode: true,
    config: true,
    meshgateway: MESH_GATEWAY_SPEC,
    centrallyconfigured: true,
  },
  meshgateway: MESH_GATEWAY_SPEC,
  expose: {
    checks: true,
    paths: { listenerport: true, path: true, localpathport: true, protocol: true, parsedfromcheck: true },
  },
  transparentproxy: { outboundlistenerport: true, dialeddirectly: true },
  accesslogs: {
    enabled: true,
    disablelistenerlogs: true,
    type: true,
    path: true,
    jsonformat: true,
    textformat: true,
  },
  envoyextensions: {
    name: true,
    required: true,
    arguments: true,
    consulversion: true,
    envoyversion: true,
  },
};

const SERVICE_BASE: Readonly<Record<string, Spec>> = {
  kind: true,
  id: true,
  name: true,
  tags: true,
  address: true,
  taggedaddresses: true,
  meta: true,
  port: true,
  socketpath: true,
  enabletagoverride: true,
  weights: { passing: true, warning: true },
  locality: { region: true, zone: true },
  proxy: PROXY_SPEC,
  check: CHECK_SPEC,
  checks: CHECK_SPEC,
};

const SIDECAR_SPEC: Spec = { ...SERVICE_BASE, connect: { native: true, sidecarservice: true } };
const SERVICE_SPEC: Spec = { ...SERVICE_BASE, connect: { native: true, sidecarservice: SIDECAR_SPEC } };

/** Appends a warning for each key of `v` (a raw definition) that `spec` does not list, naming its path. */
function unusedKeys(path: string, spec: Spec, v: unknown, out: string[]): void {
  if (spec === true) return;
  if (Array.isArray(v)) {
    v.forEach((x, i) => {
      unusedKeys(`${path}[${String(i)}]`, spec, x, out);
    });
    return;
  }
  if (!isObject(v)) return;
  for (const [k, x] of Object.entries(v)) {
    const sub = spec[normalizeKey(k)];
    if (sub === undefined) out.push(`${path}.${k}`);
    else unusedKeys(`${path}.${k}`, sub, x, out);
  }
}

/** The definitions one config file holds, normalised, and warnings for the keys of them nothing reads. */
export interface FileDefinitions {
  readonly services: unknown[];
  readonly checks: unknown[];
  readonly warnings: string[];
}

function asList(v: unknown): unknown[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : [v];
}

/**
 * Takes `service`, `services`, `check` and `checks` out of one file's raw configuration (they are not merged with
 * other files' values), normalised, with a warning per unused key (`<source>: config key "<path>" is not used …`).
 */
export function takeDefinitions(raw: Raw, source: string): FileDefinitions {
  const warnings: string[] = [];
  const services: unknown[] = [];
  const checks: unknown[] = [];
  for (const key of ['service', 'services', 'check', 'checks'] as const) {
    if (!(key in raw)) continue;
    const value = raw[key];
    Reflect.deleteProperty(raw, key);
    const list = asList(value);
    const isService = key.startsWith('service');
    const unused: string[] = [];
    list.forEach((d, i) => {
      const path = Array.isArray(value) ? `${key}[${String(i)}]` : key;
      unusedKeys(path, isService ? SERVICE_SPEC : CHECK_SPEC, d, unused);
      (isService ? services : checks).push(normalizeDefinition(d));
    });
    for (const p of unused)
      warnings.push(`${source}: config key "${p}" is not used by Entente and is ignored`);
  }
  return { services, checks, warnings };
}
