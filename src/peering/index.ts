export { PeeringService, PeerDialError, validatePeerName, validateAddress } from './service.js';
export type {
  DialTarget,
  ExchangeSecretFn,
  LocalPeeringIdentity,
  PeeringServiceOptions,
  GenerateTokenRequest,
  EstablishRequest,
} from './service.js';
export { StreamTracker, PEERING_REASONS, p99, type PeeringReason, type StreamStatus } from './tracker.js';
export { renderPeering, effectiveState } from './render.js';
export { encodePeeringToken, decodePeeringToken, type PeeringToken } from './token.js';
export * from './messages.js';
export {
  PeeringManager,
  secretEqual,
  DEFAULT_BACKOFF,
  type StreamDialer,
  type BackoffOptions,
  type PeeringManagerOptions,
} from './manager.js';
export { handleStream, type StreamOutcome, type StreamHandlerOptions } from './stream-handler.js';
export {
  DEFAULT_STREAM_LIMITS,
  EXPORT_CHUNK_BYTES,
  MAX_CHUNK_PARTS,
  MAX_INFLIGHT_IMPORTS,
  type StreamLimits,
  type StreamSenderStats,
} from './stream-limits.js';
export { Exporter, EMPTY_EXPORT, flattenChecks, splitBySize } from './exporter.js';
export { Importer, importedStatus } from './importer.js';
export { ImportCapError, type ImportCapKind, type ImportCaps, type ImportUsage } from './import-caps.js';
export type {
  CaRootReads,
  ChangeFeed,
  ConfigEntryReads,
  ExportCatalogReads,
  ExportFeedStore,
  ExporterStore,
  ManagerStore,
  MeshExportStore,
  PeeringReads,
  PeeringServiceStore,
  PeeringWatch,
  PeeringWrite,
  PeeringWriteCommand,
  StreamStore,
} from './store.js';
