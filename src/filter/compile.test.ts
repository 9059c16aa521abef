import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  compileFilter,
  field,
  filterList,
  filterRecord,
  FilterError,
  schemas,
  type FieldType,
} from './index.js';

const PREFIX = 'Failed to create boolean expression evaluator: ';

const schema: FieldType = field.struct({
  Name: field.string,
  Port: field.int,
  Index: field.uint,
  Ratio: field.number,
  On: field.bool,
  Tags: field.list(field.string),
  Ports: field.list(field.int),
  Meta: field.map(field.string),
  Addrs: field.map(field.struct({ Address: field.string, Port: field.int })),
  Config: field.map(field.any),
  Inner: field.struct({ Mode: field.string, Deep: field.struct({ Flag: field.bool }) }),
  Checks: field.list(field.struct({ Status: field.string, Tags: field.list(field.string) })),
});

const item = {
  Name: 'web-1',
  Port: 8080,
  Index: 7,
  Ratio: 0.5,
  On: true,
  Tags: ['primary', 'v2'],
  Ports: [80, 443],
  Meta: { env: 'prod', 'key with spaces': 'yes', empty: '' },
  Addrs: { lan: { Address: '10.0.0.1', Port: 80 } },
  Config: { protocol: 'http' },
  Inner: { Mode: 'transparent', Deep: { Flag: true } },
  Checks: [
    { Status: 'passing', Tags: ['a'] },
    { Status: 'critical', Tags: [] },
  ],
};

function run(expression: string, data: unknown = item): boolean {
  return compileFilter(expression, schema).matches(data);
}

function compileError(expression: string, s: FieldType = schema): string {
  try {
    compileFilter(expression, s);
  } catch (err) {
    assert.ok(err instanceof FilterError, `not a FilterError: ${String(err)}`);
    assert.ok(err.message.startsWith(PREFIX));
    assert.equal(err.message, PREFIX + err.detail);
    return err.detail;
  }
  assert.fail(`expected ${JSON.stringify(expression)} to be rejected`);
}

test('filter - == and != on strings, ints, uints, floats and bools', () => {
  assert.equal(run('Name == "web-1"'), true);
  assert.equal(run('Name == web'), false);
  assert.equal(run('Name != web'), true);
  assert.equal(run('Port == 8080'), true);
  assert.equal(run('Port == "8080"'), true);
  assert.equal(run('Port == "0x1F90"'), true);
  assert.equal(run('Port != 80'), true);
  assert.equal(run('Index == 7'), true);
  assert.equal(run('Ratio == 0.5'), true);
  assert.equal(run('Ratio == "5e-1"'), true);
  assert.equal(run('On == true'), true);
  assert.equal(run('On == "T"'), true);
  assert.equal(run('On == 0'), false);
  assert.equal(run('On != false'), true);
});

test('filter - contains/in: substring on strings, membership on lists, keys on maps', () => {
  assert.equal(run('Name contains "eb-"'), true);
  assert.equal(run('"eb" in Name'), true);
  assert.equal(run('"" in Name'), true);
  assert.equal(run('Name not contains xyz'), true);
  assert.equal(run('Tags contains primary'), true);
  assert.equal(run('prim in Tags'), false);
  assert.equal(run('v3 not in Tags'), true);
  assert.equal(run('443 in Ports'), true);
  assert.equal(run('"0x1BB" in Ports'), true);
  assert.equal(run('22 in Ports'), false);
  assert.equal(run('env in Meta'), true);
  assert.equal(run('"key with spaces" in Meta'), true);
  assert.equal(run('prod in Meta'), false);
  assert.equal(run('lan in Addrs'), true);
  assert.equal(run('protocol in Config'), true);
  assert.equal(run('protocol not in Config'), false);
});

