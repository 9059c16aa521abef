import { parseAddress } from './address.js';
import { ApiConnectionError } from './api-error.js';
import { Agent } from './agent.js';
import { Catalog } from './catalog.js';
import { ConfigEntries } from './config-entries.js';
import { Connect } from './connect.js';
import { DiscoveryChain } from './discovery-chain.js';
import { Health } from './health.js';
import { KV } from './kv.js';
import { Peerings } from './peerings.js';
import { buildQuery, type ApiRequest, type ApiResponse, type Requester } from './request.js';
import { Status } from './status.js';

/** How to reach and authenticate to the server. */
export interface ApiClientOptions {
  /**
   * `host:port`, `http://host:port` or `https://host:port` (optionally with a path prefix).
   * Default `127.0.0.1:8500`.
   */
  readonly address?: string;
  /** Use https for an address without scheme (Consul's `CONSUL_HTTP_SSL`). Default false. */
  readonly https?: boolean;
  /** ACL token sent as `X-Consul-Token` on every request, unless a call gives its own. */
  readonly token?: string;
  /** Datacenter sent as `dc` on every request, unless a call gives its own. */
  readonly datacenter?: string;
  /** Namespace sent as `ns` on every request (Consul `api.Config.Namespace`; Enterprise-only on the server). */
  readonly namespace?: string;
  /** Admin partition sent as `partition` on every request (Consul `api.Config.Partition`; Enterprise-only). */
  readonly partition?: string;
}

/**
 * A typed client for Consul's HTTP API over the global `fetch`, modelled on Consul's Go `api` package: one
 * handle per endpoint group, reads returning a value with its {@link QueryMeta}, non-200 answers thrown as
 * {@link ApiError}.
 *
 * @example
 * ```ts
 * const client = new ApiClient({ address: '127.0.0.1:8500' });
 * const { value: nodes, meta } = await client.catalog.nodes({ stale: true });
 * ```
 */
export class ApiClient implements Requester {
  /** Base URL without trailing slash, e.g. `http://127.0.0.1:8500`. */
  readonly baseUrl: string;
  readonly catalog: Catalog;
  readonly health: Health;
  readonly agent: Agent;
  readonly kv: KV;
  readonly configEntries: ConfigEntries;
  readonly connect: Connect;
  readonly discoveryChain: DiscoveryChain;
  readonly status: Status;
  readonly peerings: Peerings;
  readonly #token: string | undefined;
  readonly #datacenter: string | undefined;
  readonly #namespace: string | undefined;
  readonly #partition: string | undefined;

  /** @throws Error when the address is malformed or a unix socket. */
  constructor(options: ApiClientOptions = {}) {
    this.baseUrl = parseAddress(options.address ?? '', options.https ?? false);
    this.#token = options.token === '' ? undefined : options.token;
    this.#datacenter = options.datacenter === '' ? undefined : options.datacenter;
    this.#namespace = options.namespace;
    this.#partition = options.partition;
    this.catalog = new Catalog(this);
    this.health = new Health(this);
    this.agent = new Agent(this);
    this.kv = new KV(this);
    this.configEntries = new ConfigEntries(this);
    this.connect = new Connect(this);
    this.discoveryChain = new DiscoveryChain(this);
    this.status = new Status(this);
    this.peerings = new Peerings(this);
  }

  /**
   * Sends one request and reads the whole body. Any status is returned; endpoint groups decide which are errors.
   *
   * @throws ApiConnectionError when no answer arrives (refused, reset, aborted).
   */
  async send(request: ApiRequest): Promise<ApiResponse> {
    const url =
      this.baseUrl +
      request.path +
      buildQuery(
        request.params ?? [],
        { dc: this.#datacenter, ns: this.#namespace, partition: this.#partition },
        request.query,
        request.write,
      );
    const headers = new Headers();
    const token = request.query?.token ?? request.write?.token ?? this.#token;
    if (token !== undefined && token !== '') headers.set('X-Consul-Token', token);
    let body: string | Uint8Array | undefined;
    if (request.raw !== undefined) {
      body = request.raw.data;
      headers.set('Content-Type', request.raw.contentType);
    } else if (request.json !== undefined) {
      body = `${JSON.stringify(request.json)}\n`;
      headers.set('Content-Type', 'application/json');
    }
    const signal = request.query?.signal ?? request.write?.signal;
    const started = performance.now();
    try {
      const init: RequestInit = { method: request.method, headers };
      if (body !== undefined) init.body = body;
      if (signal !== undefined) init.signal = signal;
      const response = await fetch(url, init);
      const text = await response.text();
      return {
        status: response.status,
        headers: response.headers,
        body: text,
        requestTimeMs: performance.now() - started,
      };
    } catch (err) {
      throw new ApiConnectionError(request.method, url, err);
    }
  }
}
