import assert from 'node:assert/strict';
import { test } from 'node:test';

import { AppError } from '../errors/index.js';
import { decodeConfigEntry } from './index.js';

/** Asserts `raw` fails Normalize/Validate with Consul's exact message and HTTP 500. */
function invalid(raw: Record<string, unknown>, message: string): void {
  assert.throws(
    () => decodeConfigEntry(raw),
    (err: unknown) => {
      assert.ok(err instanceof AppError, String(err));
      assert.equal(err.message, message);
      assert.equal(err.httpStatus, 500);
      return true;
    },
  );
}
const one = (msg: string): string => `1 error occurred:\n\t* ${msg}\n\n`;

type Case = readonly [title: string, raw: Record<string, unknown>, message: string];

function table(prefix: string, cases: readonly Case[]): void {
  for (const [title, raw, message] of cases) {
    test(`config-entry - ${prefix}: ${title}`, () => {
      invalid(raw, message);
    });
  }
}

const sd = (extra: Record<string, unknown>): Record<string, unknown> => ({
  Kind: 'service-defaults',
  Name: 'web',
  ...extra,
});
const manyMeta = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v']));

table('meta', [
  ['more than 64 pairs', sd({ Meta: manyMeta }), one('Meta exceeds maximum element count 64')],
  [
    'key longer than 128 bytes',
    sd({ Meta: { ['k'.repeat(129)]: 'v' } }),
    one(`Meta key "${'k'.repeat(129)}" exceeds maximum length 128`),
  ],
  [
    'value longer than 512 bytes',
    sd({ Meta: { k: 'v'.repeat(513) } }),
    one('Meta value for key "k" exceeds maximum length 512'),
  ],
  [
    'errors accumulate',
    sd({ Meta: { k: 'v'.repeat(513) }, BalanceInboundConnections: 'x' }),
    '2 errors occurred:\n\t* Meta value for key "k" exceeds maximum length 512\n\t* invalid value for balance_inbound_connections: x\n\n',
  ],
  [
    'proxy-defaults meta',
    { Kind: 'proxy-defaults', Meta: manyMeta },
    one('Meta exceeds maximum element count 64'),
  ],
  ['mesh meta', { Kind: 'mesh', Meta: manyMeta }, one('Meta exceeds maximum element count 64')],
]);

test('config-entry - meta allows the consul- prefix on config entries', () => {
  assert.deepEqual(decodeConfigEntry(sd({ Meta: { 'consul-x': 'y' } }))['Meta'], { 'consul-x': 'y' });
});

