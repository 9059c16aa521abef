import { checkDatacenter, type RequestContext } from '../context.js';
import type { HttpDeps } from '../deps.js';
import { json, type Reply } from '../reply.js';
import { serverRpcAddress } from './absent-listeners.js';

/** Consul answers its Raft (server RPC) address; Entente has no such listener, so the port is 0. */
function leaderAddr(deps: HttpDeps): string {
  return serverRpcAddress(deps.info.advertiseAddr);
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
