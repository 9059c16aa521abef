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

/**
 * The agent's local registrations (services and checks of this node) and its check runners. Implemented in
 * agent/; declared here because the HTTP handlers are its consumers.
 */
export interface AgentLocal {
  registerService(
    service: ServiceInput,
    checks: AgentCheckDefinition[],
    replaceExistingChecks: boolean,
  ): Promise<void>;
  deregisterService(serviceID: string): Promise<void>;
  registerCheck(def: AgentCheckDefinition): Promise<void>;
  deregisterCheck(checkID: string): Promise<void>;
  /** TTL updates (pass/warn/fail/update). */
  updateTtlCheck(checkID: string, status: HealthStatus, output: string): Promise<void>;
  serviceMaintenance(serviceID: string, enable: boolean, reason: string): Promise<void>;
  nodeMaintenance(enable: boolean, reason: string): Promise<void>;
}