table('service-defaults', [
  ['name required', { Kind: 'service-defaults' }, 'Name is required'],
  [
    'wildcard name',
    sd({ Name: '*' }),
    'service-defaults name must be the name of a service, and not a wildcard',
  ],
  [
    'inbound balance',
    sd({ BalanceInboundConnections: 'round_robin' }),
    one('invalid value for balance_inbound_connections: round_robin'),
  ],
  [
    'upstream config and destination exclusive',
    sd({ UpstreamConfig: {}, Destination: { Addresses: ['a.com'], Port: 80 } }),
    one('UpstreamConfig and Destination are mutually exclusive for service defaults'),
  ],
  [
    'override needs a name',
    sd({ UpstreamConfig: { Overrides: [{}] } }),
    one('error in upstream override for : Name is required'),
  ],
  [
    'override name not wildcard',
    sd({ UpstreamConfig: { Overrides: [{ Name: '*' }] } }),
    one('error in upstream override for *: Wildcard name is not supported'),
  ],
  [
    'defaults without name',
    sd({ UpstreamConfig: { Defaults: { Name: 'x' } } }),
    one('error in upstream defaults: Name must be empty'),
  ],
  [
    'negative passive health check interval',
    sd({ UpstreamConfig: { Defaults: { PassiveHealthCheck: { Interval: '-1s' } } } }),
    one(`error in upstream defaults: ${one('passive health check interval cannot be negative')}`),
  ],
  [
    'enforcing_consecutive_5xx over 100',
    sd({ UpstreamConfig: { Defaults: { PassiveHealthCheck: { EnforcingConsecutive5xx: 101 } } } }),
    one(
      `error in upstream defaults: ${one('passive health check enforcing_consecutive_5xx must be a percentage between 0 and 100')}`,
    ),
  ],
  [
    'max_ejection_percent over 100',
    sd({ UpstreamConfig: { Defaults: { PassiveHealthCheck: { max_ejection_percent: 101 } } } }),
    one(
      `error in upstream defaults: ${one('passive health check max_ejection_percent must be a percentage between 0 and 100')}`,
    ),
  ],
  [
    'negative base ejection time',
    sd({ UpstreamConfig: { Defaults: { PassiveHealthCheck: { BaseEjectionTime: '-2s' } } } }),
    one(`error in upstream defaults: ${one('passive health check base_ejection_time cannot be negative')}`),
  ],
  [
    'negative limits',
    sd({ UpstreamConfig: { Overrides: [{ Name: 'api', Limits: { MaxConnections: -1 } }] } }),
    one(`error in upstream override for api: ${one('max connections cannot be negative')}`),
  ],
  [
    'negative pending requests',
    sd({ UpstreamConfig: { Overrides: [{ Name: 'api', Limits: { MaxPendingRequests: -1 } }] } }),
    one(`error in upstream override for api: ${one('max pending requests cannot be negative')}`),
  ],
  [
    'negative concurrent requests',
    sd({ UpstreamConfig: { Overrides: [{ Name: 'api', Limits: { MaxConcurrentRequests: -1 } }] } }),
    one(`error in upstream override for api: ${one('max concurrent requests cannot be negative')}`),
  ],
  [
    'outbound balance',
    sd({ UpstreamConfig: { Defaults: { BalanceOutboundConnections: 'x' } } }),
    one(`error in upstream defaults: ${one('invalid value for balance_outbound_connections: x')}`),
  ],
  [
    'destination needs addresses',
    sd({ Destination: { Port: 443 } }),
    one('Destination must contain at least one valid address'),
  ],
  [
    'destination duplicate address',
    sd({ Destination: { Addresses: ['a.com', 'a.com'], Port: 443 } }),
    one("Duplicate address 'a.com' is not allowed"),
  ],
  [
    'destination invalid address',
    sd({ Destination: { Addresses: ['*.a.com'], Port: 443 } }),
    one("Destination address '*.a.com' is invalid Could not validate address *.a.com as an IP or Hostname"),
  ],
  [
    'destination port',
    sd({ Destination: { Addresses: ['10.0.0.1'], Port: 70000 } }),
    one('Invalid Port number 70000'),
  ],
  [
    'mutual TLS mode',
    sd({ MutualTLSMode: 'loose' }),
    'Invalid MutualTLSMode "loose". Must be one of "", "strict", or "permissive".',
  ],
]);

const pd = (extra: Record<string, unknown>): Record<string, unknown> => ({
  Kind: 'proxy-defaults',
  Name: 'global',
  ...extra,
});
table('proxy-defaults', [
  ['name must be global', pd({ Name: 'web' }), 'invalid name ("web"), only "global" is supported'],
  ['access log type', pd({ AccessLogs: { Type: 'syslog' } }), 'invalid access log type: syslog'],
  [
    'file access logs need a path',
    pd({ AccessLogs: { Type: 'file' } }),
    'path must be specified when using file type access logs',
  ],
  [
    'one access log format',
    pd({ AccessLogs: { JSONFormat: '{}', TextFormat: 'x' } }),
    'cannot specify both access log JSONFormat and TextFormat',
  ],
  [
    'path only for file logs',
    pd({ access_logs: { type: 'stdout', path: '/x' } }),
    'path is only valid for file type access logs',
  ],
  [
    'socket dir length',
    pd({ Config: { envoy_hcp_metrics_bind_socket_dir: 'd'.repeat(71) } }),
    'Config: envoy_hcp_metrics_bind_socket_dir length 71 exceeds max 70',
  ],
  [
    'prioritize by locality is enterprise',
    pd({ PrioritizeByLocality: { Mode: 'failover' } }),
    'Prioritize-by-locality requires Consul Enterprise ',
  ],
  [
    'mutual TLS mode',
    pd({ MutualTLSMode: 'x' }),
    'Invalid MutualTLSMode "x". Must be one of "", "strict", or "permissive".',
  ],
  [
    'Config.protocol must be a string',
    pd({ Config: { protocol: { a: 1 } } }),
    "1 error(s) decoding:\n\n* 'protocol' expected type 'string', got unconvertible type 'map[string]interface {}', value: 'map[a:1]'",
  ],
]);

