import type { AgentCheckDefinition } from '../../http/agent-local.js';
import { parseDuration } from '../../lib/duration.js';
import type { CheckInput } from '../../state/index.js';
import type { HealthCheck } from '../../types/index.js';

/** How a check is run by this agent. */
export type RunnerKind = 'ttl' | 'http' | 'tcp' | 'udp' | 'grpc' | 'script' | 'alias' | 'none';

/**
 * The kind of runner a definition needs, in the order of Consul's `Agent.addCheck` switch; maintenance checks (no
 * definition) get none.
 */
export function runnerKind(def: AgentCheckDefinition): RunnerKind {
  const d = def.check.Definition;
  if (def.ttlMs > 0) return 'ttl';
  if (d.HTTP) return 'http';
  if (d.TCP) return 'tcp';
  if (d.UDP) return 'udp';
  if (d.ScriptArgs && d.ScriptArgs.length > 0) return 'script';
  if (d.GRPC) return 'grpc';
  if (d.AliasNode || d.AliasService) return 'alias';
  return 'none';
}

function ms(text: string | undefined): number {
  if (text === undefined || text === '') return 0;
  return Math.max(0, parseDuration(text) ?? 0);
}

/**
 * Rebuilds the runner parameters of a check from its catalog record (its `Definition` keeps TTL, Interval, Timeout
 * and DeregisterCriticalServiceAfter as Go duration strings), so runners restart from the catalog alone.
 */
export function definitionFromStored(check: HealthCheck): AgentCheckDefinition {
  const { CreateIndex: _c, ModifyIndex: _m, ...input } = check;
  const stored: CheckInput = input;
  const d = check.Definition;
  return {
    check: stored,
    ttlMs: ms(d.TTL),
    intervalMs: ms(d.Interval ?? check.Interval),
    timeoutMs: ms(d.Timeout ?? check.Timeout),
    deregisterCriticalAfterMs: ms(d.DeregisterCriticalServiceAfter),
  };
}
