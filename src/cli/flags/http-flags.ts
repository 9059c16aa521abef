import { ApiClient } from '../../api/index.js';
import type { CliContext } from '../context.js';
import type { FlagSet, FlagValue } from './flag-set.js';

/**
 * Which of Consul's HTTP flag groups a command takes: client flags only, also `-datacenter`/`-stale`, or also
 * the multi-tenancy flags `-namespace`/`-partition` (Consul `MultiTenancyFlags`).
 */
export type HttpFlagGroups = 'client' | 'client+server' | 'client+server+tenancy';

/**
 * Consul's common HTTP flags (`command/flags/http.go`): `-http-addr`, `-token`, `-token-file`, and for
 * server-side reads `-datacenter`, `-stale`. Environment fallbacks: `CONSUL_HTTP_ADDR`, `CONSUL_HTTP_TOKEN`,
 * `CONSUL_HTTP_TOKEN_FILE`, `CONSUL_HTTP_SSL`.
 */
export class HttpFlags {
  readonly #address: FlagValue<string>;
  readonly #token: FlagValue<string>;
  readonly #tokenFile: FlagValue<string>;
  readonly #datacenter: FlagValue<string> | undefined;
  readonly #stale: FlagValue<boolean> | undefined;
  readonly #namespace: FlagValue<string> | undefined;
  readonly #partition: FlagValue<string> | undefined;

  constructor(fs: FlagSet, groups: HttpFlagGroups) {
    this.#address = fs.string(
      'http-addr',
      '',
      'The `address` and port of the Consul HTTP agent. The value can be an IP address or DNS address, but it ' +
        'must also include the port. This can also be specified via the CONSUL_HTTP_ADDR environment variable. ' +
        'The default value is http://127.0.0.1:8500. The scheme can also be set to HTTPS by setting the ' +
        'environment variable CONSUL_HTTP_SSL=true.',
      'http',
    );
    this.#token = fs.string(
      'token',
      '',
      'ACL token to use in the request. This can also be specified via the CONSUL_HTTP_TOKEN environment ' +
        'variable. If unspecified, the query will default to the token of the Consul agent at the HTTP address.',
      'http',
    );
    this.#tokenFile = fs.string(
      'token-file',
      '',
      'File containing the ACL token to use in the request instead of one specified via the -token argument ' +
        'or CONSUL_HTTP_TOKEN environment variable. This can also be specified via the CONSUL_HTTP_TOKEN_FILE ' +
        'environment variable.',
      'http',
    );
    if (groups !== 'client') {
      this.#datacenter = fs.string(
        'datacenter',
        '',
        'Name of the datacenter to query. If unspecified, this will default to the datacenter of the queried ' +
          'agent.',
        'http',
      );
      this.#stale = fs.bool(
        'stale',
        false,
        'Permit any Consul server (non-leader) to respond to this request. This allows for lower latency and ' +
          'higher throughput, but can result in stale data. This option has no effect on non-read operations. ' +
          'The default value is false.',
        'http',
      );
    }
    if (groups === 'client+server+tenancy') {
      // Passed to the server as `?ns=` / `?partition=`; a CE server (and Entente) refuses any value but
      // `default` with Consul's "… is a Consul Enterprise feature" error.
      this.#namespace = fs.string(
        'namespace',
        '',
        "Specifies the namespace to query. If not provided, the namespace will be inferred from the request's " +
          'ACL token, or will default to the `default` namespace. Namespaces are a Consul Enterprise feature.',
        'http',
      );
      this.#partition = fs.string(
        'partition',
        '',
        'Specifies the admin partition to query. If not provided, the admin partition will be inferred from ' +
          "the request's ACL token, or will default to the `default` admin partition. Admin Partitions are a " +
          'Consul Enterprise feature.',
        'http',
      );
    }
  }

  /** `-stale`, or false when the command has no server flags. */
  get stale(): boolean {
    return this.#stale?.value ?? false;
  }

  /**
   * Builds the client: flags over environment over defaults. As in Consul's client, a non-empty token file
   * wins over a token.
   *
   * @throws Error when the token file cannot be read or the address is invalid.
   */
  async client(ctx: CliContext): Promise<ApiClient> {
    const address = this.#address.isSet ? this.#address.value : (ctx.env['CONSUL_HTTP_ADDR'] ?? '');
    let token = this.#token.isSet ? this.#token.value : (ctx.env['CONSUL_HTTP_TOKEN'] ?? '');
    const tokenFile = this.#tokenFile.isSet
      ? this.#tokenFile.value
      : (ctx.env['CONSUL_HTTP_TOKEN_FILE'] ?? '');
    if (tokenFile !== '') {
      let data: Buffer;
      try {
        data = await ctx.readFile(tokenFile);
      } catch (err) {
        throw new Error(`Error loading token file: ${err instanceof Error ? err.message : String(err)}`, {
          cause: err,
        });
      }
      const fromFile = data.toString('utf8').trim();
      if (fromFile !== '') token = fromFile;
    }
    const https = /^(1|t|true)$/i.test(ctx.env['CONSUL_HTTP_SSL'] ?? '');
    return new ApiClient({
      address,
      https,
      token,
      datacenter: this.#datacenter?.value ?? '',
      namespace:
        this.#namespace?.isSet === true ? this.#namespace.value : (ctx.env['CONSUL_NAMESPACE'] ?? ''),
      partition:
        this.#partition?.isSet === true ? this.#partition.value : (ctx.env['CONSUL_PARTITION'] ?? ''),
    });
  }
}