test('config-entry - proxy-defaults invalid access log JSON is rejected', () => {
  assert.throws(
    () => decodeConfigEntry(pd({ AccessLogs: { JSONFormat: '{' } })),
    (err: unknown) => {
      assert.ok(err instanceof AppError);
      assert.match(err.message, /^invalid access log json for JSON format: /);
      return true;
    },
  );
});

const rt = (route: Record<string, unknown>): Record<string, unknown> => ({
  Kind: 'service-router',
  Name: 'web',
  Routes: [route],
});
const http = (m: Record<string, unknown>): Record<string, unknown> => rt({ Match: { HTTP: m } });
table('service-router', [
  ['name required', { Kind: 'service-router' }, 'Name is required'],
  ['PathExact slash', http({ PathExact: 'x' }), `Route[0] PathExact doesn't start with '/': "x"`],
  ['PathPrefix slash', http({ PathPrefix: 'x' }), `Route[0] PathPrefix doesn't start with '/': "x"`],
  [
    'one path matcher',
    http({ PathExact: '/x', PathRegex: '.*' }),
    'Route[0] should only contain at most one of PathExact, PathPrefix, or PathRegex',
  ],
  ['header name', http({ Header: [{ Exact: 'x' }] }), 'Route[0] Header[0] missing required Name field'],
  [
    'header one matcher',
    http({ Header: [{ Name: 'x', Exact: 'a', Prefix: 'b' }] }),
    'Route[0] Header[0] should only contain one of Present, Exact, Prefix, Suffix, or Regex',
  ],
  [
    'query param name',
    http({ QueryParam: [{ Exact: 'x' }] }),
    'Route[0] QueryParam[0] missing required Name field',
  ],
  [
    'query param one matcher',
    http({ QueryParam: [{ Name: 'x' }] }),
    'Route[0] QueryParam[0] should only contain one of Present, Exact, or Regex',
  ],
  ['invalid method', http({ Methods: ['FETCH'] }), 'Route[0] Methods contains an invalid method "FETCH"'],
  ['duplicate method', http({ Methods: ['get', 'GET'] }), 'Route[0] Methods contains "GET" more than once'],
  [
    'prefix rewrite needs a path match',
    rt({ Destination: { PrefixRewrite: '/' } }),
    'Route[0] cannot make use of PrefixRewrite without configuring either PathExact or PathPrefix',
  ],
  [
    'retry condition',
    rt({ Destination: { RetryOn: ['sometimes'] } }),
    'Route[0] contains an invalid retry condition: "sometimes"',
  ],
]);

const sp = (splits: unknown): Record<string, unknown> => ({
  Kind: 'service-splitter',
  Name: 'web',
  Splits: splits,
});
table('service-splitter', [
  ['name required', { Kind: 'service-splitter', Splits: [{ Weight: 100 }] }, 'Name is required'],
  ['splits required', sp([]), 'no splits configured'],
  [
    'duplicate destination',
    sp([{ Weight: 50 }, { Weight: 50, Service: 'web' }]),
    'split destination occurs more than once: service="web", subset="", namespace="", partition=""',
  ],
  [
    'weights sum to 100',
    sp([{ Weight: 50 }, { Weight: 49.99, Service: 'b' }]),
    'the sum of all split weights must be 100, not 99.989998',
  ],
  [
    'weights do not exceed 100',
    sp([{ Weight: 60 }, { Weight: 50, Service: 'b' }]),
    'the sum of all split weights must be 100, not 110.000000',
  ],
]);

const rs = (extra: Record<string, unknown>): Record<string, unknown> => ({
  Kind: 'service-resolver',
  Name: 'api',
  ...extra,
});
const withSubsets = (extra: Record<string, unknown>): Record<string, unknown> =>
  rs({ Subsets: { v1: {} }, ...extra });
const fo = (f: Record<string, unknown>, key = '*'): Record<string, unknown> =>
  withSubsets({ Failover: { [key]: f } });
