import { randomUUID, timingSafeEqual } from 'node:crypto';
import { AppError } from '../errors/index.js';
import { Backoff } from '../lib/backoff.js';
import type { Clock } from '../lib/clock.js';
import { sleep } from '../lib/sleep.js';
import type { Logger } from '../logging/index.js';
import { WatchSet } from '../state/index.js';
import { isPeeringActive, shouldDial, type Peering } from '../types/index.js';
import { STREAM_CODE, StreamError, type BidiStream, type ReplicationMessage } from './messages.js';
import { PeerDialError, dedupeAddresses, type LocalPeeringIdentity } from './service.js';
import { handleStream, type StreamOutcome } from './stream-handler.js';
import type { ManagerStore, PeeringWrite } from './store.js';
import type { StreamLimits } from './stream-limits.js';
import type { StreamTracker } from './tracker.js';

/** What the manager needs from the transport to dial a peer's stream. */
export interface StreamDialer {
  openStream(
    address: string,
    target: { serverName: string; caPems: readonly string[] },
    signal: AbortSignal,
  ): Promise<BidiStream>;
}

/**
 * Reconnect delays (ms). Consul retries fast on FailedPrecondition (a follower answered), otherwise waits 2^n s
 * capped at 64 s, so a peer that comes back after a long outage is reached up to 64 s late. Entente caps the
 * wait low (`peering { max_reconnect_backoff }`, default 2 s) and jitters it, and counts the time an attempt
 * itself took (a connect timeout) toward the wait: the next attempt is never more than one cap away.
 */
export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
  fastMs: number;
  /** Fraction of each wait randomised away (0–1); default {@link DEFAULT_BACKOFF}.jitter. */
  jitter?: number;
}
export const DEFAULT_BACKOFF: Required<BackoffOptions> = {
  baseMs: 500,
  maxMs: 2_000,
  fastMs: 8,
  jitter: 0.2,
};

/** How long an acceptor waits for a new stream's `Open` before failing it (Consul waits forever). */
export const DEFAULT_OPEN_TIMEOUT_MS = 10_000;

export interface PeeringManagerOptions {
  store: ManagerStore;
  write: PeeringWrite;
  tracker: StreamTracker;
  identity: LocalPeeringIdentity;
  dialer: StreamDialer;
  logger: Logger;
  heartbeatIntervalMs: number;
  heartbeatTimeoutMs: number;
  backoff?: BackoffOptions;
  /** Deadline for the first message (`Open`) of an accepted stream; default {@link DEFAULT_OPEN_TIMEOUT_MS}. */
  openTimeoutMs?: number;
  /** Send-path, chunk-assembly and import-cap bounds of every stream (`peering { ... }`); defaults when unset. */
  streamLimits?: Partial<StreamLimits>;
  /** Clock of the streams' timers (tests); the system clock when unset. */
  clock?: Clock;
}

interface RunningStream {
  stream: BidiStream;
  /** Aborted when the local peering is deleted: the handler tells the peer (Terminated). */
  terminate: AbortController;
  /** Aborted when a newer authenticated stream for the same peering replaces this one. */
  replace: AbortController;
  done: Promise<StreamOutcome>;
}

/**
 * Runs the peering streams of this server: dials every active dialing peering (with backoff, always from the
 * latest stored addresses and CA roots), serves acceptor streams, and carries out deletions (terminate the
 * stream, drop imported data, remove the record).
 */
export class PeeringManager {
  readonly #o: PeeringManagerOptions;
  readonly #shutdown = new AbortController();
  readonly #streams = new Map<string, RunningStream>();
  readonly #dialLoops = new Map<string, Promise<void>>();
  #loop: Promise<void> | undefined;

  constructor(opts: PeeringManagerOptions) {
    this.#o = opts;
  }

  start(): void {
    this.#loop ??= this.#reconcileLoop();
  }