test('filter - matches and not matches use Go regexp syntax, unanchored', () => {
  assert.equal(run('Name matches "^web-\\\\d+$"'), true);
  assert.equal(run('Name matches `^web-\\d+$`'), true);
  assert.equal(run('Name matches "eb"'), true);
  assert.equal(run('Name matches `(?i)^WEB`'), true);
  assert.equal(run('Name not matches `^db`'), true);
  assert.equal(run('Meta.env matches `^p[[:alpha:]]+$`'), true);
  assert.equal(run('Checks.Status matches `^crit`'), true);
});

test('filter - is empty / is not empty on lists and maps', () => {
  assert.equal(run('Tags is not empty'), true);
  assert.equal(run('Tags is empty'), false);
  assert.equal(run('Meta is empty'), false);
  assert.equal(run('Checks is not empty'), true);
  assert.equal(run('Config is not empty'), true);
  assert.equal(run('Tags is empty', { ...item, Tags: [] }), true);
  assert.equal(run('Meta is empty', { ...item, Meta: null }), true);
  assert.equal(run('Checks is empty', {}), true);
});

test('filter - selectors run through maps and nested structs', () => {
  assert.equal(run('Meta.env == prod'), true);
  assert.equal(run('Meta["key with spaces"] == yes'), true);
  assert.equal(run('Meta.empty == ""'), true);
  assert.equal(run('Addrs.lan.Address == "10.0.0.1"'), true);
  assert.equal(run('Addrs.lan.Port == 80'), true);
  assert.equal(run('Inner.Mode == transparent'), true);
  assert.equal(run('Inner.Deep.Flag == true'), true);
});

test('filter - a selector through a list matches if ANY element matches', () => {
  assert.equal(run('Checks.Status == passing'), true);
  assert.equal(run('Checks.Status == critical'), true);
  assert.equal(run('Checks.Status == warning'), false);
  // != is also per element: true as soon as one element differs.
  assert.equal(run('Checks.Status != passing'), true);
  assert.equal(run('not Checks.Status != passing'), false);
  assert.equal(run('a in Checks.Tags'), true);
  assert.equal(run('Checks.Tags is empty'), true);
  // An empty list makes every per-element test false, even the negative ones.
  assert.equal(run('Checks.Status != passing', { ...item, Checks: [] }), false);
  assert.equal(run('Checks.Status == passing', { ...item, Checks: null }), false);
});

test('filter - a missing map key answers as go-bexpr v0.1.2 does', () => {
  assert.equal(run('Meta.nope == x'), false);
  assert.equal(run('Meta.nope != x'), true);
  assert.equal(run('x in Meta.nope'), false);
  assert.equal(run('x not in Meta.nope'), true);
  // Quirk kept for compatibility: every other operator is true for an absent key, `matches` included.
  assert.equal(run('Meta.nope matches x'), true);
  assert.equal(run('Meta.nope not matches x'), true);
  assert.equal(run('Addrs.wan.Port == 0'), false);
  assert.equal(run('Addrs.wan.Port != 0'), true);
});

test('filter - missing fields and null read as zero values', () => {
  const empty = {};
  assert.equal(run('Name == ""', empty), true);
  assert.equal(run('Port == 0', empty), true);
  assert.equal(run('Ratio == 0', empty), true);
  assert.equal(run('On == false', empty), true);
  assert.equal(run('Inner.Deep.Flag == false', { Inner: null }), true);
  assert.equal(run('Tags is empty', { Tags: null }), true);
  assert.equal(run('Name == ""', null), true);
  assert.equal(run('Port == 0', 'not an object'), true);
});

test('filter - values of the wrong JSON type never match', () => {
  assert.equal(run('Port == 1', { Port: 1.5 }), false);
  assert.equal(run('Port != 1', { Port: 1.5 }), true);
  assert.equal(run('Name == ""', { Name: 42 }), true);
  assert.equal(run('Ratio == 1', { Ratio: '1' }), false);
});

