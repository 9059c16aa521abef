/**
 * A lean importer for benchmarks: Entente's own gRPC peer transport driven by hand, in the benchmark process. It
 * dials the exporter with a peering token, subscribes to exported services, keeps only each service's check
 * statuses by instance ID in memory and ACKs every response at once (no store, no log, no HTTP). With it, what an
 * exporter spends per peer can be measured without the importers' own CPU competing for the same cores. A
 * different measurement from real importer agents, and labelled so wherever it is printed.
 */
import { silentLogger } from '../../src/logging/index.js';
import { createPeerTransport } from '../../src/grpc/index.js';
import { TYPE_URL, type BidiStream } from '../../src/peering/index.js';

/** The parts of a decoded peering token a dialer uses. */
interface TokenJson {
  CA: string[];
  ServerAddresses: string[];
  ServerName: string;
  PeerID: string;
  EstablishmentSecret: string;
}

export class LeanPeer {
  /** instance ID → status of its first check, for every instance received */
  readonly status = new Map<string, string>();
  /** Responses received. */
  received = 0;
  #stream: BidiStream | undefined;
  #reading: Promise<void> | undefined;
  #onUpdate: (() => void) | undefined;
  readonly #transport = createPeerTransport({ logger: silentLogger() });

  /** Exchanges the token's secret, opens the stream, subscribes to exported services and starts reading. */
  async connect(encodedToken: string, datacenter: string): Promise<void> {
    const token = JSON.parse(Buffer.from(encodedToken, 'base64').toString('utf8')) as TokenJson;
    const target = { addresses: token.ServerAddresses, serverName: token.ServerName, caPems: token.CA };
    const secret = await this.#transport.exchangeSecret(target, {
      PeerID: token.PeerID,
      EstablishmentSecret: token.EstablishmentSecret,
    });
    const stream = await this.#transport.openStream(
      token.ServerAddresses[0] ?? '',
      target,
      AbortSignal.timeout(30_000),
    );
    this.#stream = stream;
    await stream.send({
      kind: 'open',
      peerId: token.PeerID,
      streamSecretId: secret,
      remote: { Partition: '', Datacenter: datacenter },
    });
    for (const url of [TYPE_URL.exportedService, TYPE_URL.exportedServiceList]) {
      await stream.send({
        kind: 'request',
        peerId: '',
        responseNonce: '',
        resourceUrl: url,
        error: undefined,
      });
    }
    this.#reading = this.#read(stream);
  }

  /** Resolves when `done()` holds, checked after every response. */
  async until(done: () => boolean, deadline: number): Promise<void> {
    while (!done()) {
      if (performance.now() > deadline) throw new Error('lean peer: not exact in time');
      await new Promise<void>((resolve) => {
        this.#onUpdate = resolve;
        setTimeout(resolve, 1_000).unref();
      });
    }
  }

  async close(): Promise<void> {
    this.#stream?.end();
    await this.#reading?.catch(() => undefined);
    this.#transport.close();
  }

  async #read(stream: BidiStream): Promise<void> {
    for (;;) {
      const msg = await stream.recv().catch(() => null);
      if (msg === null) return;
      if (msg.kind !== 'response') continue;
      this.received += 1;
      if (msg.resource?.type === 'exported-service') {
        for (const n of msg.resource.nodes) this.status.set(n.Service.ID, n.Checks[0]?.Status ?? '');
      }
      void stream
        .send({
          kind: 'request',
          peerId: '',
          responseNonce: msg.nonce,
          resourceUrl: msg.resourceUrl,
          error: undefined,
        })
        .catch(() => undefined);
      const wake = this.#onUpdate;
      this.#onUpdate = undefined;
      wake?.();
    }
  }
}
