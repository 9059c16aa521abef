import { KNOWN_TYPE_URLS, STREAM_CODE, StreamError, TYPE_URL, type ReplicationMessage } from './messages.js';

type Request = Extract<ReplicationMessage, { kind: 'request' }>;

/**
 * The resource types the peer subscribed to, and Consul's checks on a subscription request (its first request
 * per type URL). A violation throws a `StreamError` (InvalidArgument) that ends the stream, with Consul's text.
 */
export class Subscriptions {
  readonly #isDialer: boolean;
  readonly #localId: string;
  readonly #urls = new Set<string>();

  constructor(isDialer: boolean, localPeeringId: string) {
    this.#isDialer = isDialer;
    this.#localId = localPeeringId;
  }

  has(url: string): boolean {
    return this.#urls.has(url);
  }

  /**
   * Classifies a request: `'subscribe'` for a valid first request of a type (now recorded), `'reply'` for an
   * ACK/NACK of a type already subscribed. Throws on an unknown type or a malformed subscription.
   */
  accept(msg: Request): 'subscribe' | 'reply' {
    if (!KNOWN_TYPE_URLS.has(msg.resourceUrl)) {
      throw new StreamError(
        STREAM_CODE.invalidArgument,
        `subscription request to unknown resource URL: ${msg.resourceUrl}`,
      );
    }
    if (this.#urls.has(msg.resourceUrl)) return 'reply';
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
    if (!this.#isDialer && msg.peerId !== '' && msg.peerId !== this.#localId) {
      throw new StreamError(
        STREAM_CODE.invalidArgument,
        `initial subscription requests for a resource type must have consistent PeerID values: got ${JSON.stringify(msg.peerId)}`,
      );
    }
    if (msg.resourceUrl === TYPE_URL.serverAddresses && this.#isDialer) {
      throw new StreamError(STREAM_CODE.invalidArgument, 'only a dialer may subscribe to server addresses');
    }
    this.#urls.add(msg.resourceUrl);
    return 'subscribe';
  }
}