test('filter - and, or, not and parentheses combine results', () => {
  assert.equal(run('Name == "web-1" and Port == 8080'), true);
  assert.equal(run('Name == "web-1" and Port == 1'), false);
  assert.equal(run('Name == x or Port == 8080'), true);
  assert.equal(run('not Name == x'), true);
  assert.equal(run('Name == x and Port == 1 or On == true'), true);
  assert.equal(run('Name == x and (Port == 1 or On == true)'), false);
  assert.equal(run('not (Name == x or Port == 1)'), true);
});

test('filter - an empty expression matches everything', () => {
  const f = compileFilter('', schema);
  assert.equal(f.matches(item), true);
  assert.equal(f.matches(null), true);
  assert.equal(f.expression, '');
});

test('filter - unknown selectors are rejected before any data is seen', () => {
  assert.equal(compileError('Nope == 1'), 'Selector "Nope" is not valid');
  assert.equal(compileError('name == 1'), 'Selector "name" is not valid');
  assert.equal(compileError('Inner.Nope == 1'), 'Selector "Inner.Nope" is not valid');
  assert.equal(compileError('Inner.Mode.X == 1'), 'Selector "Inner.Mode.X" is not valid');
  assert.equal(compileError('Meta.env.x == 1'), 'Selector "Meta.env.x" is not valid');
  assert.equal(compileError('Config.protocol == 1'), 'Selector "Config.protocol" is not valid');
  assert.equal(compileError('Checks.Nope == 1'), 'Selector "Checks.Nope" is not valid');
  // Validation walks the whole tree, including the side that would short-circuit.
  assert.equal(compileError('Name == x or Nope == 1'), 'Selector "Nope" is not valid');
});

test('filter - operators a field does not support are rejected', () => {
  assert.equal(compileError('Port contains 1'), 'Invalid match operator "In" for selector "Port"');
  assert.equal(compileError('Port matches 1'), 'Invalid match operator "Matches" for selector "Port"');
  assert.equal(compileError('Name is empty'), 'Invalid match operator "Is Empty" for selector "Name"');
  assert.equal(compileError('Tags == a'), 'Invalid match operator "Equal" for selector "Tags"');
  assert.equal(compileError('Tags matches a'), 'Invalid match operator "Matches" for selector "Tags"');
  assert.equal(compileError('Meta == a'), 'Invalid match operator "Equal" for selector "Meta"');
  assert.equal(compileError('Inner == a'), 'Invalid match operator "Equal" for selector "Inner"');
  assert.equal(compileError('Inner is empty'), 'Invalid match operator "Is Empty" for selector "Inner"');
  assert.equal(compileError('Checks == a'), 'Invalid match operator "Equal" for selector "Checks"');
  assert.equal(compileError('a in Checks'), 'Invalid match operator "In" for selector "Checks"');
  assert.equal(compileError('On not in On'), 'Invalid match operator "Not In" for selector "On"');
});

test('filter - values that do not coerce to the field type are rejected', () => {
  assert.equal(
    compileError('Port == abc'),
    'Failed to coerce value "abc" for selector "Port": strconv.ParseInt: parsing "abc": invalid syntax',
  );
  assert.equal(
    compileError('Port == 1.5'),
    'Failed to coerce value "1.5" for selector "Port": strconv.ParseInt: parsing "1.5": invalid syntax',
  );
  assert.equal(
    compileError('Port == "99999999999999999999"'),
    'Failed to coerce value "99999999999999999999" for selector "Port": ' +
      'strconv.ParseInt: parsing "99999999999999999999": value out of range',
  );
  assert.equal(
    compileError('Index == -1'),
    'Failed to coerce value "-1" for selector "Index": strconv.ParseUint: parsing "-1": invalid syntax',
  );
  assert.equal(
    compileError('Ratio == x'),
    'Failed to coerce value "x" for selector "Ratio": strconv.ParseFloat: parsing "x": invalid syntax',
  );
  assert.equal(
    compileError('On == yes'),
    'Failed to coerce value "yes" for selector "On": strconv.ParseBool: parsing "yes": invalid syntax',
  );
  assert.equal(
    compileError('x in Ports'),
    'Failed to coerce value "x" for selector "Ports": strconv.ParseInt: parsing "x": invalid syntax',
  );
  assert.equal(
    compileError('Inner.Deep.Flag != "tru\\te"'),
    'Failed to coerce value "tru\\te" for selector "Inner.Deep.Flag": strconv.ParseBool: parsing "tru\\te": invalid syntax',
  );
});

