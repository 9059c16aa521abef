import { X509Certificate } from 'node:crypto';
import type { Logger } from '../logging/index.js';
import { WatchSet, type ApplyResult, type Command, type StateStore } from '../state/index.js';
import type { Peering } from '../types/index.js';
import { Exporter } from './exporter.js';
import { Importer } from './importer.js';
import {
  KNOWN_TYPE_URLS,
  OPERATION,
  STREAM_CODE,
  StreamError,
  TYPE_URL,
  formatNonce,
  chunkResourceId,
  parseChunkResourceId,
  type BidiStream,
  type CheckServiceNode,
  type ReplicationMessage,
  type Resource,
} from './messages.js';
import { PeerDialError, validateAddress, type LocalPeeringIdentity } from './service.js';
import type { PeeringReason, StreamTracker } from './tracker.js';

export interface StreamHandlerOptions {
  stream: BidiStream;
  /** The local peering record when the stream started. */
  peering: Peering;
  isDialer: boolean;
  store: StateStore;
  write(cmd: Command): Promise<{ index: number; result: ApplyResult }>;
  tracker: StreamTracker;
  identity: LocalPeeringIdentity;
  logger: Logger;
  /** How often to send a heartbeat (ms); Consul: 15 s (config/defaults.ts). */
  heartbeatIntervalMs: number;
  /** Drop the stream after this long without a heartbeat (ms); Consul: 2 min. */
  heartbeatTimeoutMs: number;
  /** Aborted when the local peering is deleted: the handler sends `Terminated` and ends. */
  terminate: AbortSignal;
  /** Aborted on shutdown: the handler ends without telling the peer anything. */
  shutdown: AbortSignal;
}

/**
 * Largest exported-service payload (JSON bytes, a proxy for the encoded size) sent as one message to peers that
 * accept chunks: Consul's acceptor refuses messages over 4 MiB, so a part stays well below.
 */
export const EXPORT_CHUNK_BYTES = 1024 * 1024;

/** Bounds on what a peer can make us buffer: parts of one service (4 GiB at 1 MiB each), services in parts. */
export const MAX_CHUNK_PARTS = 4096;
export const MAX_PARTIAL_SERVICES = 16;

/** Received responses being imported at once; past this, reading waits for the oldest to commit. */
export const MAX_INFLIGHT_IMPORTS = 64;

export type StreamOutcome =
  | { kind: 'terminated-by-peer' }
  | { kind: 'terminated-locally' }
  | { kind: 'shutdown' }
  | { kind: 'error'; reason: PeeringReason; message: string };

/**
 * The stream protocol both sides run after `Open` (Consul's HandleStream): subscribe to the peer's resources,
 * replicate exported services, trust bundle and (to dialers) server addresses, ACK/NACK every response, send
 * heartbeats and drop a silent stream. One serialized sender honours the transport's backpressure.
 */
