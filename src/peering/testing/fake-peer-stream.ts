import { TYPE_URL } from '../messages.js';
import { decodePeeringToken } from '../token.js';
import type { TestCluster } from './cluster.js';
import { memoryStreamPair, type MemoryStream } from './memory-stream.js';

/** A scripted peer's end of a stream accepted by a test cluster, and the cluster's end. */
export interface FakePeerStream {
  mine: MemoryStream;
  theirs: MemoryStream;
  peerId: string;
}

/**
 * Plays the dialer against `cluster` as peer `peerName`: generates a token, exchanges its secret, opens a stream
 * the cluster accepts, and subscribes to exported services and the service list. Nothing is read: the caller
 * decides when (and whether) the peer drains what the cluster sends.
 */
export async function openFakePeerStream(cluster: TestCluster, peerName: string): Promise<FakePeerStream> {
  const token = decodePeeringToken(
    await cluster.service.generateToken({ PeerName: peerName, Meta: {}, ServerExternalAddresses: [] }),
  );
  const secret = await cluster.manager.exchangeSecret({
    PeerID: token.PeerID,
    EstablishmentSecret: token.EstablishmentSecret,
  });
  const [mine, theirs] = memoryStreamPair();
  void cluster.manager.accept(theirs);
  await mine.send({ kind: 'open', peerId: token.PeerID, streamSecretId: secret, remote: undefined });
  for (const url of [TYPE_URL.exportedService, TYPE_URL.exportedServiceList]) {
    await mine.send({ kind: 'request', peerId: '', responseNonce: '', resourceUrl: url, error: undefined });
  }
  return { mine, theirs, peerId: token.PeerID };
}
