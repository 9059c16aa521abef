import type { HealthStatus } from '../types/index.js';
import type { CheckInput, ServiceInput } from '../state/index.js';

/** A check definition as registered through the agent (runner parameters included). */
export interface AgentCheckDefinition {
  check: CheckInput;
  /** ms; 0 when not a TTL check */
  ttlMs: number;
  intervalMs: number;
  timeoutMs: number;
  deregisterCriticalAfterMs: number;
}

/** A port of the sidecar range held for one registration until {@link release} (call it once committed or failed). */
export interface SidecarPortLease {
  readonly port: number;
  release(): void;
}

/**
 * Where a registration comes from, as Consul's ConfigSource: `remote` (the HTTP API) or `local` (the agent's config
 * files). Script checks are allowed from `remote` with `enable_script_checks`, from `local` with either it or
 * `enable_local_script_checks`.
 */
export type RegistrationSource = 'remote' | 'local';

/**
 * The agent's local registrations (services and checks of this node) and its check runners. Implemented in
 * agent/; declared here because the HTTP handlers are its consumers.
 */
export interface AgentLocal {
  registerService(
    service: ServiceInput,
    checks: AgentCheckDefinition[],
    replaceExistingChecks: boolean,
    source?: RegistrationSource,
  ): Promise<void>;
  deregisterService(serviceID: string): Promise<void>;
  registerCheck(def: AgentCheckDefinition, source?: RegistrationSource): Promise<void>;
  deregisterCheck(checkID: string): Promise<void>;
  /** TTL updates (pass/warn/fail/update). */
  updateTtlCheck(checkID: string, status: HealthStatus, output: string): Promise<void>;
  serviceMaintenance(serviceID: string, enable: boolean, reason: string): Promise<void>;
  nodeMaintenance(enable: boolean, reason: string): Promise<void>;
  /**
   * Reserves a port of `ports.sidecar_min_port`–`sidecar_max_port` for the sidecar `sidecarId` (its current one when
   * it has one): no other reservation gets it until the lease is released. Throws a 400 error when the range is
   * disabled or exhausted.
   */
  reserveSidecarPort(sidecarId: string): SidecarPortLease;
}
