import { systemClock, type Clock } from '../lib/clock.js';
import { LogThrottle } from '../lib/log-throttle.js';
import { onAbort } from '../lib/shared-abort.js';
import type { Logger } from '../logging/index.js';
import type { Peering } from '../types/index.js';
import { ChunkAssembler } from './chunk-assembler.js';
import { ExportFeed } from './export-feed.js';
import { Exporter } from './exporter.js';
import { Heartbeats } from './heartbeats.js';
import { MeshExports } from './mesh-export.js';
import { storedImportCounts } from './import-caps.js';
import { Importer } from './importer.js';
import { STREAM_CODE, StreamError, TYPE_URL, type BidiStream } from './messages.js';
import { PeerResources } from './peer-resources.js';
import { PeerDialError, type LocalPeeringIdentity } from './service.js';
import { DEFAULT_STREAM_LIMITS, EXPORT_CHUNK_BYTES, type StreamLimits } from './stream-limits.js';
import { StreamReceiver, type ReceiveEnd } from './stream-receiver.js';
import { StreamSender } from './stream-sender.js';
import type { PeeringWrite, StreamStore } from './store.js';
import { Subscriptions } from './subscriptions.js';
import type { PeeringReason, StreamTracker } from './tracker.js';

export {
  EXPORT_CHUNK_BYTES,
  MAX_CHUNK_PARTS,
  MAX_INFLIGHT_IMPORTS,
  DEFAULT_STREAM_LIMITS,
  type StreamLimits,
} from './stream-limits.js';

export interface StreamHandlerOptions {
  stream: BidiStream;
  /** The local peering record when the stream started. */
  peering: Peering;
  isDialer: boolean;
  store: StreamStore;
  write: PeeringWrite;
  tracker: StreamTracker;
  identity: LocalPeeringIdentity;
  logger: Logger;
  /** How often to send a heartbeat (ms); Consul: 15 s (config/defaults.ts). */
  heartbeatIntervalMs: number;
  /** Drop the stream after this long without a heartbeat (ms); Consul: 2 min. */
  heartbeatTimeoutMs: number;
  /** Send-path, chunk-assembly and import-cap bounds; unset fields take {@link DEFAULT_STREAM_LIMITS}. */
  limits?: Partial<StreamLimits> | undefined;
  /** Time for heartbeats, the ACK bound and lag figures; defaults to the system clock. */
  clock?: Clock | undefined;
  /** Aborted when the local peering is deleted: the handler sends `Terminated` and ends. */
  terminate: AbortSignal;
  /** Aborted on shutdown: the handler ends without telling the peer anything. */
  shutdown: AbortSignal;
}

export type StreamOutcome =
  | { kind: 'terminated-by-peer' }
  | { kind: 'terminated-locally' }
  | { kind: 'shutdown' }
  | { kind: 'error'; reason: PeeringReason; message: string };

