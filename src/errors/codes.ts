/**
 * The registry of Entente's error codes. Each code has one HTTP status, one gRPC status and an optional CLI exit
 * code. Codes are never reused: retired ones move to {@link RETIRED_CODES}. `docs/errors.md` documents every code
 * and a test keeps the two in step.
 */
export const GRPC_STATUS = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;
export type GrpcStatus = (typeof GRPC_STATUS)[keyof typeof GRPC_STATUS];

export interface ErrorCodeSpec {
  /** What the code means, for docs/errors.md. */
  readonly summary: string;
  readonly http: number;
  readonly grpc: GrpcStatus;
  /**
   * The module raising it logs the condition itself, once per episode (a full disk refuses every write until it
   * has room): edges answer it without logging each request.
   */
  readonly loggedAtSource?: true;
}

export const ERROR_CODES = {
  ENT_ERR_BAD_REQUEST: {
    summary: 'The request is malformed or invalid.',
    http: 400,
    grpc: GRPC_STATUS.INVALID_ARGUMENT,
  },
  ENT_ERR_NOT_FOUND: { summary: 'The named object does not exist.', http: 404, grpc: GRPC_STATUS.NOT_FOUND },
  ENT_ERR_METHOD_NOT_ALLOWED: {
    summary: 'The path exists but not for this HTTP method.',
    http: 405,
    grpc: GRPC_STATUS.UNIMPLEMENTED,
  },
  ENT_ERR_PERMISSION_DENIED: {
    summary: 'The token does not grant the permission.',
    http: 403,
    grpc: GRPC_STATUS.PERMISSION_DENIED,
  },
  ENT_ERR_BODY_TOO_LARGE: {
    summary: 'The request body exceeds the limit for the endpoint.',
    http: 413,
    grpc: GRPC_STATUS.RESOURCE_EXHAUSTED,
  },
  ENT_ERR_CONFLICT: {
    summary: 'The write conflicts with stored state.',
    http: 409,
    grpc: GRPC_STATUS.FAILED_PRECONDITION,
  },
  ENT_ERR_NOT_LEADER: {
    summary: 'This server is not the leader; retry on the leader.',
    http: 500,
    grpc: GRPC_STATUS.FAILED_PRECONDITION,
  },
  ENT_ERR_UNAVAILABLE: {
    summary: 'The server is starting or shutting down.',
    http: 503,
    grpc: GRPC_STATUS.UNAVAILABLE,
  },
  ENT_ERR_NO_DC_PATH: {
    summary: 'The request named a datacenter other than the local one; there is no WAN federation.',
    http: 500,
    grpc: GRPC_STATUS.NOT_FOUND,
  },
  ENT_ERR_LOG_CORRUPT: {
    summary: 'The command log on disk is damaged in a way that recovery must not guess about.',
    http: 500,
    grpc: GRPC_STATUS.DATA_LOSS,
  },
  ENT_ERR_LOG_LOCKED: {
    summary: 'Another process holds the data directory.',
    http: 503,
    grpc: GRPC_STATUS.UNAVAILABLE,
  },
  ENT_ERR_LOG_CLOSED: {
    summary: 'The command log is closed (the server is shutting down).',
    http: 503,
    grpc: GRPC_STATUS.UNAVAILABLE,
  },
  ENT_ERR_LOG_FAILED: {
    summary:
      'A disk write or fsync failed (not for lack of space); the server refuses writes until restarted.',
    http: 500,
    grpc: GRPC_STATUS.INTERNAL,
  },
  ENT_ERR_LOG_NO_SPACE: {
    summary:
      'The disk holding the command log is full (ENOSPC/EDQUOT); writes are refused until there is room again, which the server notices by itself.',
    http: 500,
    grpc: GRPC_STATUS.RESOURCE_EXHAUSTED,
    loggedAtSource: true,
  },
  ENT_ERR_NODE_ID_TAKEN: {
    summary: 'The node ID is already registered to a node of another name.',
    http: 500,
    grpc: GRPC_STATUS.ALREADY_EXISTS,
  },
  ENT_ERR_CHECK_SERVICE_UNKNOWN: {
    summary: 'A check names a service ID that is not registered on its node.',
    http: 500,
    grpc: GRPC_STATUS.FAILED_PRECONDITION,
  },
  ENT_ERR_CHECK_NOT_FOUND: {
    summary: 'The check ID is not registered on this agent.',
    http: 404,
    grpc: GRPC_STATUS.NOT_FOUND,
  },
  ENT_ERR_PEERING_NOT_FOUND: {
    summary: 'The named peering does not exist.',
    http: 404,
    grpc: GRPC_STATUS.NOT_FOUND,
  },
  ENT_ERR_PEERING_STATE: {
    summary:
      'The peering is not in a state that allows the write (established, being deleted or not active).',
    http: 500,
    grpc: GRPC_STATUS.FAILED_PRECONDITION,
  },
  ENT_ERR_PEERING_SECRET_INVALID: {
    summary: 'The peering establishment secret is wrong or already used.',
    http: 403,
    grpc: GRPC_STATUS.PERMISSION_DENIED,
  },
  ENT_ERR_PROMETHEUS_DISABLED: {
    summary: 'Prometheus output was asked for, but telemetry.prometheus_retention_time is not positive.',
    http: 415,
    grpc: GRPC_STATUS.FAILED_PRECONDITION,
  },
  ENT_ERR_CONNECT_DISABLED: {
    summary: 'The endpoint needs Connect, and `connect { enabled = false }` turns it off.',
    http: 500,
    grpc: GRPC_STATUS.FAILED_PRECONDITION,
  },
  ENT_ERR_COMMAND_UNSUPPORTED: {
    summary: 'A log entry has a command type or version this server does not read; upgrade the server.',
    http: 500,
    grpc: GRPC_STATUS.UNIMPLEMENTED,
  },
  ENT_ERR_CONFIG_GRAPH_INVALID: {
    summary:
      'A config-entry write or delete would break the service graph (a discovery chain that no longer compiles, L7 intention permissions on a service that is not HTTP-like, a peer-exported chain reaching another datacenter or peer); checked when the command is applied, nothing is changed.',
    http: 500,
    grpc: GRPC_STATUS.FAILED_PRECONDITION,
  },
  ENT_ERR_RATE_LIMITED: {
    summary:
      'A limit on work the server does (CSR signing rate or concurrency, cached leaves) refused it; retry later.',
    http: 429,
    grpc: GRPC_STATUS.RESOURCE_EXHAUSTED,
  },
  ENT_ERR_INTERNAL: { summary: 'An unexpected error occurred.', http: 500, grpc: GRPC_STATUS.INTERNAL },
} as const satisfies Record<string, ErrorCodeSpec>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Codes once used and retired; never reuse one of these names. */
export const RETIRED_CODES: readonly string[] = [];