export async function handleStream(o: StreamHandlerOptions): Promise<StreamOutcome> {
  const id = o.peering.ID;
  const name = o.peering.Name;
  const log = o.logger;
  const remoteId = o.isDialer ? o.peering.PeerID : '';
  const stop = new AbortController();
  const exporter = new Exporter(o.store, name);
  const importer = new Importer(name, (cmd) => o.write(cmd));
  const chunks: Chunks = new Map();
  const inflight: Promise<void>[] = [];
  const subscribed = new Set<string>();
  const pending = new Map<string, number>();
  let nonce = 0;
  let outcome: StreamOutcome | undefined;
  const finish = (out: StreamOutcome): void => {
    if (outcome === undefined) outcome = out;
    stop.abort();
  };

  // One sender: messages leave in order; a failed send ends the stream.
  let chain: Promise<void> = Promise.resolve();
  const send = (msg: ReplicationMessage): Promise<void> => {
    chain = chain.then(async () => {
      if (stop.signal.aborted && msg.kind !== 'terminated') return;
      await o.stream.send(msg);
    });
    chain.catch((err: unknown) => {
      finish({ kind: 'error', reason: 'STREAM_ERROR', message: `failed to send: ${errText(err)}` });
    });
    return chain;
  };
  const respond = (resourceUrl: string, resourceId: string, resource: Resource, observedAt: number): void => {
    nonce += 1;
    const n = formatNonce(nonce);
    pending.set(n, observedAt);
    void send({
      kind: 'response',
      nonce: n,
      resourceUrl,
      resourceId,
      resource,
      operation: OPERATION.upsert,
    }).then(
      () => {
        o.tracker.sendOk(id);
      },
      (err: unknown) => {
        o.tracker.sendError(id, errText(err));
      },
    );
  };

  o.tracker.connected(id);
  log.info({ peer_name: name, peer_id: id, dialer: o.isDialer }, 'peering stream connected');

  // Heartbeats out, silence in.
  const hbOut = setInterval(() => {
    void send({ kind: 'heartbeat' });
  }, o.heartbeatIntervalMs);
  let hbIn: NodeJS.Timeout | undefined;
  const armHeartbeatTimeout = (): void => {
    clearTimeout(hbIn);
    hbIn = setTimeout(() => {
      finish({
        kind: 'error',
        reason: 'HEARTBEAT_TIMEOUT',
        message: 'heartbeat timeout: no message from the peer',
      });
    }, o.heartbeatTimeoutMs);
  };
  armHeartbeatTimeout();

  const onTerminate = (): void => {
    const done = (): void => {
      finish({ kind: 'terminated-locally' });
    };
    // A stream that is already gone cannot be told; either way this side is done.
    void send({ kind: 'terminated' }).then(done, done);
  };
  const onShutdown = (): void => {
    finish({ kind: 'shutdown' });
  };
  o.terminate.addEventListener('abort', onTerminate, { once: true });
  o.shutdown.addEventListener('abort', onShutdown, { once: true });
  // A listener added to an already-aborted signal never fires.
  if (o.shutdown.aborted) onShutdown();
  else if (o.terminate.aborted) onTerminate();

  for (const url of [TYPE_URL.exportedService, TYPE_URL.exportedServiceList, TYPE_URL.trustBundle]) {
    void send({ kind: 'request', peerId: remoteId, responseNonce: '', resourceUrl: url, error: undefined });
  }
  if (o.isDialer) {
    void send({
      kind: 'request',
      peerId: remoteId,
      responseNonce: '',
      resourceUrl: TYPE_URL.serverAddresses,
      error: undefined,
    });
  }

  const startExports = (): void => {
    void exportLoop(o, exporter, stop.signal, respond).catch((err: unknown) => {
      finish({ kind: 'error', reason: 'STREAM_ERROR', message: `export failed: ${errText(err)}` });
    });
  };
  const startTrustBundle = (): void => {
    trustBundleLoop(o.store, stop.signal, () => {
      respond(
        TYPE_URL.trustBundle,
        'roots',
        {
          type: 'trust-bundle',
          trustDomain: o.identity.trustDomain(),
          rootPems: o.identity.rootPems(),
          exportedPartition: 'default',
        },
        Date.now(),
      );
    }).catch((err: unknown) => {
      finish({ kind: 'error', reason: 'STREAM_ERROR', message: `trust bundle failed: ${errText(err)}` });
    });
  };
  const startServerAddresses = (): void => {
    respond(
      TYPE_URL.serverAddresses,
      'server-addrs',
      { type: 'server-addresses', addresses: o.identity.serverAddresses() },
      Date.now(),
    );
  };

  const receive = async (): Promise<void> => {
    for (;;) {
      const msg = await o.stream.recv();
      if (msg === null || stop.signal.aborted) break;
      switch (msg.kind) {
        case 'open':
          throw new StreamError(STREAM_CODE.invalidArgument, 'unexpected Open on an established stream');
        case 'heartbeat':
          o.tracker.heartbeat(id);
          armHeartbeatTimeout();
          break;
        case 'terminated':
          await Promise.allSettled(inflight);
          log.info({ peer_name: name }, 'peer terminated the peering');
          await o.write({ Type: 'peering-terminated', ID: id });
          finish({ kind: 'terminated-by-peer' });
          return;
        case 'request': {
          if (!KNOWN_TYPE_URLS.has(msg.resourceUrl)) {
            throw new StreamError(
              STREAM_CODE.invalidArgument,
              `subscription request to unknown resource URL: ${msg.resourceUrl}`,
            );
          }
          if (!subscribed.has(msg.resourceUrl)) {
            if (msg.responseNonce !== '') {
              throw new StreamError(
                STREAM_CODE.invalidArgument,
                'initial subscription requests for a resource type must not contain a nonce',
              );
            }
            if (msg.error) {
              throw new StreamError(
                STREAM_CODE.invalidArgument,
                'initial subscription request for a resource type must not contain an error',
              );
            }
            if (!o.isDialer && msg.peerId !== '' && msg.peerId !== id) {
              throw new StreamError(
                STREAM_CODE.invalidArgument,
                `initial subscription requests for a resource type must have consistent PeerID values: got ${JSON.stringify(msg.peerId)}`,
              );
            }
            if (msg.resourceUrl === TYPE_URL.serverAddresses && o.isDialer) {
              throw new StreamError(
                STREAM_CODE.invalidArgument,
                'only a dialer may subscribe to server addresses',
              );
            }
            subscribed.add(msg.resourceUrl);
            if (msg.resourceUrl === TYPE_URL.exportedService) startExports();
            else if (msg.resourceUrl === TYPE_URL.trustBundle) startTrustBundle();
            else if (msg.resourceUrl === TYPE_URL.serverAddresses) startServerAddresses();
            break;
          }
          const observedAt = pending.get(msg.responseNonce);
          pending.delete(msg.responseNonce);
          if (msg.error) {
            const text = `client peer was unable to apply resource: ${msg.error.message}`;
            o.tracker.nack(id, text);
            log.warn(
              { peer_name: name, nonce: msg.responseNonce, error: msg.error.message },
              'peer NACKed a resource',
            );
          } else {
            o.tracker.ack(id);
            if (observedAt !== undefined) o.tracker.lag(id, Date.now() - observedAt);
          }
          break;
        }
        case 'response': {
          // Pipelined: the write is appended now (so the log keeps the peer's order) and acknowledged when it has
          // committed; meanwhile the next responses are read, so concurrent imports share one group commit.
          // A failed send already ends the stream (see send); nothing to handle here.
          const applied = applyResponse(o, importer, chunks, msg)
            .then((reply) =>
              send({
                kind: 'request',
                peerId: remoteId,
                responseNonce: msg.nonce,
                resourceUrl: msg.resourceUrl,
                error: reply,
              }),
            )
            .catch(() => undefined);
          inflight.push(applied);
          if (inflight.length >= MAX_INFLIGHT_IMPORTS) await inflight.shift();
          break;
        }
      }
    }
    finish({ kind: 'error', reason: 'STREAM_ERROR', message: 'stream ended unexpectedly' });
  };

  void receive().catch((err: unknown) => {
    if (err instanceof StreamError) {
      o.stream.fail(err);
      finish({ kind: 'error', reason: 'STREAM_ERROR', message: err.message });
    } else if (err instanceof PeerDialError) {
      finish({ kind: 'error', reason: err.reason, message: err.message });
    } else {
      finish({
        kind: 'error',
        reason: 'STREAM_ERROR',
        message: `unexpected error receiving from the stream: ${errText(err)}`,
      });
    }
  });

  await new Promise<void>((resolve) => {
    if (stop.signal.aborted) resolve();
    else {
      stop.signal.addEventListener(
        'abort',
        () => {
          resolve();
        },
        { once: true },
      );
    }
  });
  clearInterval(hbOut);
  clearTimeout(hbIn);
  o.terminate.removeEventListener('abort', onTerminate);
  o.shutdown.removeEventListener('abort', onShutdown);
  await chain.catch(() => undefined);
  const out = outcome ?? { kind: 'shutdown' };
  if (out.kind === 'error') {
    o.tracker.disconnected(id, out.reason, out.message);
    log.warn({ peer_name: name, reason: out.reason, error: out.message }, 'peering stream failed');
  } else if (out.kind === 'terminated-by-peer') {
    o.tracker.disconnected(id, 'PEER_TERMINATED', 'the peer deleted this peering');
  } else {
    o.tracker.disconnected(id, undefined, '');
  }
  // Close our side in every case, so the peer's handler ends too instead of waiting for its own timeout.
  o.stream.end();
  return out;
}

