/**
 * How the agent endpoints show whether this server can write: a node-level check in `/v1/agent/checks` and an
 * `Entente.CommandLog` object in `/v1/agent/self`. Both are read live from the command log, not from the catalog:
 * while the disk is full nothing can be written there, so a catalog check would keep saying "passing".
 *
 * Names are Entente's own (Consul has no such check or field): the check ID `entente-command-log`, and a top-level
 * `Entente` key in `agent/self` (a JSON object, as Consul's Go client decodes every top-level key of that answer
 * into a map).
 *
 * @module
 */
import type { HealthCheck } from '../../types/index.js';
import type { HttpDeps, WriteHealth } from '../deps.js';

/** CheckID of the command-log check. */
export const COMMAND_LOG_CHECK_ID = 'entente-command-log';
/** Its name. */
export const COMMAND_LOG_CHECK_NAME = 'Entente command log';

/** The check's Output for a health state. */
function output(h: WriteHealth): string {
  const since = h.sinceMs === undefined ? '' : ` since ${new Date(h.sinceMs).toISOString()}`;
  switch (h.status) {
    case 'ok':
      return 'Writes are accepted';
    case 'degraded':
      return (
        `Writes are refused${since}: ${h.error ?? h.code ?? 'no space'}; ` +
        `retrying by itself (${h.attempts ?? 0} checks so far, next in ${h.retryInMs ?? 0} ms)`
      );
    case 'failed':
      return `Writes are refused${since}: ${h.error ?? h.code ?? 'write failed'}; restart the agent`;
  }
}

/** The command-log check of this node, as `/v1/agent/checks` lists it. */
export function commandLogCheck(deps: HttpDeps): HealthCheck {
  const health = deps.writeHealth();
  return {
    Node: deps.info.nodeName,
    CheckID: COMMAND_LOG_CHECK_ID,
    Name: COMMAND_LOG_CHECK_NAME,
    Status: health.status === 'ok' ? 'passing' : 'critical',
    Notes: 'Whether the server can append to its command log (the data directory has room and works)',
    Output: output(health),
    ServiceID: '',
    ServiceName: '',
    ServiceTags: [],
    Type: '',
    Interval: '',
    Timeout: '',
    ExposedPort: 0,
    Definition: {},
    CreateIndex: 0,
    ModifyIndex: 0,
  };
}

/** The `Entente` object of `/v1/agent/self`. */
export function ententeSelf(deps: HttpDeps): Record<string, unknown> {
  const h = deps.writeHealth();
  return {
    CommandLog: {
      Status: h.status,
      ...(h.code === undefined ? {} : { ErrorCode: h.code }),
      ...(h.error === undefined ? {} : { Error: h.error }),
      ...(h.sinceMs === undefined ? {} : { Since: new Date(h.sinceMs).toISOString() }),
      ...(h.attempts === undefined ? {} : { RetryAttempts: h.attempts }),
      ...(h.retryInMs === undefined ? {} : { NextRetryInMs: h.retryInMs }),
    },
  };
}
