import { defineCommand, errorText, EXIT_ERROR } from '../../command.js';
import { checkNameAndFormat, nameFlag } from './format.js';

/** `entente peering delete` (Consul `command/peering/delete`). */
export const peeringDelete = defineCommand({
  synopsis: 'Delete a peering connection',
  usage: `
Usage: entente peering delete [options] -name <peer name>

  Delete a peering connection. All data imported from the peer is deleted
  in the background. The peering connection is removed after all associated
  data has been deleted. Operators can still read the peering connections
  while the data is being removed. A 'DeletedAt' field will be populated with
  the timestamp of when the peering was marked for deletion.

  Example:

    $ entente peering delete -name west-dc
`,
  http: 'client',
  flags: (fs) => ({ name: nameFlag(fs) }),
  run: async ({ flags, ui, signal, client }) => {
    if (!checkNameAndFormat(ui, flags.name.value, undefined)) return EXIT_ERROR;
    const api = await client();
    if (api === undefined) return EXIT_ERROR;
    try {
      await api.peerings.delete(flags.name.value, { signal });
    } catch (err) {
      ui.error(`Error deleting peering for ${flags.name.value}: ${errorText(err)}`);
      return EXIT_ERROR;
    }
    ui.output(`Successfully submitted peering connection, ${flags.name.value}, for deletion`);
    return 0;
  },
});
