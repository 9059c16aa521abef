import { badRequest } from '../../errors/index.js';
import { formatMultiError } from '../../lib/go/multierror.js';
import type { NodeService } from '../../types/index.js';
import type {
  AgentCheckDefinition,
  AgentLocal,
  RegistrationSource,
  SidecarPortLease,
} from '../agent-local.js';
import { Fields } from '../decode.js';
import { validateNodeService } from './service-validation.js';
import { sidecarFacts, sidecarRegistration } from './sidecar.js';
import { decodeAgentCheck, decodeService, isAnyAddress } from './structs.js';

/** What registering an agent service definition needs: the local agent and this node's name. */
export interface ServiceRegistrationDeps {
  readonly agent: Pick<AgentLocal, 'registerService' | 'reserveSidecarPort' | 'registerCheck'>;
  readonly nodeName: string;
}

/**
 * Which part of a definition was refused: Consul words the start-up failure of a config-file definition by it
 * ("Failed to validate checks for service …", "Failed to validate sidecar …", "Failed to register …").
 */
export type DefinitionStage = 'service' | 'checks' | 'sidecar' | 'register-sidecar';

/** A refused definition: `cause` is the error the HTTP API would answer with (a 400 with Consul's text). */
export class ServiceDefinitionError extends Error {
  override readonly name = 'ServiceDefinitionError';
  constructor(
    readonly stage: DefinitionStage,
    override readonly cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

function atStage<T>(stage: DefinitionStage, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw new ServiceDefinitionError(stage, err);
  }
}

async function atStageAsync(stage: DefinitionStage, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    throw new ServiceDefinitionError(stage, err);
  }
}

/** The registered parent and (when the definition had a `sidecar_service`) the sidecar's ID. */
export interface RegisteredDefinition {
  readonly serviceId: string;
  readonly serviceName: string;
  readonly sidecarId?: string;
  /** The IDs of the checks registered with the parent and the sidecar. */
  readonly checkIds: readonly string[];
}

/**
 * Registers one agent service definition (Consul's ServiceDefinition: `Name`, `Check`/`Checks`,
 * `Connect.SidecarService`, …) exactly as `PUT /v1/agent/service/register` does: decoding, Consul's validation,
 * sidecar expansion with a port leased from the sidecar range until the registration is committed, then the
 * parent and its sidecar. The agent HTTP handler and the agent's config-file services both use it. Refusals throw
 * {@link ServiceDefinitionError} carrying the API's error.
 */
export async function registerServiceDefinition(
  deps: ServiceRegistrationDeps,
  f: Fields,
  replaceExistingChecks: boolean,
  source: RegistrationSource = 'remote',
): Promise<RegisteredDefinition> {
  const { svc, connectF } = atStage('service', () => decodeDefinition(f));
  const defs = atStage('checks', () => decodeServiceChecks(deps.nodeName, svc, f));
  const leases: SidecarPortLease[] = [];
  const reservePort = (sidecarId: string): number => {
    const lease = deps.agent.reserveSidecarPort(sidecarId);
    leases.push(lease);
    return lease.port;
  };
  try {
    const sidecar = atStage('sidecar', () => {
      const s = sidecarRegistration(svc, connectF, { node: deps.nodeName, reservePort }, f.prefix);
      if (s) {
        const problems = validateNodeService(s.service, { forAgent: true });
        if (problems.length > 0) throw badRequest(`Failed Validation: ${formatMultiError(problems)}`);
      }
      return s;
    });
    // As Consul: the parent keeps its Connect settings but not the nested sidecar definition.
    await atStageAsync('service', () => deps.agent.registerService(svc, defs, replaceExistingChecks, source));
    if (sidecar) {
      await atStageAsync('register-sidecar', () =>
        deps.agent.registerService(sidecar.service, sidecar.checks, replaceExistingChecks, source),
      );
    }
    return {
      serviceId: svc.ID,
      serviceName: svc.Service,
      ...(sidecar ? { sidecarId: sidecar.service.ID } : {}),
      checkIds: [...defs, ...(sidecar?.checks ?? [])].map((d) => d.check.CheckID),
    };
  } finally {
    for (const lease of leases) lease.release();
  }
}

function decodeDefinition(f: Fields): {
  svc: ReturnType<typeof decodeService>;
  connectF: Fields | undefined;
} {
  const svc = decodeService(f, { nameKey: 'Name' });
  if (svc.Service === '') throw badRequest('Missing service name');
  if (isAnyAddress(svc.Address)) throw badRequest('Invalid service address');
  const connectF = f.object('Connect');
  const problems = validateNodeService(svc, { sidecar: sidecarFacts(connectF) });
  if (problems.length > 0) throw badRequest(`Validation failed: ${formatMultiError(problems)}`);
  return { svc, connectF };
}

function decodeServiceChecks(
  node: string,
  svc: Pick<NodeService, 'ID' | 'Service'>,
  f: Fields,
): AgentCheckDefinition[] {
  const checkFields = [
    ...(f.object('Check') ? [f.object('Check') as Fields] : []),
    ...f.objectList('Checks'),
  ];
  const defs = checkFields.map((cf, n) =>
    decodeAgentCheck(cf, {
      node,
      serviceID: svc.ID,
      serviceName: svc.Service,
      defaultId: checkFields.length === 1 ? `service:${svc.ID}` : `service:${svc.ID}:${n + 1}`,
      defaultName: `Service '${svc.Service}' check`,
    }),
  );
  for (const d of defs) d.check.ServiceID = svc.ID;
  return defs;
}

/**
 * Registers one agent check definition (`/v1/agent/check/register`'s body, or a top-level config-file `check`).
 * `serviceName` looks up the local service a `ServiceID` names (undefined: no such service, refused).
 */
export async function registerCheckDefinition(
  deps: ServiceRegistrationDeps,
  f: Fields,
  serviceName: (serviceID: string) => string | undefined,
  source: RegistrationSource = 'remote',
): Promise<string> {
  if (f.string('Name') === '') throw badRequest('Missing check name');
  const serviceID = f.string('ServiceID');
  let name = '';
  if (serviceID !== '') {
    const found = serviceName(serviceID);
    if (found === undefined) throw badRequest(`ServiceID "${serviceID}" does not exist`);
    name = found;
  }
  const def = decodeAgentCheck(f, {
    node: deps.nodeName,
    serviceID,
    serviceName: name,
    defaultId: '',
    defaultName: '',
  });
  await deps.agent.registerCheck(def, source);
  return def.check.CheckID;
}

/** The decoder of a definition read from an agent config file (type errors are prefixed `config`). */
export function configDefinitionFields(
  value: unknown,
  kind: 'ServiceDefinition' | 'CheckDefinition',
): Fields {
  return new Fields(value, kind, 'config');
}
