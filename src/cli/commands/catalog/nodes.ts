import type { Node } from '../../../api/index.js';
import { defineCommand, errorText, EXIT_ERROR } from '../../command.js';
import { columnize } from '../../format/columnize.js';
import { prepareCatalogList } from './list.js';

/** `entente catalog nodes` (Consul `command/catalog/list/nodes`). */
export const catalogNodes = defineCommand({
  synopsis: 'Lists all nodes in the given datacenter',
  usage: `
Usage: entente catalog nodes [options]

  Retrieves the list nodes registered in a given datacenter. By default, the
  datacenter of the local agent is queried.

  To retrieve the list of nodes:

      $ entente catalog nodes

  To print detailed information including full node IDs, tagged addresses, and
  metadata information:

      $ entente catalog nodes -detailed

  To list nodes which are running a particular service:

      $ entente catalog nodes -service=web

  To filter by node metadata:

      $ entente catalog nodes -node-meta="foo=bar"

  To sort nodes by estimated round-trip time from node-web:

      $ entente catalog nodes -near=node-web

  For a full list of options and examples, please see the documentation.
`,
  http: 'client+server',
  flags: (fs) => ({
    filter: fs.string('filter', '', 'Filter to use with the request'),
    detailed: fs.bool(
      'detailed',
      false,
      'Output detailed information about the nodes including their addresses and metadata.',
    ),
    near: fs.string(
      'near',
      '',
      'Node name to sort the node list in ascending order based on estimated round-trip time from that node. ' +
        'Passing "_agent" will use this agent\'s node for sorting.',
    ),
    nodeMeta: fs.map(
      'node-meta',
      'Metadata to filter nodes with the given `key=value` pairs. This flag may be specified multiple times to ' +
        'filter on multiple sources of metadata.',
    ),
    service: fs.string(
      'service',
      '',
      'Service `id or name` to filter nodes. Only nodes which are providing the given service will be returned.',
    ),
  }),
  run: async (input) => {
    const { flags, ui, signal, stale } = input;
    const prepared = await prepareCatalogList(input);
    if (prepared === undefined) return EXIT_ERROR;
    const { api, filter } = prepared;
    const query = { near: flags.near.value, nodeMeta: flags.nodeMeta.value, filter, stale, signal };
    let nodes: Node[];
    if (flags.service.value !== '') {
      try {
        const { value } = await api.catalog.service(flags.service.value, [], query);
        nodes = value.map((s) => ({
          ID: s.ID,
          Node: s.Node,
          Address: s.Address,
          Datacenter: s.Datacenter,
          TaggedAddresses: s.TaggedAddresses,
          Meta: s.NodeMeta,
          CreateIndex: s.CreateIndex,
          ModifyIndex: s.ModifyIndex,
        }));
      } catch (err) {
        ui.error(`Error listing nodes for service: ${errorText(err)}`);
        return EXIT_ERROR;
      }
    } else {
      try {
        nodes = (await api.catalog.nodes(query)).value;
      } catch (err) {
        ui.error(`Error listing nodes: ${errorText(err)}`);
        return EXIT_ERROR;
      }
    }
    if (nodes.length === 0) {
      ui.error('No nodes match the given query - try expanding your search.');
      return 0;
    }
    const detailed = flags.detailed.value;
    const rows = [
      detailed ? 'Node\x1fID\x1fAddress\x1fDC\x1fTaggedAddresses\x1fMeta' : 'Node\x1fID\x1fAddress\x1fDC',
    ];
    for (const node of nodes) rows.push(nodeRow(node, detailed));
    ui.output(columnize(rows));
    return 0;
  },
});

/** Consul's `catalog.NodeRow`: the short ID (up to the first `-`) unless detailed. */
function nodeRow(node: Node, detailed: boolean): string {
  if (detailed) {
    return [
      node.Node,
      node.ID,
      node.Address,
      node.Datacenter,
      mapToKV(node.TaggedAddresses ?? {}, ', '),
      mapToKV(node.Meta ?? {}, ', '),
    ].join('\x1f');
  }
  const dash = node.ID.indexOf('-');
  const id = dash > 0 ? node.ID.slice(0, dash) : node.ID;
  return [node.Node, id, node.Address, node.Datacenter].join('\x1f');
}

/** `k=v` pairs sorted by key (Consul `catalog.mapToKV`). */
export function mapToKV(map: Readonly<Record<string, string>>, joiner: string): string {
  return Object.keys(map)
    .sort()
    .map((k) => `${k}=${map[k] ?? ''}`)
    .join(joiner);
}