test('filter - invalid regular expressions are rejected with Go regexp errors', () => {
  assert.equal(
    compileError('Name matches "("'),
    'Failed to compile regular expression "(": error parsing regexp: missing closing ): `(`',
  );
  assert.equal(
    compileError('Name not matches `a**`'),
    'Failed to compile regular expression "a**": error parsing regexp: invalid nested repetition operator: `**`',
  );
  assert.equal(
    compileError('Name matches `(?=x)`'),
    'Failed to compile regular expression "(?=x)": error parsing regexp: invalid or unsupported Perl syntax: `(?=`',
  );
});

test('filter - parse errors carry the Consul prefix', () => {
  assert.equal(
    compileError('Name =='),
    '1:8 (7): no match found, expected: "-", "0", "\\"", "`", [ \\t\\r\\n], [1-9] or [a-zA-Z]',
  );
  assert.equal(
    compileError('   '),
    '1:4 (3): no match found, expected: "(", "-", "0", "\\"", "`", "not", [ \\t\\r\\n], [1-9] or [a-zA-Z]',
  );
});

test('filter - the first error in the tree wins', () => {
  assert.equal(
    compileError('Port == x and Nope == 1'),
    'Failed to coerce value "x" for selector "Port": strconv.ParseInt: parsing "x": invalid syntax',
  );
  assert.equal(compileError('not (Nope == 1 and Port == x)'), 'Selector "Nope" is not valid');
});

test('filter - a map schema at the top level selects by key', () => {
  const top = field.map(field.string);
  assert.equal(compileFilter('env == prod', top).matches({ env: 'prod' }), true);
  assert.equal(compileFilter('env == prod', top).matches({}), false);
  assert.equal(compileError('a.b == 1', top), 'Selector "a.b" is not valid');
});

test('filter - filterList and filterRecord apply a filter to collections', () => {
  const f = compileFilter('Port != 80', schema);
  assert.deepEqual(filterList(f, [{ Port: 80 }, { Port: 81 }]), [{ Port: 81 }]);
  assert.deepEqual(filterRecord(f, { a: { Port: 80 }, b: { Port: 81 } }), { b: { Port: 81 } });
});

const STRING_OPS = 'Equal, Not Equal, In, Not In, Matches, Not Matches';
const MAP_OPS = 'Is Empty, Is Not Empty, In, Not In';
const LIST_OPS = 'In, Not In, Is Empty, Is Not Empty';
const EQ_OPS = 'Equal, Not Equal';
const EMPTY_OPS = 'Is Empty, Is Not Empty';

const OP_FORMS: Readonly<Record<string, (sel: string) => string>> = {
  Equal: (sel) => `${sel} == "1"`,
  'Not Equal': (sel) => `${sel} != "1"`,
  In: (sel) => `"1" in ${sel}`,
  'Not In': (sel) => `"1" not in ${sel}`,
  'Is Empty': (sel) => `${sel} is empty`,
  'Is Not Empty': (sel) => `${sel} is not empty`,
  Matches: (sel) => `${sel} matches "1"`,
  'Not Matches': (sel) => `${sel} not matches "1"`,
};

