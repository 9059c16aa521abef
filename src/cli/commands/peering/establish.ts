import type { PeeringEstablishRequest } from '../../../api/index.js';
import { defineCommand, errorText, EXIT_ERROR } from '../../command.js';
import { checkNameAndFormat, nameFlag } from './format.js';

/** `entente peering establish` (Consul `command/peering/establish`). */
export const peeringEstablish = defineCommand({
  synopsis: 'Establish a peering connection',
  usage: `
Usage: entente peering establish [options] -name <peer name> -peering-token <token>

  Establish a peering connection. The name provided will be used locally by
  this cluster to refer to the peering connection. The peering token can
  only be used once to establish the connection.

  Example:

    $ entente peering establish -name west-dc -peering-token <token>
`,
  http: 'client',
  flags: (fs) => ({
    name: nameFlag(fs),
    token: fs.string('peering-token', '', '(Required) The peering token from the accepting cluster.'),
    meta: fs.map(
      'meta',
      'Metadata to associate with the peering, formatted as key=value. This flag may be specified multiple times ' +
        'to set multiple meta fields.',
    ),
  }),
  run: async ({ flags, ui, signal, client }) => {
    if (!checkNameAndFormat(ui, flags.name.value, undefined)) return EXIT_ERROR;
    if (flags.token.value === '') {
      ui.error('Missing the required -peering-token flag');
      return EXIT_ERROR;
    }
    const api = await client();
    if (api === undefined) return EXIT_ERROR;
    const request: Record<string, unknown> = { PeerName: flags.name.value, PeeringToken: flags.token.value };
    if (Object.keys(flags.meta.value).length > 0) request['Meta'] = { ...flags.meta.value };
    try {
      await api.peerings.establish(request as unknown as PeeringEstablishRequest, { signal });
    } catch (err) {
      ui.error(`Error establishing peering for ${flags.name.value}: ${errorText(err)}`);
      return EXIT_ERROR;
    }
    ui.output(`Successfully established peering connection with ${flags.name.value}`);
    return 0;
  },
});