  async close(): Promise<void> {
    this.#shutdown.abort();
    await this.#loop;
    await Promise.allSettled([
      ...this.#dialLoops.values(),
      ...[...this.#streams.values()].map((s) => s.done),
    ]);
  }

  /** Watches the peering table and starts/stops dial loops and deletions as records change. */
  async #reconcileLoop(): Promise<void> {
    const deleting = new Set<string>();
    while (!this.#shutdown.signal.aborted) {
      const ws = new WatchSet();
      const peerings = this.#o.store.peerings(ws).value;
      for (const p of peerings) {
        if (p.State === 'DELETING' && !deleting.has(p.ID)) {
          deleting.add(p.ID);
          this.#delete(p)
            .catch((err: unknown) => {
              // Retried on the next change of the peering table (or the next start).
              this.#o.logger.error({ peer_name: p.Name, err }, 'failed to delete peering');
            })
            .finally(() => deleting.delete(p.ID));
        } else if (isPeeringActive(p) && shouldDial(p) && this.#hasSecret(p) && !this.#dialLoops.has(p.ID)) {
          const loop = this.#dialLoop(p.ID).finally(() => this.#dialLoops.delete(p.ID));
          this.#dialLoops.set(p.ID, loop);
        }
      }
      await this.#o.store.hub.wait(ws, { signals: [this.#shutdown.signal] });
    }
  }

  #hasSecret(p: Peering): boolean {
    return (this.#o.store.peeringSecrets(p.ID)?.ActiveStreamSecret ?? '') !== '';
  }