/** Parts received so far of chunked exported services, by service name. */
type Chunks = Map<string, { parts: number; received: Map<number, CheckServiceNode[]> }>;

/** Validates and applies one received response; answers the NACK error, or undefined for an ACK. */
async function applyResponse(
  o: StreamHandlerOptions,
  importer: Importer,
  chunks: Chunks,
  msg: Extract<ReplicationMessage, { kind: 'response' }>,
): Promise<{ code: number; message: string } | undefined> {
  const nack = (code: number, message: string): { code: number; message: string } => {
    o.tracker.recvError(o.peering.ID, message);
    o.logger.warn(
      { peer_name: o.peering.Name, resource_url: msg.resourceUrl, error: message },
      'NACK sent to peer',
    );
    return { code, message };
  };
  if (!KNOWN_TYPE_URLS.has(msg.resourceUrl)) {
    return nack(
      STREAM_CODE.invalidArgument,
      `received response for unknown resource type ${JSON.stringify(msg.resourceUrl)}`,
    );
  }
  if (msg.nonce === '') {
    return nack(
      STREAM_CODE.invalidArgument,
      `received response without a nonce for: ${msg.resourceUrl}:${msg.resourceId}`,
    );
  }
  if (msg.operation !== OPERATION.upsert) {
    return nack(STREAM_CODE.invalidArgument, `unsupported operation: ${msg.operation}`);
  }
  if (!msg.resource) return nack(STREAM_CODE.invalidArgument, 'received upsert response with no content');
  const r = msg.resource;
  try {
    switch (r.type) {
      case 'undecodable':
        throw new Error(r.error);
      case 'exported-service': {
        expect(msg.resourceUrl, TYPE_URL.exportedService);
        const chunk = parseChunkResourceId(msg.resourceId);
        if (!chunk) {
          chunks.delete(msg.resourceId);
          await importer.service(msg.resourceId, r.nodes);
          break;
        }
        // One part of a large service: keep it until every part of this update is here, then apply them at once.
        if (chunk.parts > MAX_CHUNK_PARTS) {
          throw new Error(`a service in ${chunk.parts} parts exceeds the limit of ${MAX_CHUNK_PARTS}`);
        }
        let acc = chunks.get(chunk.service);
        if (!acc && chunks.size >= MAX_PARTIAL_SERVICES) {
          throw new Error(`more than ${MAX_PARTIAL_SERVICES} services are partly received`);
        }
        if (!acc || acc.parts !== chunk.parts || chunk.part === 1) {
          acc = { parts: chunk.parts, received: new Map() };
          chunks.set(chunk.service, acc);
        }
        acc.received.set(chunk.part, r.nodes);
        if (acc.received.size === acc.parts) {
          chunks.delete(chunk.service);
          const all: CheckServiceNode[] = [];
          for (let i = 1; i <= acc.parts; i++) all.push(...(acc.received.get(i) ?? []));
          await importer.service(chunk.service, all);
        }
        break;
      }
      case 'exported-service-list':
        expect(msg.resourceUrl, TYPE_URL.exportedServiceList);
        await importer.list(r.services);
        o.tracker.setImported(o.peering.ID, r.services);
        break;
      case 'trust-bundle': {
        expect(msg.resourceUrl, TYPE_URL.trustBundle);
        // Never let a peer downgrade or break our TLS trust: an empty or unparsable bundle is refused.
        if (r.rootPems.length === 0) throw new Error('trust bundle has no root certificates');
        for (const pem of r.rootPems) {
          try {
            new X509Certificate(pem);
          } catch {
            throw new Error('trust bundle holds a root that is not a PEM certificate');
          }
        }
        const { result } = await o.write({
          Type: 'peering-trust-bundle',
          ID: o.peering.ID,
          TrustDomain: r.trustDomain,
          RootPEMs: r.rootPems,
          ExportedPartition: r.exportedPartition,
        });
        if (!result.ok) throw new Error(result.error);
        break;
      }
      case 'server-addresses': {
        expect(msg.resourceUrl, TYPE_URL.serverAddresses);
        if (!o.isDialer) throw new Error('server addresses are only sent to the dialing side');
        if (r.addresses.length === 0) throw new Error('server address list is empty');
        for (const a of r.addresses) {
          try {
            validateAddress(a, `${a} is not a valid peering server address`);
          } catch (err) {
            throw new Error(errText(err));
          }
        }
        const { result } = await o.write({
          Type: 'peering-server-addresses',
          ID: o.peering.ID,
          Addresses: r.addresses,
        });
        if (!result.ok) throw new Error(result.error);
        break;
      }
    }
  } catch (err) {
    return nack(
      STREAM_CODE.internal,
      `upsert error, ResourceURL: ${JSON.stringify(msg.resourceUrl)}, ResourceID: ${JSON.stringify(msg.resourceId)}: ${errText(err)}`,
    );
  }
  o.tracker.received(o.peering.ID);
  return undefined;
}

