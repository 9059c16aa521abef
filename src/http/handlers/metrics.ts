import { AppError } from '../../errors/index.js';
import type { RequestContext } from '../context.js';
import type { HttpDeps } from '../deps.js';
import { json, type Reply } from '../reply.js';

/**
 * Prometheus output is asked for with `?format=prometheus` or an OpenMetrics `Accept` header
 * (`application/openmetrics-text`, or `text/plain; version=0.4.0`), as Consul decides it.
 */
export function wantsPrometheus(ctx: RequestContext): boolean {
  if (ctx.query('format') === 'prometheus') return true;
  const accept = ctx.req.headers.accept ?? '';
  for (const entry of accept.split(',')) {
    const [mime = '', param] = entry.split(';');
    const type = mime.trim().toLowerCase();
    if (type === 'application/openmetrics-text') return true;
    if (type === 'text/plain' && param?.trim() === 'version=0.4.0') return true;
  }
  return false;
}

/**
 * GET /v1/agent/metrics: Consul's JSON summary of the latest finished 10 s interval, or the Prometheus exposition
 * when asked for and enabled (`telemetry.prometheus_retention_time` > 0); asked for but not enabled is Consul's 415.
 */
export async function agentMetrics(deps: HttpDeps, ctx: RequestContext): Promise<Reply> {
  if (!wantsPrometheus(ctx)) return json(deps.metrics.summary());
  const out = await deps.metrics.prometheus();
  if (!out) {
    throw new AppError(
      'ENT_ERR_PROMETHEUS_DISABLED',
      'Prometheus is not enabled since its retention time is not positive',
    );
  }
  return { raw: out.body, contentType: out.contentType };
}