table('service-resolver', [
  ['name required', { Kind: 'service-resolver' }, 'Name is required'],
  [
    'subset names are DNS labels',
    rs({ Subsets: { V1: {} } }),
    `Subset "V1" is invalid: must be 63 characters or fewer, begin or end with lower case alphanumeric characters, and contain lower case alphanumeric characters or '-' in between`,
  ],
  [
    'subset name length',
    rs({ Subsets: { ['a'.repeat(64)]: {} } }),
    `Subset "${'a'.repeat(64)}" is invalid: must be non-empty and 63 characters or fewer`,
  ],
  ['default subset must exist', rs({ DefaultSubset: 'v9' }), 'DefaultSubset "v9" is not a valid subset'],
  [
    'redirect partition is enterprise',
    rs({ Redirect: { Service: 'x', Partition: 'p' } }),
    'Redirect: Setting Partition requires Consul Enterprise',
  ],
  [
    'redirect namespace is enterprise',
    rs({ Redirect: { Service: 'x', Namespace: 'n' } }),
    'Redirect: Setting Namespace requires Consul Enterprise',
  ],
  [
    'redirect sameness group is enterprise',
    rs({ Redirect: { SamenessGroup: 'g' } }),
    'Redirect: Setting SamenessGroup requires Consul Enterprise',
  ],
  [
    'redirect or failover',
    rs({ Redirect: { Service: 'x' }, Failover: { '*': { Service: 'y' } } }),
    'Redirect and Failover cannot both be set',
  ],
  ['redirect not empty', rs({ Redirect: {} }), 'Redirect is empty'],
  [
    'redirect peer and subset',
    rs({ Redirect: { Service: 'x', Peer: 'p', ServiceSubset: 'v1' } }),
    'Redirect.Peer cannot be set with Redirect.ServiceSubset',
  ],
  [
    'redirect peer and datacenter',
    rs({ Redirect: { Service: 'x', Peer: 'p', Datacenter: 'dc2' } }),
    'Redirect.Peer cannot be set with Redirect.Datacenter',
  ],
  [
    'redirect subset needs service',
    rs({ Redirect: { ServiceSubset: 'v1' } }),
    'Redirect.ServiceSubset defined without Redirect.Service',
  ],
  [
    'redirect peer needs service',
    rs({ Redirect: { Peer: 'east' } }),
    'Redirect.Peer defined without Redirect.Service',
  ],
  [
    'redirect to own unknown subset',
    rs({ Redirect: { Service: 'api', ServiceSubset: 'v9' } }),
    'Redirect.ServiceSubset "v9" is not a valid subset of "api"',
  ],
  [
    'failover namespace is enterprise',
    fo({ Namespace: 'n' }),
    'Bad Failover["*"]: Setting Namespace requires Consul Enterprise',
  ],
  [
    'failover sameness group is enterprise',
    fo({ SamenessGroup: 'g' }),
    'Bad Failover["*"]: Setting SamenessGroup requires Consul Enterprise',
  ],
  [
    'failover key must be a subset',
    fo({ Service: 'x' }, 'v9'),
    'Bad Failover["v9"]: not a valid subset subset',
  ],
  [
    'failover not empty',
    fo({}),
    'Bad Failover["*"]: one of Service, ServiceSubset, Namespace, Targets, or Datacenters is required',
  ],
  [
    'failover policies are enterprise',
    fo({ Service: 'x', Policy: { Mode: 'order-by-locality' } }),
    'Bad Failover["*"]: Setting failover policies requires Consul Enterprise',
  ],
  [
    'failover subset must exist',
    fo({ ServiceSubset: 'v9' }),
    'Bad Failover["*"]: ServiceSubset "v9" is not a valid subset of ""',
  ],
  [
    'targets or datacenters',
    fo({ Datacenters: ['dc2'], Targets: [{ Peer: 'p' }] }),
    'Bad Failover["*"]: Targets cannot be set with Datacenters',
  ],
  [
    'targets or subset',
    fo({ ServiceSubset: 'v1', Targets: [{ Peer: 'p' }] }),
    'Bad Failover["*"]: Targets cannot be set with ServiceSubset',
  ],
  [
    'targets or service',
    fo({ Service: 'x', Targets: [{ Peer: 'p' }] }),
    'Bad Failover["*"]: Targets cannot be set with Service',
  ],
  [
    'target partition is enterprise',
    fo({ Targets: [{ Partition: 'p' }] }),
    'Bad Failover["*"].Targets[0]: Setting Partition requires Consul Enterprise',
  ],
  [
    'target namespace is enterprise',
    fo({ Targets: [{ Namespace: 'n' }] }),
    'Bad Failover["*"].Targets[0]: Setting Namespace requires Consul Enterprise',
  ],
  [
    'target peer and subset',
    fo({ Targets: [{ Peer: 'p', ServiceSubset: 'v1' }] }),
    'Bad Failover["*"].Targets[0]: Peer cannot be set with ServiceSubset',
  ],
  [
    'target peer and datacenter',
    fo({ Targets: [{ Peer: 'p', Datacenter: 'dc2' }] }),
    'Bad Failover["*"].Targets[0]: Peer cannot be set with Datacenter',
  ],
  [
    'target subset must exist',
    fo({ Targets: [{ ServiceSubset: 'v9' }] }),
    'Bad Failover["*"].Targets[0]: ServiceSubset "v9" is not a valid subset of "api"',
  ],
  [
    'empty failover datacenter',
    fo({ Datacenters: [''] }),
    'Bad Failover["*"].Datacenters: found empty datacenter',
  ],
  ['negative connect timeout', rs({ ConnectTimeout: '-1s' }), "Bad ConnectTimeout '-1s', must be >= 0"],
  ['negative request timeout', rs({ RequestTimeout: '-1.5s' }), "Bad RequestTimeout '-1.5s', must be >= 0"],
  [
    'load balancer policy',
    rs({ LoadBalancer: { Policy: 'fastest' } }),
    'Bad LoadBalancer policy: "fastest" is not supported',
  ],
  [
    'ring hash config needs ring_hash',
    rs({ LoadBalancer: { Policy: 'maglev', RingHashConfig: {} } }),
    'Bad LoadBalancer configuration. RingHashConfig specified for incompatible load balancing policy "maglev"',
  ],
  [
    'least request config needs least_request',
    rs({ LoadBalancer: { LeastRequestConfig: { ChoiceCount: 2 } } }),
    'Bad LoadBalancer configuration. LeastRequestConfig specified for incompatible load balancing policy ""',
  ],
  [
    'hash policies need a hash-based policy',
    rs({ LoadBalancer: { Policy: 'random', HashPolicies: [{ SourceIP: true }] } }),
    'Bad LoadBalancer configuration: HashPolicies specified for non-hash-based Policy: "random"',
  ],
  ...(
    [
      [{ Field: 'body', FieldValue: 'x' }, '"body" is not a supported field'],
      [
        { Field: 'header', FieldValue: 'x', SourceIP: true },
        'A single hash policy cannot hash both a source address and a "header"',
      ],
      [{ FieldValue: 'x', SourceIP: true }, 'A FieldValue cannot be specified when hashing SourceIP'],
      [{ Field: 'header' }, 'Field "header" was specified without a FieldValue'],
      [{ FieldValue: 'x' }, 'FieldValue requires a Field to apply to'],
      [{ Field: 'header', FieldValue: 'x', CookieConfig: {} }, 'cookie_config provided for "header"'],
      [
        { Field: 'cookie', FieldValue: 'x', CookieConfig: { Session: true, TTL: '10s' } },
        'a session cookie cannot have an associated TTL',
      ],
    ] as const
  ).map(([hp, msg]): Case => [
    `hash policy: ${msg}`,
    rs({ LoadBalancer: { Policy: 'ring_hash', HashPolicies: [hp] } }),
    `Bad LoadBalancer HashPolicy[0]: ${msg}`,
  ]),
  [
    'prioritize by locality is enterprise',
    rs({ PrioritizeByLocality: { Mode: 'failover' } }),
    'Prioritize-by-locality requires Consul Enterprise ',
  ],
]);

