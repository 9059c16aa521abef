import { AppError, badRequest } from '../../errors/index.js';
import { redactCAConfig, renderCARoots, renderCARootsPem, trustDomain } from '../../connect/index.js';
import { parseQueryOptions, type RequestContext } from '../context.js';
import { Fields } from '../decode.js';
import type { HttpDeps } from '../deps.js';
import { json, type Reply } from '../reply.js';
import { block } from './common.js';

/** Consul's `ErrConnectNotEnabled` text, answered with a 500 as Consul does. */
export const CONNECT_DISABLED_MESSAGE = 'Connect must be enabled in order to use this endpoint';

/** Refuses a Connect endpoint when `connect { enabled = false }`, with Consul's status and text. */
export function assertConnectEnabled(deps: HttpDeps): void {
  if (!deps.info.connectEnabled) throw new AppError('ENT_ERR_CONNECT_DISABLED', CONNECT_DISABLED_MESSAGE);
}

/** GET /v1/connect/ca/roots and /v1/agent/connect/ca/roots (`?pem=true` for the PEM chain). */
export async function connectCARoots(deps: HttpDeps, ctx: RequestContext): Promise<Reply> {
  assertConnectEnabled(deps);
  const q = parseQueryOptions(ctx, deps.info.datacenter);
  const r = await block(deps, ctx, q.minIndex, q.waitMs, (ws) => deps.store.caRoots(ws));
  if (ctx.query('pem') === 'true') {
    return {
      raw: renderCARootsPem(r.value),
      contentType: 'application/pem-certificate-chain',
      index: r.index,
    };
  }
  return json(renderCARoots(r.value, trustDomain(deps.store.clusterId)), r.index);
}

const CA_DECODE = 'Request decode failed';

/**
 * GET /v1/connect/ca/configuration: Consul's `CAConfiguration` JSON (`Provider`, `Config`, `State`,
 * `ForceWithoutCrossSigning`, `CreateIndex`, `ModifyIndex`; `ClusterID` is `json:"-"`). `Config` keys come
 * sorted, as Go marshals a map. Unlike Consul, an operator-supplied `PrivateKey` is never echoed: it reads
 * `"hidden"`, and a PUT that sends `"hidden"` back keeps the stored key (so read-modify-write loops work).
 */
export function connectCAConfigurationGet(deps: HttpDeps, ctx: RequestContext): Promise<Reply> {
  assertConnectEnabled(deps);
  parseQueryOptions(ctx, deps.info.datacenter);
  const { value, index } = deps.store.caConfig(undefined);
  if (value === undefined) throw new AppError('ENT_ERR_UNAVAILABLE', 'CA configuration not initialized yet');
  const config = redactCAConfig(value.Config);
  return Promise.resolve(
    json(
      {
        Provider: value.Provider,
        Config: config,
        State: value.State,
        ForceWithoutCrossSigning: value.ForceWithoutCrossSigning,
        CreateIndex: value.CreateIndex,
        ModifyIndex: value.ModifyIndex,
      },
      index,
    ),
  );
}

/**
 * PUT /v1/connect/ca/configuration: `{Provider, Config, State, ForceWithoutCrossSigning}` (also
 * `force_without_cross_signing`). A refused configuration answers 400 with Consul's message (Consul answers 500
 * with the same text) and changes nothing; success is an empty 200, as in Consul.
 */
export async function connectCAConfigurationSet(deps: HttpDeps, ctx: RequestContext): Promise<Reply> {
  assertConnectEnabled(deps);
  parseQueryOptions(ctx, deps.info.datacenter);
  const body = new Fields(await ctx.json(CA_DECODE), 'structs.CAConfiguration', CA_DECODE);
  const state = body.stringMap('State');
  const stored = deps.store.caConfig(undefined).value;
  if (Object.keys(state).length > 0 && !sameStrings(state, stored?.State ?? {})) {
    throw badRequest('Provider State is read-only. It must be omitted or identical to the current value');
  }
  await deps.connectCA.setConfiguration({
    Provider: body.string('Provider'),
    Config: body.json('Config') ?? {},
    ForceWithoutCrossSigning:
      body.bool('ForceWithoutCrossSigning') || body.bool('force_without_cross_signing'),
  });
  return {};
}

function sameStrings(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

/**
 * GET /v1/agent/connect/ca/leaf/:service: the agent's leaf certificate for a service name (registered or not), as
 * Consul's `AgentConnectCALeafCert`; `?index=` blocks until the leaf is renewed or re-issued after a rotation.
 * `X-Consul-Index` is the leaf's `ModifyIndex`.
 */
export async function agentConnectCALeaf(deps: HttpDeps, ctx: RequestContext): Promise<Reply> {
  assertConnectEnabled(deps);
  const service = ctx.rest;
  // Consul's leaf manager refuses a request naming nothing, with a 500.
  if (service === '') {
    throw new AppError('ENT_ERR_BAD_REQUEST', 'URI must be either service, agent, server, or kind', {
      http: 500,
    });
  }
  const q = parseQueryOptions(ctx, deps.info.datacenter);
  const leaf = await deps.leafCerts.leaf(service, {
    minIndex: q.minIndex,
    waitMs: q.waitMs,
    signal: ctx.signal,
  });
  return json(leaf, leaf.ModifyIndex);
}
