import { readFileSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../config/index.js';
import {
  configDefinitionFields,
  registerCheckDefinition,
  registerServiceDefinition,
  ServiceDefinitionError,
  type AgentLocal,
  type DefinitionStage,
} from '../http/index.js';
import type { Logger } from '../logging/index.js';

/** What registering the config-file definitions needs. */
export interface ConfigServicesDeps {
  readonly agent: Pick<
    AgentLocal,
    'registerService' | 'reserveSidecarPort' | 'registerCheck' | 'deregisterService' | 'deregisterCheck'
  >;
  readonly nodeName: string;
  /** The name of the local service with this ID, undefined when there is none. */
  serviceName(serviceID: string): string | undefined;
  /** Where the IDs registered from config at the last start are kept ('' in -dev: nothing to remember). */
  readonly dataDir: string;
  readonly logger: Logger;
}

/** The file (in the data dir) listing what the config files registered at the last start. */
export const CONFIG_REGISTRATIONS_FILE = 'config-registrations.json';

interface Registered {
  services: string[];
  checks: string[];
}

/** Consul's start-up failure texts (agent.loadServices), by the part of the definition that was refused. */
const STAGE_TEXT: Readonly<Record<DefinitionStage, string>> = {
  service: 'Failed to register service',
  checks: 'Failed to validate checks for service',
  sidecar: 'Failed to validate sidecar for service',
  'register-sidecar': 'Failed to register sidecar for service',
};

function nameOf(def: unknown): string {
  if (typeof def !== 'object' || def === null) return '';
  const n = (def as Record<string, unknown>)['name'];
  return typeof n === 'string' ? n : '';
}

/**
 * Registers the `service`/`services` and `check`/`checks` definitions of the agent's config files, as Consul does
 * at every start (agent.loadServices / loadChecks): each through the same decoding and validation as the HTTP
 * registration, its sidecar expanded (with a port from the sidecar range) and its checks started. An invalid
 * definition stops start-up with Consul's message (a {@link ConfigError}). A config-file service deregistered over
 * the API stays deregistered until the next start, which registers it again; one removed from the config files is
 * deregistered at the next start (Consul's local state no longer has it, so anti-entropy removes it), which is what
 * {@link CONFIG_REGISTRATIONS_FILE} remembers.
 */
export async function registerConfigDefinitions(
  deps: ConfigServicesDeps,
  services: readonly unknown[],
  checks: readonly unknown[],
): Promise<void> {
  const now: Registered = { services: [], checks: [] };
  for (const def of services) {
    const name = nameOf(def);
    try {
      const r = await registerServiceDefinition(
        deps,
        configDefinitionFields(def, 'ServiceDefinition'),
        false,
        'local',
      );
      now.services.push(r.serviceId, ...(r.sidecarId === undefined ? [] : [r.sidecarId]));
      now.checks.push(...r.checkIds);
    } catch (err) {
      if (!(err instanceof ServiceDefinitionError)) throw err;
      throw new ConfigError(`${STAGE_TEXT[err.stage]} ${JSON.stringify(name)}: ${err.message}`);
    }
  }
  for (const def of checks) {
    try {
      now.checks.push(
        await registerCheckDefinition(deps, configDefinitionFields(def, 'CheckDefinition'), (id) =>
          deps.serviceName(id),
        ),
      );
    } catch (err) {
      throw new ConfigError(`Failed to register check '${nameOf(def)}': ${(err as Error).message}`);
    }
  }
  await removeDropped(deps, readRegistered(deps), now);
  writeRegistered(deps, now);
  if (now.services.length + now.checks.length > 0) {
    deps.logger.info(
      { services: now.services.length, checks: now.checks.length },
      'registered services and checks from config files',
    );
  }
}

/**
 * Deregisters what the last start registered from config and the config files no longer define: services, and
 * checks (a check dropped from a service definition that stays goes too; checks registered over the API stay).
 */
async function removeDropped(deps: ConfigServicesDeps, before: Registered, now: Registered): Promise<void> {
  const keepServices = new Set(now.services);
  const keepChecks = new Set(now.checks);
  for (const id of before.services) {
    if (keepServices.has(id) || deps.serviceName(id) === undefined) continue;
    await deps.agent.deregisterService(id);
    deps.logger.info({ service_id: id }, 'deregistered service no longer in the config files');
  }
  for (const id of before.checks) {
    if (keepChecks.has(id)) continue;
    await deps.agent.deregisterCheck(id).catch((err: unknown) => {
      deps.logger.debug({ check_id: id, err }, 'check from an earlier config already gone');
    });
  }
}

function readRegistered(deps: ConfigServicesDeps): Registered {
  if (deps.dataDir === '') return { services: [], checks: [] };
  try {
    const v = JSON.parse(
      readFileSync(join(deps.dataDir, CONFIG_REGISTRATIONS_FILE), 'utf8'),
    ) as Partial<Registered>;
    const strings = (x: unknown): string[] =>
      Array.isArray(x) ? x.filter((s): s is string => typeof s === 'string') : [];
    return { services: strings(v.services), checks: strings(v.checks) };
  } catch {
    // First start, or an unreadable file: nothing known to have come from config.
    return { services: [], checks: [] };
  }
}

function writeRegistered(deps: ConfigServicesDeps, now: Registered): void {
  if (deps.dataDir === '') return;
  const path = join(deps.dataDir, CONFIG_REGISTRATIONS_FILE);
  writeFileSync(`${path}.tmp`, JSON.stringify(now));
  renameSync(`${path}.tmp`, path);
}