const ix = (sources: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  Kind: 'service-intentions',
  Name: 'api',
  Sources: sources,
  ...extra,
});
const perm = (p: Record<string, unknown>): Record<string, unknown> => ix([{ Name: 'web', Permissions: [p] }]);
table('service-intentions', [
  [
    'name required',
    { Kind: 'service-intentions', Sources: [{ Name: 'web', Action: 'allow' }] },
    'Name is required',
  ],
  [
    'destination partial wildcard',
    ix([{ Name: 'web', Action: 'allow' }], { Name: 'api*' }),
    "Name: wildcard character '*' cannot be used with partial values",
  ],
  [
    'JWT provider name',
    ix([{ Name: 'web', Action: 'allow' }], { JWT: { Providers: [{}] } }),
    one('JWT provider name is required'),
  ],
  ['at least one source', ix([]), 'At least one source is required'],
  ['source name required', ix([{ Action: 'allow' }]), 'Sources[0].Name is required'],
  [
    'sameness groups are enterprise',
    ix([{ Name: 'web', SamenessGroup: 'g', Action: 'allow' }]),
    'Sources[0].SamenessGroup: Sameness groups are a Consul Enterprise feature. ',
  ],
  [
    'source partial wildcard',
    ix([{ Name: 'web-*', Action: 'allow' }]),
    "Sources[0].Name: wildcard character '*' cannot be used with partial values",
  ],
  [
    'no wildcard peer',
    ix([{ Name: 'web', Peer: '*', Action: 'allow' }]),
    "Sources[0].Peer: cannot use wildcard '*' in peer",
  ],
  [
    'description length',
    ix([{ Name: 'web', Action: 'allow', Description: 'd'.repeat(513) }]),
    'Sources[0].Description exceeds maximum length 512',
  ],
  [
    'legacy meta',
    ix([{ Name: 'web', Action: 'allow', LegacyMeta: { a: 'b' } }]),
    'Sources[0].LegacyMeta must be omitted',
  ],
  ['action required', ix([{ Name: 'web' }]), "Sources[0].Action must be set to 'allow' or 'deny'"],
  [
    'action allow or deny',
    ix([{ Name: 'web', Action: 'maybe' }]),
    "Sources[0].Action must be set to 'allow' or 'deny'",
  ],
  [
    'action or permissions',
    ix([{ Name: 'web', Action: 'allow', Permissions: [{ Action: 'allow', HTTP: { PathPrefix: '/' } }] }]),
    'Sources[0].Action must be omitted if Permissions are specified',
  ],
  [
    'no permissions on wildcard destinations',
    ix([{ Name: 'web', Permissions: [{ Action: 'allow', HTTP: { PathPrefix: '/' } }] }], { Name: '*' }),
    'Sources[0].Permissions cannot be specified on intentions with wildcarded destinations',
  ],
  [
    'type consul',
    ix([{ Name: 'web', Action: 'allow', Type: 'external' }]),
    "Sources[0].Type must be set to 'consul'",
  ],
  [
    'permission action',
    perm({ HTTP: { PathPrefix: '/' } }),
    "Sources[0].Permissions[0].Action must be set to 'allow' or 'deny'",
  ],
  ['permission HTTP required', perm({ Action: 'allow' }), 'Sources[0].Permissions[0].HTTP is required'],
  [
    'permission PathExact',
    perm({ Action: 'allow', HTTP: { PathExact: 'x' } }),
    `Sources[0].Permissions[0].HTTP.PathExact doesn't start with '/': "x"`,
  ],
  [
    'permission PathPrefix',
    perm({ Action: 'allow', HTTP: { PathPrefix: 'x' } }),
    `Sources[0].Permissions[0].HTTP.PathPrefix doesn't start with '/': "x"`,
  ],
  [
    'permission one path',
    perm({ Action: 'allow', HTTP: { PathPrefix: '/x', PathRegex: '.*' } }),
    'Sources[0].Permissions[0].HTTP should only contain at most one of PathExact, PathPrefix, or PathRegex',
  ],
  [
    'permission header name',
    perm({ Action: 'allow', HTTP: { Header: [{ Present: true }] } }),
    'Sources[0].Permissions[0].HTTP.Header[0] missing required Name field',
  ],
  [
    'permission header one matcher',
    perm({ Action: 'allow', HTTP: { Header: [{ Name: 'x' }] } }),
    'Sources[0].Permissions[0].HTTP.Header[0] should only contain one of Present, Exact, Prefix, Suffix, or Regex',
  ],
  [
    'permission invalid method',
    perm({ Action: 'allow', HTTP: { Methods: ['FETCH'] } }),
    'Sources[0].Permissions[0].HTTP.Methods contains an invalid method "FETCH"',
  ],
  [
    'permission duplicate method',
    perm({ Action: 'allow', HTTP: { Methods: ['GET', 'get'] } }),
    'Sources[0].Permissions[0].HTTP.Methods contains "GET" more than once',
  ],
  [
    'permission not empty',
    perm({ Action: 'allow', HTTP: {} }),
    'Sources[0].Permissions[0].HTTP should not be empty',
  ],
  [
    'permission JWT provider name',
    perm({ Action: 'allow', HTTP: { PathPrefix: '/' }, JWT: { Providers: [{ Name: '' }] } }),
    one('JWT provider name is required'),
  ],
  [
    'duplicate source',
    ix([
      { Name: 'web', Action: 'allow' },
      { Name: 'web', Action: 'deny' },
    ]),
    'Sources[1] defines "web" more than once',
  ],
  [
    'duplicate peer source',
    ix([
      { Name: 'web', Peer: 'east', Action: 'allow' },
      { Name: 'web', Peer: 'east', Action: 'deny' },
    ]),
    'Sources[1] defines peer("east") "web" more than once',
  ],
]);