function expect(got: string, want: string): void {
  if (got !== want) throw new Error(`resource type does not match ResourceURL ${JSON.stringify(got)}`);
}

/** Re-sends exported services whenever what the peer should see changes. */
async function exportLoop(
  o: StreamHandlerOptions,
  exporter: Exporter,
  stop: AbortSignal,
  respond: (url: string, id: string, r: Resource, observedAt: number) => void,
): Promise<void> {
  const sent = new Map<string, number>();
  let sentList: string | undefined;
  let observedAt = Date.now();
  while (!stop.aborted) {
    const ws = new WatchSet();
    const view = exporter.view(ws);
    for (const [svc, version] of view.versions) {
      if (sent.get(svc) === version) continue;
      sent.set(svc, version);
      const parts = o.stream.peerFeatures.chunkedExports
        ? exporter.parts(svc, EXPORT_CHUNK_BYTES)
        : [exporter.instances(svc)];
      parts.forEach((part, i) => {
        const id = parts.length === 1 ? svc : chunkResourceId(svc, i + 1, parts.length);
        respond(TYPE_URL.exportedService, id, { type: 'exported-service', nodes: part }, observedAt);
      });
    }
    for (const svc of [...sent.keys()]) {
      if (view.versions.has(svc)) continue;
      sent.delete(svc);
      respond(TYPE_URL.exportedService, svc, { type: 'exported-service', nodes: [] }, observedAt);
    }
    const list = JSON.stringify(view.names);
    if (list !== sentList) {
      sentList = list;
      respond(
        TYPE_URL.exportedServiceList,
        'exported-service-list',
        { type: 'exported-service-list', services: view.names },
        observedAt,
      );
      o.tracker.setExported(o.peering.ID, view.names);
    }
    await o.store.hub.wait(ws, { signals: [stop] });
    observedAt = Date.now();
  }
}

/** Calls `emit` now and after every change to the CA roots (rotation reaches the peer). */
async function trustBundleLoop(store: StateStore, stop: AbortSignal, emit: () => void): Promise<void> {
  let last: number | undefined;
  while (!stop.aborted) {
    const ws = new WatchSet();
    const idx = store.caRoots(ws).index;
    if (idx !== last) {
      last = idx;
      emit();
    }
    await store.hub.wait(ws, { signals: [stop] });
  }
}

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
