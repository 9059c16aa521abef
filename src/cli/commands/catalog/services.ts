import { defineCommand, errorText, EXIT_ERROR } from '../../command.js';
import { tabwrite } from '../../format/tabwriter.js';
import { prepareCatalogList } from './list.js';

/**
 * `entente catalog services` (Consul `command/catalog/list/services`). Entente adds `-peer` (services
 * imported from a cluster peer) and `-filter`.
 */
export const catalogServices = defineCommand({
  synopsis: 'Lists all registered services in a datacenter',
  usage: `
Usage: entente catalog services [options]

  Retrieves the list services registered in a given datacenter. By default, the
  datacenter of the local agent is queried.

  To retrieve the list of services:

      $ entente catalog services

  To include the services' tags in the output:

      $ entente catalog services -tags

  To list services which run on a particular node:

      $ entente catalog services -node=web

  To filter services on node metadata:

      $ entente catalog services -node-meta="foo=bar"

  To list services imported from the cluster peer "west":

      $ entente catalog services -peer=west

  For a full list of options and examples, please see the documentation.
`,
  http: 'client+server',
  flags: (fs) => ({
    node: fs.string('node', '', 'Node `id or name` for which to list services.'),
    nodeMeta: fs.map(
      'node-meta',
      'Metadata to filter nodes with the given `key=value` pairs. If specified, only services running on nodes ' +
        'matching the given metadata will be returned. This flag may be specified multiple times to filter on ' +
        'multiple sources of metadata.',
    ),
    tags: fs.bool(
      'tags',
      false,
      "Display each service's tags as a comma-separated list beside each service entry.",
    ),
    filter: fs.string('filter', '', 'Filter to use with the request'),
    peer: fs.string(
      'peer',
      '',
      'Name of the cluster `peer` whose imported services to list (Entente extension).',
    ),
  }),
  run: async (input) => {
    const { flags, ui, signal, stale } = input;
    const prepared = await prepareCatalogList(input);
    if (prepared === undefined) return EXIT_ERROR;
    const { api, filter } = prepared;
    const query = { nodeMeta: flags.nodeMeta.value, filter, peer: flags.peer.value, stale, signal };
    const services = new Map<string, string[]>();
    if (flags.node.value !== '') {
      try {
        const { value: node } = await api.catalog.node(flags.node.value, query);
        for (const svc of Object.values(node?.Services ?? {})) {
          services.set(svc.Service, [...(services.get(svc.Service) ?? []), ...(svc.Tags ?? [])]);
        }
      } catch (err) {
        ui.error(`Error listing services for node: ${errorText(err)}`);
        return EXIT_ERROR;
      }
    } else {
      try {
        const { value } = await api.catalog.services(query);
        for (const [name, tags] of Object.entries(value)) services.set(name, [...(tags ?? [])]);
      } catch (err) {
        ui.error(`Error listing services: ${errorText(err)}`);
        return EXIT_ERROR;
      }
    }
    if (services.size === 0) {
      ui.error('No services match the given query - try expanding your search.');
      return 0;
    }
    const order = [...services.keys()].sort();
    if (flags.tags.value) {
      const lines = order.map((name) => `${name}\t${[...(services.get(name) ?? [])].sort().join(',')}`);
      ui.output(tabwrite(lines).trim());
    } else {
      for (const name of order) ui.output(name);
    }
    return 0;
  },
});