test('config-entry - intentions: the same name from a peer and locally is not a duplicate', () => {
  const e = decodeConfigEntry(
    ix([
      { Name: 'web', Action: 'allow' },
      { Name: 'web', Peer: 'east', Action: 'deny' },
    ]),
  );
  assert.equal((e['Sources'] as unknown[]).length, 2);
});

const ex = (services: unknown, name = 'default'): Record<string, unknown> => ({
  Kind: 'exported-services',
  Name: name,
  Services: services,
});
table('exported-services', [
  ['name must be default', ex([], 'web'), 'exported-services Name must be "default"'],
  ['name required', { Kind: 'exported-services' }, 'exported-services Name must be "default"'],
  [
    'partitions are enterprise',
    ex([{ Name: 'api', Consumers: [{ Partition: 'p2' }] }]),
    'Services[0].Consumers[0]: partitions are an enterprise-only feature',
  ],
  [
    'partition wildcard is enterprise in CE',
    ex([{ Name: 'api', Consumers: [{ Partition: '*' }] }]),
    'Services[0].Consumers[0]: partitions are an enterprise-only feature',
  ],
  [
    'sameness groups are enterprise',
    ex([{ Name: 'api', Consumers: [{ SamenessGroup: 'g' }] }]),
    'Services[0].Consumers[0]: sameness-groups are an enterprise-only feature',
  ],
  [
    'service name required',
    ex([{ Consumers: [{ Peer: 'east' }] }]),
    'Services[0]: service name cannot be empty',
  ],
  ['consumers required', ex([{ Name: 'api' }]), 'Services[0]: must have at least one consumer'],
  [
    'one consumer target',
    ex([{ Name: 'api', Consumers: [{ Peer: 'east', Partition: 'default' }] }]),
    'Services[0].Consumers[0]: must define at most one of Peer, Partition, or SamenessGroup',
  ],
  [
    'no wildcard peer',
    ex([{ Name: 'api', Consumers: [{ Peer: 'east' }, { Peer: '*' }] }]),
    'Services[0].Consumers[1]: exporting to all peers (wildcard) is not supported',
  ],
]);

