import { checkDatacenter, type RequestContext } from '../context.js';
import type { HttpDeps } from '../deps.js';
import { json, type Reply } from '../reply.js';

function leaderAddr(deps: HttpDeps): string {
  return `${deps.info.advertiseAddr}:${deps.info.serverPort}`;
}

/** GET /v1/status/leader: this server is always its cluster's leader (single server, or the etcd backend's). */
export function statusLeader(deps: HttpDeps, ctx: RequestContext): Promise<Reply> {
  checkDatacenter(ctx, deps.info.datacenter);
  return Promise.resolve(json(leaderAddr(deps)));
}

/** GET /v1/status/peers */
export function statusPeers(deps: HttpDeps, ctx: RequestContext): Promise<Reply> {
  checkDatacenter(ctx, deps.info.datacenter);
  return Promise.resolve(json([leaderAddr(deps)]));
}
