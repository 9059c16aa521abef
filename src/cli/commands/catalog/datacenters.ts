import { defineCommand, errorText, EXIT_ERROR } from '../../command.js';

/** `entente catalog datacenters` (Consul `command/catalog/list/dc`). */
export const catalogDatacenters = defineCommand({
  synopsis: 'Lists all known datacenters',
  usage: `
Usage: entente catalog datacenters [options]

  Retrieves the list of all known datacenters. This datacenters are sorted in
  ascending order based on the estimated median round trip time from the servers
  in this datacenter to the servers in the other datacenters.

  To retrieve the list of datacenters:

      $ entente catalog datacenters

  For a full list of options and examples, please see the documentation.
`,
  http: 'client+server',
  flags: () => ({}),
  run: async ({ args, ui, signal, client }) => {
    if (args.length > 0) {
      ui.error(`Too many arguments (expected 0, got ${args.length})`);
      return EXIT_ERROR;
    }
    const api = await client();
    if (api === undefined) return EXIT_ERROR;
    let dcs: string[];
    try {
      dcs = await api.catalog.datacenters({ signal });
    } catch (err) {
      // NOTE: Consul prints this and still exits 0; Entente reports the failure in the exit code.
      ui.error(`Error listing datacenters: ${errorText(err)}`);
      return EXIT_ERROR;
    }
    for (const dc of dcs) ui.output(dc);
    return 0;
  },
});