table('mesh', [
  [
    'TLS version',
    { Kind: 'mesh', TLS: { Incoming: { TLSMinVersion: 'TLSv9' } } },
    'error in incoming TLS configuration: no matching TLS version found for TLSv9, please specify one of [TLS_AUTO, TLSv1_0, TLSv1_1, TLSv1_2, TLSv1_3]',
  ],
  [
    'max not below min',
    { Kind: 'mesh', TLS: { Outgoing: { TLSMinVersion: 'TLSv1_3', TLSMaxVersion: 'TLSv1_2' } } },
    'error in outgoing TLS configuration: configuring max version TLSv1_2 less than the configured min version TLSv1_3 is invalid',
  ],
  [
    'cipher suites only up to TLS 1.2',
    {
      Kind: 'mesh',
      TLS: { Incoming: { TLSMinVersion: 'TLSv1_3', CipherSuites: ['TLS_AES_128_GCM_SHA256'] } },
    },
    'error in incoming TLS configuration: configuring CipherSuites is only applicable to connections negotiated with TLS 1.2 or earlier, TLSMinVersion is set to TLSv1_3',
  ],
]);

test('config-entry - mesh bodies may not carry a Name (Consul has no such field)', () => {
  assert.throws(() => decodeConfigEntry({ Kind: 'mesh', Name: 'mesh' }), {
    message: 'Request decoding failed: 1 error occurred:\n\t* invalid config key "Name"\n\n',
  });
});
