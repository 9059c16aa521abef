import { defineCommand, errorText, EXIT_ERROR } from '../../command.js';
import { servicesFromFiles } from './service-files.js';

/** `entente services deregister` (Consul `command/services/deregister`): by `-id` or by definition files. */
export const servicesDeregister = defineCommand({
  synopsis: 'Deregister services with the local agent',
  usage: `
Usage: entente services deregister [options] [FILE...]

  Deregister one or more services that were previously registered with
  the local agent.

      $ entente services deregister web.json db.json

  The -id flag may be used to deregister a single service by ID:

      $ entente services deregister -id=web

  Services are deregistered from the local agent catalog. This command must
  be run against the same agent where the service was registered.
`,
  http: 'client+server',
  flags: (fs) => ({
    id: fs.string('id', '', 'ID to delete. This must not be set if arguments are given.'),
  }),
  run: async ({ flags, args, ui, signal, ctx, client }) => {
    if (args.length === 0 && flags.id.value === '') {
      ui.error('Service deregistration requires at least one argument or -id.');
      return EXIT_ERROR;
    }
    if (args.length > 0 && flags.id.value !== '') {
      ui.error('Service deregistration requires arguments or -id, not both.');
      return EXIT_ERROR;
    }
    let targets: { readonly id: string; readonly name: string }[] = [{ id: flags.id.value, name: '' }];
    if (args.length > 0) {
      try {
        targets = (await servicesFromFiles(args, ctx)).map((svc) => ({
          id: svc.ID ?? svc.Name ?? '',
          name: svc.Name ?? '',
        }));
      } catch (err) {
        ui.error(`Error: ${errorText(err)}`);
        return EXIT_ERROR;
      }
    }
    const api = await client();
    if (api === undefined) return EXIT_ERROR;
    for (const { id, name } of targets) {
      if (id === '') continue;
      try {
        await api.agent.serviceDeregister(id, { signal });
      } catch (err) {
        // NOTE: Consul says "registering" here; Entente says what failed.
        ui.error(`Error deregistering service ${JSON.stringify(name === '' ? id : name)}: ${errorText(err)}`);
        return EXIT_ERROR;
      }
      ui.output(`Deregistered service: ${id}`);
    }
    return 0;
  },
});