/** Consul's documented NodeService/AgentService filtering table (`<any>` written as `x`). */
const SERVICE_TABLE: readonly (readonly [string, string])[] = [
  ['Address', STRING_OPS],
  ['Connect.Native', EQ_OPS],
  ['EnableTagOverride', EQ_OPS],
  ['ID', STRING_OPS],
  ['Kind', STRING_OPS],
  ['Meta', MAP_OPS],
  ['Meta.x', STRING_OPS],
  ['Port', EQ_OPS],
  ['Proxy.DestinationServiceID', STRING_OPS],
  ['Proxy.DestinationServiceName', STRING_OPS],
  ['Proxy.LocalServiceAddress', STRING_OPS],
  ['Proxy.LocalServicePort', EQ_OPS],
  ['Proxy.Mode', STRING_OPS],
  ['Proxy.TransparentProxy.OutboundListenerPort', EQ_OPS],
  ['Proxy.MeshGateway.Mode', STRING_OPS],
  ['Proxy.Upstreams', EMPTY_OPS],
  ['Proxy.Upstreams.Datacenter', STRING_OPS],
  ['Proxy.Upstreams.DestinationName', STRING_OPS],
  ['Proxy.Upstreams.DestinationNamespace', STRING_OPS],
  ['Proxy.Upstreams.DestinationType', STRING_OPS],
  ['Proxy.Upstreams.LocalBindAddress', STRING_OPS],
  ['Proxy.Upstreams.LocalBindPort', EQ_OPS],
  ['Proxy.Upstreams.MeshGateway.Mode', STRING_OPS],
  ['Service', STRING_OPS],
  ['TaggedAddresses', MAP_OPS],
  ['TaggedAddresses.x.Address', STRING_OPS],
  ['TaggedAddresses.x.Port', EQ_OPS],
  ['Tags', LIST_OPS],
  ['Weights.Passing', EQ_OPS],
  ['Weights.Warning', EQ_OPS],
];

const NODE_TABLE: readonly (readonly [string, string])[] = [
  ['Address', STRING_OPS],
  ['Datacenter', STRING_OPS],
  ['ID', STRING_OPS],
  ['Meta', MAP_OPS],
  ['Meta.x', STRING_OPS],
  ['Node', STRING_OPS],
  ['TaggedAddresses', MAP_OPS],
  ['TaggedAddresses.x', STRING_OPS],
];

const CHECK_TABLE: readonly (readonly [string, string])[] = [
  ['CheckID', STRING_OPS],
  ['Name', STRING_OPS],
  ['Node', STRING_OPS],
  ['Notes', STRING_OPS],
  ['Output', STRING_OPS],
  ['ServiceID', STRING_OPS],
  ['ServiceName', STRING_OPS],
  ['ServiceTags', LIST_OPS],
  ['Status', STRING_OPS],
];

/** ServiceNode = node fields + `Service*`-prefixed service fields, per Consul's catalog table. */
const SERVICE_NODE_TABLE: readonly (readonly [string, string])[] = [
  ['Address', STRING_OPS],
  ['Datacenter', STRING_OPS],
  ['ID', STRING_OPS],
  ['Node', STRING_OPS],
  ['NodeMeta', MAP_OPS],
  ['NodeMeta.x', STRING_OPS],
  ['TaggedAddresses', MAP_OPS],
  ['TaggedAddresses.x', STRING_OPS],
  ['ServiceAddress', STRING_OPS],
  ['ServiceConnect.Native', EQ_OPS],
  ['ServiceEnableTagOverride', EQ_OPS],
  ['ServiceID', STRING_OPS],
  ['ServiceKind', STRING_OPS],
  ['ServiceMeta', MAP_OPS],
  ['ServiceMeta.x', STRING_OPS],
  ['ServiceName', STRING_OPS],
  ['ServicePort', EQ_OPS],
  ['ServiceProxy.DestinationServiceID', STRING_OPS],
  ['ServiceProxy.Mode', STRING_OPS],
  ['ServiceProxy.TransparentProxy.OutboundListenerPort', EQ_OPS],
  ['ServiceProxy.Upstreams', EMPTY_OPS],
  ['ServiceProxy.Upstreams.LocalBindPort', EQ_OPS],
  ['ServiceTaggedAddresses', MAP_OPS],
  ['ServiceTaggedAddresses.x.Address', STRING_OPS],
  ['ServiceTaggedAddresses.x.Port', EQ_OPS],
  ['ServiceTags', LIST_OPS],
  ['ServiceWeights.Passing', EQ_OPS],
  ['ServiceWeights.Warning', EQ_OPS],
];

