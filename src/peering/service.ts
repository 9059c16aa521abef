import { randomUUID } from 'node:crypto';
import { AppError, badRequest } from '../errors/index.js';
import { shouldDial } from '../types/index.js';
import type { PeeringServiceStore, PeeringWrite, PeeringWriteCommand } from './store.js';
import { decodePeeringToken, encodePeeringToken } from './token.js';
import type { PeeringReason, StreamTracker } from './tracker.js';

/** Consul's peer-name rule: a lower-case DNS label. */
const PEER_NAME_RE = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** Where to reach the peer's servers and how to verify them. */
export interface DialTarget {
  addresses: readonly string[];
  serverName: string;
  caPems: readonly string[];
}

/** A dial or exchange failure, classified for operators. */
export class PeerDialError extends Error {
  override readonly name = 'PeerDialError';
  constructor(
    readonly reason: PeeringReason,
    message: string,
    readonly address: string,
    /** gRPC status code when the peer answered one. */
    readonly grpcCode?: number,
  ) {
    super(message);
  }
}

/**
 * What the peering service needs from the transport: the unary ExchangeSecret call (tries each address). It
 * must end in bounded time whatever the addresses do, rejecting with a {@link PeerDialError} that says why.
 */
export type ExchangeSecretFn = (
  target: DialTarget,
  req: { PeerID: string; EstablishmentSecret: string },
  signal?: AbortSignal,
) => Promise<string>;

/** The local cluster's identity as peers see it. */
export interface LocalPeeringIdentity {
  datacenter: string;
  /** PEMs of this cluster's Connect CA roots (each with a trailing newline). */
  rootPems(): string[];
  /** `server.<dc>.peering.<trust-domain>` */
  serverName(): string;
  /** `<cluster-id>.consul` */
  trustDomain(): string;
  /** `host:port` of this server's gRPC TLS listener as peers reach it; empty when the listener is off. */
  serverAddresses(): string[];
}

export interface PeeringServiceOptions {
  store: PeeringServiceStore;
  write: PeeringWrite;
  tracker: StreamTracker;
  identity: LocalPeeringIdentity;
  exchangeSecret: ExchangeSecretFn;
  enabled: boolean;
  /**
   * `connect.enabled`; defaults to true. Without Connect no peering token is generated (Consul's rule: the token
   * carries the CA roots), while dialing with a token from elsewhere still works.
   */
  connectEnabled?: boolean;
}

export interface GenerateTokenRequest {
  PeerName: string;
  Meta: Record<string, string>;
  ServerExternalAddresses: string[];
}

export interface EstablishRequest {
  PeerName: string;
  PeeringToken: string;
  Meta: Record<string, string>;
}

/**
 * Peering management (Consul's PeeringService): token generation, establishment, deletion. Every server of a
 * cluster can answer these calls; none of them is leader-only, unlike Consul.
 */
export class PeeringService {
  readonly #o: PeeringServiceOptions;

  constructor(opts: PeeringServiceOptions) {
    this.#o = opts;
  }

  /** Throws the "peering is disabled" error when peering is off in the agent configuration. */
  assertEnabled(): void {
    if (!this.#o.enabled) {
      throw new AppError(
        'ENT_ERR_BAD_REQUEST',
        'peering is disabled: enable it with `peering { enabled = true }` in the agent configuration',
      );
    }
  }

