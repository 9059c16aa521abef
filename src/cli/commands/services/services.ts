import { defineGroup } from '../../command.js';

/** `entente services`: the parent of the service registration commands. */
export const services = defineGroup(
  'Interact with services',
  `
Usage: entente services <subcommand> [options] [args]

  This command has subcommands for interacting with services. The subcommands
  default to working with services registered with the local agent. Please see
  the "entente catalog" command for interacting with the entire catalog.

  To register a service:

      $ entente services register web.json

  To deregister a service:

      $ entente services deregister web.json

  For more examples, ask for subcommand help or view the documentation.
`,
);