function prefixed(prefix: string, table: readonly (readonly [string, string])[]): [string, string][] {
  return table.map(([sel, ops]) => [`${prefix}${sel}`, ops]);
}

function checkTable(name: string, s: FieldType, table: readonly (readonly [string, string])[]): void {
  for (const [selector, ops] of table) {
    const allowed = ops.split(', ');
    for (const [op, form] of Object.entries(OP_FORMS)) {
      const expression = form(selector);
      if (allowed.includes(op)) {
        assert.doesNotThrow(() => compileFilter(expression, s), `${name}: ${expression}`);
      } else {
        assert.throws(() => compileFilter(expression, s), /Invalid match operator/, `${name}: ${expression}`);
      }
    }
  }
}

test('filter - schemas accept exactly the operators Consul documents for each selector', () => {
  checkTable('node', schemas.node, NODE_TABLE);
  checkTable('serviceNode', schemas.serviceNode, SERVICE_NODE_TABLE);
  checkTable('nodeService', schemas.nodeService, SERVICE_TABLE);
  checkTable('agentService', schemas.agentService, SERVICE_TABLE);
  checkTable('healthCheck', schemas.healthCheck, CHECK_TABLE);
  checkTable('agentCheck', schemas.agentCheck, CHECK_TABLE);
  checkTable('checkServiceNode', schemas.checkServiceNode, [
    ['Checks', EMPTY_OPS],
    ...prefixed('Checks.', CHECK_TABLE),
    ...prefixed('Node.', NODE_TABLE),
    ...prefixed('Service.', SERVICE_TABLE),
  ]);
});

test('filter - schemas hide the fields Consul hides', () => {
  for (const hidden of ['CreateIndex', 'ModifyIndex', 'Namespace']) {
    assert.throws(() => compileFilter(`${hidden} == 1`, schemas.serviceNode), /is not valid/);
    assert.throws(() => compileFilter(`Service.${hidden} == 1`, schemas.checkServiceNode), /is not valid/);
  }
  assert.throws(() => compileFilter('Definition.HTTP == x', schemas.healthCheck), /is not valid/);
  assert.throws(() => compileFilter('ContentHash == x', schemas.agentService), /is not valid/);
});

test('filter - health service filter over a realistic CheckServiceNode', () => {
  const entries = [
    {
      Node: { Node: 'n1', Address: '10.0.0.1', Datacenter: 'dc1', Meta: { rack: 'r1' }, TaggedAddresses: {} },
      Service: {
        ID: 'web-1',
        Service: 'web',
        Tags: ['v1'],
        Port: 80,
        Meta: {},
        Weights: { Passing: 1, Warning: 1 },
      },
      Checks: [
        { CheckID: 'serfHealth', Status: 'passing', ServiceTags: [] },
        { CheckID: 'service:web-1', Status: 'critical', ServiceTags: ['v1'] },
      ],
    },
    {
      Node: { Node: 'n2', Address: '10.0.0.2', Datacenter: 'dc1', Meta: { rack: 'r2' } },
      Service: { ID: 'web-2', Service: 'web', Tags: ['v2'], Port: 80 },
      Checks: [{ CheckID: 'serfHealth', Status: 'passing' }],
    },
  ];
  const pick = (expression: string): string[] =>
    filterList(compileFilter(expression, schemas.checkServiceNode), entries).map((e) => e.Service.ID);
  assert.deepEqual(pick('Checks.Status == critical'), ['web-1']);
  assert.deepEqual(pick('not Checks.Status == critical'), ['web-2']);
  assert.deepEqual(pick('v2 in Service.Tags'), ['web-2']);
  assert.deepEqual(pick('Node.Meta.rack == r1 or Service.ID matches `2$`'), ['web-1', 'web-2']);
  assert.deepEqual(pick('Service.Weights.Passing == 1'), ['web-1']);
});