/** How the stream ends: the first outcome wins; `stopped` resolves with it. */
class Ending {
  #outcome: StreamOutcome | undefined;
  #resolve!: (out: StreamOutcome) => void;
  readonly stopped = new Promise<StreamOutcome>((r) => (this.#resolve = r));

  get done(): boolean {
    return this.#outcome !== undefined;
  }

  finish(out: StreamOutcome): void {
    if (this.#outcome) return;
    this.#outcome = out;
    this.#resolve(out);
  }
}

/**
 * The stream protocol both sides run after `Open` (Consul's HandleStream), wired from parts with one job each:
 * {@link StreamSender} (state of the world per resource, control first, nonces capped, ACK bound),
 * {@link PeerResources} (what this peer gets, fed by the store-wide {@link ExportFeed}), {@link StreamReceiver}
 * (subscriptions, ACK/NACK, pipelined imports, Terminated), {@link Heartbeats}. This function starts them, waits
 * for the first outcome, and tears them down.
 */
export async function handleStream(o: StreamHandlerOptions): Promise<StreamOutcome> {
  const id = o.peering.ID;
  const name = o.peering.Name;
  const clock = o.clock ?? systemClock;
  const limits: StreamLimits = { ...DEFAULT_STREAM_LIMITS, ...definedOnly(o.limits ?? {}) };
  const ending = new Ending();
  const fail = (reason: PeeringReason, message: string): void => {
    ending.finish({ kind: 'error', reason, message });
  };

  o.tracker.connected(id);
  o.logger.info({ peer_name: name, peer_id: id, dialer: o.isDialer }, 'peering stream connected');

  const resources = new PeerResources({
    feed: ExportFeed.of(o.store, clock, {
      onError: (err, where) => {
        o.logger.error({ err, where }, 'peering export feed failed; retrying with a full pass');
      },
    }),
    exporter: new Exporter(o.store),
    mesh: new MeshExports(o.store, o.identity),
    identity: o.identity,
    peerName: name,
    chunkBytes: o.stream.peerFeatures.chunkedExports ? EXPORT_CHUNK_BYTES : undefined,
    markDirty: (url, rid, at) => {
      sender.markDirty(url, rid, at);
    },
    onExported: (names) => {
      o.tracker.setExported(id, [...names]);
    },
    now: () => clock.now(),
  });
  const sender = new StreamSender({
    stream: o.stream,
    clock,
    limits,
    resolve: (url, rid) => resources.resolve(url, rid),
    onFailure: (reason, message) => {
      if (reason === 'STREAM_ERROR') o.tracker.sendError(id, message);
      fail(reason, message);
    },
    onResponseSent: () => {
      o.tracker.sendOk(id);
    },
  });
  const heartbeats = new Heartbeats({
    clock,
    intervalMs: o.heartbeatIntervalMs,
    timeoutMs: o.heartbeatTimeoutMs,
    send: () => {
      sender.heartbeat();
    },
    onTimeout: () => {
      fail('HEARTBEAT_TIMEOUT', 'heartbeat timeout: no message from the peer');
    },
  });
  const chunks = new ChunkAssembler({
    limits,
    clock,
    onEvict: (e) => {
      o.tracker.chunkAssemblyEvicted(id);
      o.logger.warn(
        {
          peer_name: name,
          service: e.service,
          age_ms: e.ageMs,
          parts_received: e.partsReceived,
          parts: e.parts,
          bytes: e.bytes,
        },
        'dropped a partly received chunked service: its parts did not all arrive within peering.chunk_assembly_timeout',
      );
    },
  });
  const importer = new Importer(name, (cmd) => o.write(cmd), {
    caps: { maxServices: limits.importMaxServices, maxInstances: limits.importMaxInstances },
    stored: storedImportCounts(o.store, name),
  });
  const remoteId = o.isDialer ? o.peering.PeerID : '';
  const receiver = new StreamReceiver({
    stream: o.stream,
    id,
    name,
    remoteId,
    subscriptions: new Subscriptions(o.isDialer, id),
    sender,
    apply: {
      peering: o.peering,
      isDialer: o.isDialer,
      write: (cmd) => o.write(cmd),
      importer,
      chunks,
      tracker: o.tracker,
      logger: o.logger,
      capRefusalLog: new LogThrottle(),
    },
    tracker: o.tracker,
    logger: o.logger,
    write: (cmd) => o.write(cmd),
    now: () => clock.now(),
    onHeartbeat: () => {
      heartbeats.received();
    },
    onSubscribe: (url) => {
      resources.subscribe(url);
    },
    stopped: () => ending.done,
  });

  // Our subscriptions go first; the peer's resources flow once it subscribes to ours.
  const subscribe: string[] = [TYPE_URL.exportedService, TYPE_URL.exportedServiceList, TYPE_URL.trustBundle];
  if (o.isDialer) subscribe.push(TYPE_URL.serverAddresses);
  for (const url of subscribe) {
    sender
      .sendControl({
        kind: 'request',
        peerId: remoteId,
        responseNonce: '',
        resourceUrl: url,
        error: undefined,
      })
      .catch(() => undefined);
  }
  void receiver.run().then(
    (end) => {
      ending.finish(receiveOutcome(end));
    },
    (err: unknown) => {
      if (err instanceof StreamError) o.stream.fail(err);
      ending.finish(receiveError(err));
    },
  );
  const stopTerminate = onAbort(o.terminate, () => {
    // A stream that is already gone cannot be told; either way this side is done.
    const done = (): void => {
      ending.finish({ kind: 'terminated-locally' });
    };
    sender.sendControl({ kind: 'terminated' }).then(done, done);
  });
  const stopShutdown = onAbort(o.shutdown, () => {
    ending.finish({ kind: 'shutdown' });
  });
  o.tracker.senderView(id, () => sender.stats);
  o.tracker.importsView(id, () => importer.usage);

  const out = await ending.stopped;
  stopTerminate();
  stopShutdown();
  o.tracker.senderView(id, undefined);
  o.tracker.importsView(id, undefined);
  heartbeats.close();
  chunks.close();
  resources.close();
  sender.close();
  report(o, out);
  if (out.kind === 'error' && out.reason === 'ACK_TIMEOUT') {
    // The peer is not reading: a graceful end would wait behind what it never reads. Reset the stream.
    o.stream.fail(new StreamError(STREAM_CODE.resourceExhausted, out.message));
  } else {
    // Close our side in every case, so the peer's handler ends too instead of waiting for its own timeout.
    o.stream.end();
  }
  await sender.done;
  return out;
}

function receiveOutcome(end: ReceiveEnd): StreamOutcome {
  if (end === 'terminated-by-peer') return { kind: 'terminated-by-peer' };
  return { kind: 'error', reason: 'STREAM_ERROR', message: 'stream ended unexpectedly' };
}

function receiveError(err: unknown): StreamOutcome {
  if (err instanceof StreamError) return { kind: 'error', reason: 'STREAM_ERROR', message: err.message };
  if (err instanceof PeerDialError) return { kind: 'error', reason: err.reason, message: err.message };
  return {
    kind: 'error',
    reason: 'STREAM_ERROR',
    message: `unexpected error receiving from the stream: ${err instanceof Error ? err.message : String(err)}`,
  };
}

/** Records the outcome in the tracker (what `peering read` shows) and the log. */
function report(o: StreamHandlerOptions, out: StreamOutcome): void {
  const id = o.peering.ID;
  if (out.kind === 'error') {
    o.tracker.disconnected(id, out.reason, out.message);
    o.logger.warn(
      { peer_name: o.peering.Name, reason: out.reason, error: out.message },
      'peering stream failed',
    );
  } else if (out.kind === 'terminated-by-peer') {
    o.tracker.disconnected(id, 'PEER_TERMINATED', 'the peer deleted this peering');
  } else {
    o.tracker.disconnected(id, undefined, '');
  }
}

function definedOnly<T extends object>(o: Partial<T>): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