  /** Terminates the stream if one runs (the peer goes TERMINATED), then removes imported data and the record. */
  async #delete(p: Peering): Promise<void> {
    const running = this.#streams.get(p.ID);
    if (running) {
      running.terminate.abort();
      await running.done;
    }
    const { result } = await this.#o.write({ Type: 'peering-remove', ID: p.ID });
    if (!result.ok)
      this.#o.logger.error({ peer_name: p.Name, error: result.error }, 'failed to remove peering');
    this.#o.tracker.delete(p.ID);
    this.#o.logger.info({ peer_name: p.Name, peer_id: p.ID }, 'peering deleted');
  }

  /** Keeps a stream to the peer up while the peering is an active dialer. */
  async #dialLoop(id: string): Promise<void> {
    const opts = { ...DEFAULT_BACKOFF, ...this.#o.backoff };
    // A cap below the base (`max_reconnect_backoff = "100ms"`) lowers the base too.
    const backoff = new Backoff({
      baseMs: Math.min(opts.baseMs, opts.maxMs),
      maxMs: opts.maxMs,
      jitter: opts.jitter,
    });
    let fastFailures = 0;
    let ring = 0;
    while (!this.#shutdown.signal.aborted) {
      const p = this.#o.store.peeringById(id);
      const secret = this.#o.store.peeringSecrets(id)?.ActiveStreamSecret ?? '';
      if (!p || !isPeeringActive(p) || !shouldDial(p) || secret === '') return;
      const addresses = dedupeAddresses(
        p.ManualServerAddresses.length > 0 ? p.ManualServerAddresses : p.PeerServerAddresses,
      );
      const address = addresses[ring % addresses.length] ?? '';
      ring += 1;
      this.#o.tracker.attempt(id, address);
      let outcome: StreamOutcome;
      let fast = false;
      const started = Date.now();
      try {
        const stream = await this.#o.dialer.openStream(
          address,
          { serverName: p.PeerServerName, caPems: p.PeerCAPems },
          this.#shutdown.signal,
        );
        await stream.send({
          kind: 'open',
          peerId: p.PeerID,
          streamSecretId: secret,
          remote: { Partition: '', Datacenter: this.#o.identity.datacenter },
        });
        outcome = await this.#run(p, stream, true);
      } catch (err) {
        const e =
          err instanceof PeerDialError
            ? err
            : new PeerDialError('STREAM_ERROR', err instanceof Error ? err.message : String(err), address);
        this.#o.tracker.attempt(id, address, { reason: e.reason, message: e.message });
        fast = e.grpcCode === STREAM_CODE.failedPrecondition;
        outcome = { kind: 'error', reason: e.reason, message: e.message };
      }
      if (outcome.kind !== 'error') return;
      const elapsed = Date.now() - started;
      // A stream that lived a while starts the backoff over: its loss is redialled at once.
      if (elapsed > 2 * opts.maxMs) backoff.reset();
      fastFailures = fast ? fastFailures + 1 : 0;
      const delay = fast ? Math.min(opts.fastMs * 2 ** Math.max(0, fastFailures - 5), 8192) : backoff.next();
      // The attempt's own duration (a connect timeout, say) counts toward the wait.
      const wait = Math.max(0, delay - elapsed);
      this.#o.logger.debug(
        { peer_id: id, delay_ms: Math.round(wait), reason: outcome.reason },
        'peering stream retry scheduled',
      );
      await sleep(wait, this.#shutdown.signal);
    }
  }

  /**
   * Runs the common stream handler for a peering and records it as running (so deletes can terminate it). A
   * stream already running for the peering is replaced: the caller authenticated this one, and the old one is
   * most likely half-dead (its peer redialled after losing it), so refusing the new one would keep the peering
   * down until the old one timed out.
   */
  #run(p: Peering, stream: BidiStream, isDialer: boolean): Promise<StreamOutcome> {
    const current = this.#o.store.peeringById(p.ID);
    if (this.#shutdown.signal.aborted || !current || !isPeeringActive(current)) {
      // Deleted (or shutting down) while the stream was being set up: never start it.
      stream.fail(new StreamError(STREAM_CODE.aborted, `peering is marked as deleted: ${p.ID}`));
      return Promise.resolve({ kind: 'shutdown' });
    }
    const previous = this.#streams.get(p.ID);
    const running: RunningStream = {
      stream,
      terminate: new AbortController(),
      replace: new AbortController(),
      done: Promise.resolve({ kind: 'shutdown' }),
    };
    running.done = this.#handle(p, running, isDialer, previous).finally(() => {
      if (this.#streams.get(p.ID) === running) this.#streams.delete(p.ID);
    });
    this.#streams.set(p.ID, running);
    return running.done;
  }

  async #handle(
    p: Peering,
    running: RunningStream,
    isDialer: boolean,
    previous: RunningStream | undefined,
  ): Promise<StreamOutcome> {
    if (previous) {
      this.#o.logger.info(
        { peer_name: p.Name, peer_id: p.ID },
        'a new authenticated stream replaces the running one',
      );
      previous.stream.fail(
        new StreamError(STREAM_CODE.aborted, 'replaced by a newer stream for the same peering'),
      );
      previous.replace.abort();
      await previous.done;
    }
    if (running.replace.signal.aborted) return { kind: 'shutdown' };
    return handleStream({
      stream: withContact(running.stream, () => {
        this.#o.tracker.contact(p.ID);
      }),
      peering: this.#o.store.peeringById(p.ID) ?? p,
      isDialer,
      store: this.#o.store,
      write: (cmd) => this.#o.write(cmd),
      tracker: this.#o.tracker,
      identity: this.#o.identity,
      logger: this.#o.logger,
      terminate: running.terminate.signal,
      shutdown: AbortSignal.any([this.#shutdown.signal, running.replace.signal]),
      heartbeatIntervalMs: this.#o.heartbeatIntervalMs,
      heartbeatTimeoutMs: this.#o.heartbeatTimeoutMs,
      limits: this.#o.streamLimits,
      clock: this.#o.clock,
    });
  }

  /**
   * Serves ExchangeSecret (acceptor side): burns the establishment secret and answers a new pending stream secret.
   * Secrets are compared in constant time and never logged.
   */
  async exchangeSecret(req: { PeerID: string; EstablishmentSecret: string }): Promise<string> {
    const secrets = this.#o.store.peeringSecrets(req.PeerID);
    if (!secrets || !secretEqual(req.EstablishmentSecret, secrets.EstablishmentSecret)) {
      throw new StreamError(STREAM_CODE.permissionDenied, 'invalid peering establishment secret');
    }
    const streamSecret = randomUUID();
    const { result } = await this.#o.write({
      Type: 'peering-exchange-secret',
      ID: req.PeerID,
      EstablishmentSecret: req.EstablishmentSecret,
      PendingStreamSecret: streamSecret,
    });
    if (!result.ok) {
      // The gRPC edge maps the code (a burnt secret answers PERMISSION_DENIED).
      throw new AppError(
        result.code,
        result.code === 'ENT_ERR_PEERING_SECRET_INVALID'
          ? 'invalid peering establishment secret'
          : `failed to persist peering secret: ${result.error}`,
      );
    }
    return streamSecret;
  }

  /**
   * Serves one incoming StreamResources call (acceptor side): checks `Open` as Consul does, promotes a pending
   * secret, then runs the stream. Every rejection ends the call with Consul's gRPC status and text.
   */
  async accept(stream: BidiStream): Promise<void> {
    const first = await this.#recvOpen(stream);
    if (first === 'gone') return;
    if (first?.kind !== 'open') {
      stream.fail(
        new StreamError(STREAM_CODE.invalidArgument, 'first message when initiating a peering must be: Open'),
      );
      return;
    }
    if (first.peerId === '') {
      stream.fail(
        new StreamError(STREAM_CODE.invalidArgument, 'initial subscription request must specify a PeerID'),
      );
      return;
    }
    const p = this.#o.store.peeringById(first.peerId);
    if (!p) {
      stream.fail(
        new StreamError(
          STREAM_CODE.invalidArgument,
          `initial subscription for unknown PeerID: ${first.peerId}`,
        ),
      );
      return;
    }
    if (!isPeeringActive(p)) {
      if (p.State !== 'TERMINATED') await stream.send({ kind: 'terminated' }).catch(() => undefined);
      stream.fail(new StreamError(STREAM_CODE.aborted, `peering is marked as deleted: ${p.ID}`));
      return;
    }
    const secrets = this.#o.store.peeringSecrets(p.ID);
    if (!secrets || (secrets.ActiveStreamSecret === '' && secrets.PendingStreamSecret === '')) {
      stream.fail(
        new StreamError(
          STREAM_CODE.internal,
          'unable to authorize connection, peering must be re-established',
        ),
      );
      return;
    }
    const isActive = secretEqual(first.streamSecretId, secrets.ActiveStreamSecret);
    const isPending = !isActive && secretEqual(first.streamSecretId, secrets.PendingStreamSecret);
    if (!isActive && !isPending) {
      stream.fail(new StreamError(STREAM_CODE.permissionDenied, 'invalid peering stream secret'));
      return;
    }
    if (p.PeerID !== '') {
      stream.fail(
        new StreamError(
          STREAM_CODE.invalidArgument,
          'expected PeerID to be empty; the wrong end of peering is being dialed',
        ),
      );
      return;
    }
    if (isPending) {
      const { result } = await this.#o.write({
        Type: 'peering-promote-secret',
        ID: p.ID,
        Remote: first.remote ?? { Partition: '', Datacenter: '' },
      });
      if (!result.ok) {
        stream.fail(
          new StreamError(STREAM_CODE.internal, `failed to promote pending stream secret: ${result.error}`),
        );
        return;
      }
    }
    this.#o.tracker.contact(p.ID);
    const current = this.#o.store.peeringById(p.ID) ?? p;
    await this.#run(current, stream, false);
  }

  /**
   * The first message of an accepted stream, within the Open deadline: an unauthenticated caller may not hold a
   * stream (and its memory) open by saying nothing. `'gone'` when the stream failed or timed out (already
   * answered).
   */
  async #recvOpen(stream: BidiStream): Promise<ReplicationMessage | null | 'gone'> {
    const ms = this.#o.openTimeoutMs ?? DEFAULT_OPEN_TIMEOUT_MS;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => {
        resolve('timeout');
      }, ms);
    });
    try {
      const first = await Promise.race([stream.recv(), timeout]);
      if (first !== 'timeout') return first;
      stream.fail(
        new StreamError(
          STREAM_CODE.deadlineExceeded,
          `no Open message within ${ms} ms of the stream starting`,
        ),
      );
      this.#o.logger.debug({ timeout_ms: ms }, 'peer stream closed: no Open message in time');
      return 'gone';
    } catch (err) {
      // The caller went away before saying anything: nothing to answer.
      this.#o.logger.debug({ err }, 'peer stream failed before its Open message');
      return 'gone';
    } finally {
      clearTimeout(timer);
    }
  }
}

/** The stream, reporting every received message (the peer's last contact). */
function withContact(stream: BidiStream, onMessage: () => void): BidiStream {
  return {
    get peerFeatures() {
      return stream.peerFeatures;
    },
    send: (msg) => stream.send(msg),
    recv: async () => {
      const msg = await stream.recv();
      if (msg !== null) onMessage();
      return msg;
    },
    end: () => {
      stream.end();
    },
    fail: (err) => {
      stream.fail(err);
    },
  };
}

/** Constant-time comparison; empty secrets never match. */
export function secretEqual(a: string, b: string): boolean {
  if (a === '' || b === '') return false;
  const ba = Buffer.from(a);
  const bb = Buffer.from(b);
  return ba.length === bb.length && timingSafeEqual(ba, bb);
}
