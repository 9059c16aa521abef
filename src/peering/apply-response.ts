import { X509Certificate } from 'node:crypto';
import type { LogThrottle } from '../lib/log-throttle.js';
import type { Logger } from '../logging/index.js';
import type { Peering } from '../types/index.js';
import type { ChunkAssembler } from './chunk-assembler.js';
import { ImportCapError } from './import-caps.js';
import type { Importer } from './importer.js';
import {
  KNOWN_TYPE_URLS,
  OPERATION,
  STREAM_CODE,
  TYPE_URL,
  parseChunkResourceId,
  type ReplicationMessage,
  type StatusError,
} from './messages.js';
import { validateAddress } from './service.js';
import type { PeeringWrite } from './store.js';
import type { StreamTracker } from './tracker.js';

/** What applying a received response needs: the local peering, the writers and the chunk assembler. */
export interface ApplyContext {
  peering: Peering;
  isDialer: boolean;
  write: PeeringWrite;
  importer: Importer;
  chunks: ChunkAssembler;
  tracker: StreamTracker;
  logger: Logger;
  /** Paces the WARN for updates refused by an import cap (a peer over its cap may send thousands). */
  capRefusalLog: LogThrottle;
}

/** Validates and applies one received response; answers the NACK error, or undefined for an ACK. */
export async function applyResponse(
  o: ApplyContext,
  msg: Extract<ReplicationMessage, { kind: 'response' }>,
): Promise<StatusError | undefined> {
  const nack = (code: number, message: string): StatusError => {
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
          o.chunks.discard(msg.resourceId);
          await o.importer.service(msg.resourceId, r.nodes);
          break;
        }
        // One part of a large service: kept until every part of this update is here, then applied at once.
        const all = o.chunks.add(chunk, r.nodes);
        if (all) await o.importer.service(chunk.service, all);
        break;
      }
      case 'exported-service-list':
        expect(msg.resourceUrl, TYPE_URL.exportedServiceList);
        await o.importer.list(r.services);
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
    if (err instanceof ImportCapError) return capNack(o, msg, err);
    return nack(
      STREAM_CODE.internal,
      `upsert error, ResourceURL: ${JSON.stringify(msg.resourceUrl)}, ResourceID: ${JSON.stringify(msg.resourceId)}: ${errText(err)}`,
    );
  }
  o.tracker.received(o.peering.ID);
  return undefined;
}

/**
 * NACKs an update refused by an import cap: `RESOURCE_EXHAUSTED` with the message naming the cap and its limit,
 * counted per cap in the tracker (the peering read and the metric), logged at WARN at most once per interval.
 */
function capNack(
  o: ApplyContext,
  msg: Extract<ReplicationMessage, { kind: 'response' }>,
  err: ImportCapError,
): StatusError {
  const message = `upsert error, ResourceURL: ${JSON.stringify(msg.resourceUrl)}, ResourceID: ${JSON.stringify(msg.resourceId)}: ${err.message}`;
  o.tracker.recvError(o.peering.ID, message);
  o.tracker.importRefused(o.peering.ID, err.cap, message);
  const suppressed = o.capRefusalLog.take();
  if (suppressed !== undefined) {
    o.logger.warn(
      { peer_name: o.peering.Name, service: err.service, cap: err.cap, limit: err.limit, suppressed },
      `import cap reached: a service update from the peer was refused (NACKed, not stored); raise peering.import_max_${err.cap} to accept it`,
    );
  }
  return { code: STREAM_CODE.resourceExhausted, message };
}

function expect(got: string, want: string): void {
  if (got !== want) throw new Error(`resource type does not match ResourceURL ${JSON.stringify(got)}`);
}

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