  async #commit(cmd: PeeringWriteCommand): Promise<unknown> {
    const { result } = await this.#o.write(cmd);
    if (!result.ok) throw new AppError(result.code, result.error);
    return result.value;
  }

  /** POST /v1/peering/token */
  async generateToken(req: GenerateTokenRequest): Promise<string> {
    this.assertEnabled();
    if (this.#o.connectEnabled === false) {
      throw new AppError(
        'ENT_ERR_CONNECT_DISABLED',
        "connect.enabled must be set to true in the server's configuration when generating peering tokens",
      );
    }
    validatePeerName(req.PeerName);
    for (const a of req.ServerExternalAddresses)
      validateAddress(a, `${a} is not a valid peering server address`);
    const id = this.#o.identity;
    const roots = id.rootPems();
    if (roots.length === 0) throw new AppError('ENT_ERR_UNAVAILABLE', 'CA has not finished initializing');
    const serverAddresses = id.serverAddresses();
    if (serverAddresses.length === 0 && req.ServerExternalAddresses.length === 0) {
      throw badRequest(
        'TLS for gRPC must be enabled when generating peering tokens: set ports { grpc_tls = 8503 }',
      );
    }
    const existing = this.#o.store.peering(undefined, req.PeerName).value;
    const peeringId = existing?.ID ?? randomUUID();
    const secret = randomUUID();
    await this.#commit({
      Type: 'peering-token',
      ID: peeringId,
      Name: req.PeerName,
      Meta: req.Meta,
      EstablishmentSecret: secret,
    });
    return encodePeeringToken({
      CA: roots,
      ManualServerAddresses: req.ServerExternalAddresses,
      ServerAddresses: serverAddresses,
      ServerName: id.serverName(),
      PeerID: peeringId,
      EstablishmentSecret: secret,
      Remote: { Partition: 'default', Datacenter: id.datacenter, Locality: null },
    });
  }

  /** POST /v1/peering/establish */
  async establish(req: EstablishRequest, signal?: AbortSignal): Promise<void> {
    this.assertEnabled();
    validatePeerName(req.PeerName);
    const token = decodePeeringToken(req.PeeringToken);
    if (token.ServerName === this.#o.identity.serverName()) {
      throw badRequest(
        `cannot create a peering within the same cluster "${this.#o.identity.datacenter}"; the peering token was generated by this cluster`,
      );
    }
    const existing = this.#o.store.peering(undefined, req.PeerName).value;
    if (existing && !shouldDial(existing) && existing.PeerID === '' && existing.State !== 'TERMINATED') {
      throw badRequest(
        `cannot create peering with name: "${req.PeerName}"; there is an existing peering expecting to be dialed`,
      );
    }
    if (existing?.State === 'DELETING') {
      throw badRequest(
        `cannot establish peering "${req.PeerName}": it is being deleted; wait until it is gone`,
      );
    }
    if (token.CA.length === 0) {
      // Consul dials such a token in plaintext: the secret and every replicated record would cross the network
      // unauthenticated and in clear. Entente refuses it.
      throw badRequest(
        'peering token has no CA certificates: refusing to dial the peer without TLS; generate the token on a cluster whose gRPC TLS port is enabled',
      );
    }
    const base = {
      ID: existing?.ID ?? randomUUID(),
      Name: req.PeerName,
      Meta: req.Meta,
      PeerID: token.PeerID,
      PeerCAPems: [...token.CA],
      PeerServerName: token.ServerName,
      PeerServerAddresses: dedupeAddresses(token.ServerAddresses),
      ManualServerAddresses: dedupeAddresses(token.ManualServerAddresses),
      Remote: { Partition: token.Remote.Partition, Datacenter: token.Remote.Datacenter },
    };
    const addresses =
      base.ManualServerAddresses.length > 0 ? base.ManualServerAddresses : base.PeerServerAddresses;
    // NOTE: nothing is written before the exchange succeeds, so a failed establish (refused secret, peer error,
    // unreachable peer) leaves no FAILING record behind to delete by hand; an existing peering of that name is
    // left as it was. The exchange is bounded (see ExchangeSecretFn), so this call always ends.
    let streamSecret: string;
    try {
      streamSecret = await this.#o.exchangeSecret(
        { addresses, serverName: base.PeerServerName, caPems: base.PeerCAPems },
        { PeerID: token.PeerID, EstablishmentSecret: token.EstablishmentSecret },
        signal,
      );
    } catch (err) {
      if (err instanceof PeerDialError) {
        if (existing) {
          this.#o.tracker.attempt(existing.ID, err.address, { reason: err.reason, message: err.message });
        }
        if (err.reason === 'SECRET_REJECTED') {
          throw new AppError(
            'ENT_ERR_PERMISSION_DENIED',
            err.message.startsWith('a new peering token must be generated')
              ? err.message
              : `a new peering token must be generated: ${err.message}`,
          );
        }
        throw new AppError(
          'ENT_ERR_UNAVAILABLE',
          `failed to establish peering "${req.PeerName}" (${err.reason}): ${err.message}`,
          {
            http: 500,
          },
        );
      }
      throw err;
    }
    await this.#commit({ Type: 'peering-establish', ...base, ActiveStreamSecret: streamSecret });
  }

  /** DELETE /v1/peering/:name: marks DELETING; the peering manager terminates the stream and cleans up. */
  async delete(name: string): Promise<void> {
    this.assertEnabled();
    await this.#commit({ Type: 'peering-delete', Name: name, DeletedAt: new Date().toISOString() });
  }
}

export function validatePeerName(name: string): void {
  if (!PEER_NAME_RE.test(name)) {
    throw badRequest(
      `${JSON.stringify(name)} is not a valid peer name: it must be a lower-case DNS label (a-z, 0-9 and "-", starting and ending with a letter or digit, at most 63 characters)`,
    );
  }
}

/** Addresses in first-seen order without repeats: a token listing one address twice must not dial it twice. */
export function dedupeAddresses(addresses: readonly string[]): string[] {
  return [...new Set(addresses)];
}

/** `host:port` with a port in 1–65535. */
export function validateAddress(addr: string, message: string): void {
  const i = addr.lastIndexOf(':');
  const host = i < 0 ? '' : addr.slice(0, i);
  const port = i < 0 ? NaN : Number(addr.slice(i + 1));
  if (host === '' || !Number.isInteger(port) || port < 1 || port > 65535) throw badRequest(message);
}
