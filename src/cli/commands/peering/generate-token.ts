import type { PeeringGenerateTokenRequest } from '../../../api/index.js';
import { defineCommand, errorText, EXIT_ERROR } from '../../command.js';
import { goJson } from '../../format/go-json.js';
import { checkNameAndFormat, formatFlag, nameFlag } from './format.js';

/** `entente peering generate-token` (Consul `command/peering/generate`). */
export const peeringGenerateToken = defineCommand({
  synopsis: 'Generate a peering token',
  usage: `
Usage: entente peering generate-token [options] -name <peer name>

  Generate a peering token. The name provided will be used locally by
  this cluster to refer to the peering connection. Re-generating a token
  for a given name will not interrupt any active connection, but will
  invalidate any unused token for that name.

  Example:

    $ entente peering generate-token -name west-dc

  Example using a load balancer in front of the servers:

    $ entente peering generate-token -name west-dc -server-external-addresses load-balancer.elb.us-west-1.amazonaws.com:8503
`,
  http: 'client',
  connectError: 'Error connect to Consul agent',
  flags: (fs) => ({
    name: nameFlag(fs),
    meta: fs.map(
      'meta',
      'Metadata to associate with the peering, formatted as key=value. This flag may be specified multiple times ' +
        'to set multiple metadata fields.',
    ),
    externalAddresses: fs.string(
      'server-external-addresses',
      '',
      'A list of addresses to put into the generated token, formatted as a comma-separate list. Addresses are the ' +
        'form of <host or IP>:port. This could be used to specify load balancer(s) or external IPs to reach the ' +
        'servers from the dialing side, and will override any server addresses obtained from the "consul" service.',
    ),
    format: formatFlag(fs),
  }),
  run: async ({ flags, ui, signal, client }) => {
    if (!checkNameAndFormat(ui, flags.name.value, flags.format.value)) return EXIT_ERROR;
    const api = await client();
    if (api === undefined) return EXIT_ERROR;
    const request: Record<string, unknown> = { PeerName: flags.name.value };
    if (Object.keys(flags.meta.value).length > 0) request['Meta'] = { ...flags.meta.value };
    if (flags.externalAddresses.value !== '') {
      request['ServerExternalAddresses'] = flags.externalAddresses.value.split(',');
    }
    try {
      const res = await api.peerings.generateToken(request as unknown as PeeringGenerateTokenRequest, {
        signal,
      });
      ui.output(
        flags.format.value === 'json' ? goJson({ PeeringToken: res.PeeringToken }) : res.PeeringToken,
      );
      return 0;
    } catch (err) {
      ui.error(`Error generating peering token for ${flags.name.value}: ${errorText(err)}`);
      return EXIT_ERROR;
    }
  },
});
