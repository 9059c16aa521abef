/**
 * The gRPC edge: the peering TLS listener (`PeerStreamService`) and the dialing transport, converting Consul's
 * protobuf messages to the peering domain at this boundary. `generated/` is private to this folder.
 *
 * @packageDocumentation
 */
export {
  GrpcTlsServer,
  DEFAULT_SERVER_MAX_RECEIVE_MESSAGE_BYTES,
  DEFAULT_SHUTDOWN_GRACE_MS,
  SERVER_MAX_CONCURRENT_STREAMS,
  SERVER_KEEPALIVE_TIME_MS,
  SERVER_KEEPALIVE_TIMEOUT_MS,
  SERVER_MIN_PING_INTERVAL_MS,
  type GrpcTlsServerOptions,
  type PeerStreamHandlers,
  type ServerTlsCredentials,
} from './server.js';
export {
  createPeerTransport,
  CHANNEL_MAX_RECONNECT_BACKOFF_MS,
  CLIENT_KEEPALIVE_TIME_MS,
  CLIENT_KEEPALIVE_TIMEOUT_MS,
  DEFAULT_CLIENT_MAX_MESSAGE_BYTES,
  DEFAULT_CONNECT_TIMEOUT_MS,
  EXCHANGE_ATTEMPT_TIMEOUT_MS,
  EXCHANGE_PASS_TIMEOUT_MS,
  EXCHANGE_RETRY_WAIT_MS,
  EXCHANGE_TOTAL_TIMEOUT_MS,
  type PeerTlsTarget,
  type PeerTransport,
  type PeerTransportOptions,
} from './peerstream/client.js';
export {
  DEFAULT_MAX_QUEUED_MESSAGES,
  GrpcBidiStream,
  type BidiStreamStats,
  type PeerBidiStream,
} from './peerstream/bidi.js';
export { classifyGrpcError, reasonFor } from './peerstream/errors.js';
export {
  EXCHANGE_SECRET_PATH,
  INVALID_ENDPOINT_MESSAGE,
  PEER_STREAM_SERVICE_NAME,
  STREAM_RESOURCES_PATH,
} from './peerstream/methods.js';
