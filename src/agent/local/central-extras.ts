import type {
  AccessLogsConfig,
  ConnectProxyConfig,
  EnvoyExtension,
  ExposeConfig,
} from '../../types/index.js';
import type { CentralEntry } from './central-upstreams.js';

/** The struct-valued proxy fields central config supplies besides Config/Mode/MeshGateway/TransparentProxy. */
export interface ResolvedExtras {
  readonly expose: ExposeConfig;
  readonly accessLogs: AccessLogsConfig;
  /** proxy-defaults' extensions, then service-defaults' (applied in that order). */
  readonly envoyExtensions: readonly EnvoyExtension[];
}

const obj = (v: unknown): Record<string, unknown> | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function extensions(e: CentralEntry | undefined): EnvoyExtension[] {
  return list(e?.['EnvoyExtensions']).flatMap((x) => {
    const o = obj(x);
    if (!o) return [];
    return [
      {
        Name: typeof o['Name'] === 'string' ? o['Name'] : '',
        Required: o['Required'] === true,
        Arguments: structuredClone(obj(o['Arguments']) ?? {}),
        ConsulVersion: '',
        EnvoyVersion: '',
      },
    ];
  });
}

/**
 * Consul's `ComputeResolvedServiceConfig` for Expose, AccessLogs and EnvoyExtensions: proxy-defaults' values;
 * service-defaults turns `Expose.Checks` on and replaces `Expose.Paths` when it lists any, and appends its
 * extensions. AccessLogs come from proxy-defaults only.
 */
export function resolveExtras(pd: CentralEntry | undefined, sd: CentralEntry | undefined): ResolvedExtras {
  const expose: ExposeConfig = structuredClone(obj(pd?.['Expose']) ?? {});
  const sdExpose = obj(sd?.['Expose']);
  if (sdExpose?.['Checks'] === true) expose.Checks = true;
  const sdPaths = list(sdExpose?.['Paths']);
  if (sdPaths.length > 0) expose.Paths = structuredClone(sdPaths) as NonNullable<ExposeConfig['Paths']>;
  const accessLogs: AccessLogsConfig = structuredClone(obj(pd?.['AccessLogs']) ?? {});
  return { expose, accessLogs, envoyExtensions: [...extensions(pd), ...extensions(sd)] };
}

const isZero = (v: unknown): boolean =>
  v === undefined || v === null || v === '' || v === 0 || v === false || (Array.isArray(v) && v.length === 0);

/** mergo's non-overwriting struct merge: each field the registration leaves at its zero value is filled. */
function fill<T extends object>(dst: T | undefined, src: T): T | undefined {
  const out: Record<string, unknown> = { ...(dst ?? {}) };
  for (const [k, v] of Object.entries(src)) {
    if (isZero(out[k]) && !isZero(v)) out[k] = structuredClone(v);
  }
  return Object.keys(out).length > 0 ? (out as T) : dst;
}

/**
 * Consul's `MergeServiceConfig` for these fields: Expose and AccessLogs fill what the registration leaves unset;
 * EnvoyExtensions are always the central ones (Consul replaces a registration's own, which it never configures).
 */
export function mergeExtras(resolved: ResolvedExtras, proxy: ConnectProxyConfig): void {
  const expose = fill(proxy.Expose, resolved.expose);
  if (expose) proxy.Expose = expose;
  const logs = fill(proxy.AccessLogs, resolved.accessLogs);
  if (logs) proxy.AccessLogs = logs;
  if (resolved.envoyExtensions.length > 0)
    proxy.EnvoyExtensions = structuredClone([...resolved.envoyExtensions]);
  else delete proxy.EnvoyExtensions;
}
