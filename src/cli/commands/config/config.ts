import { defineGroup } from '../../command.js';

/** `entente config`: the parent of the config entry commands. */
export const config = defineGroup(
  'Interact with configuration entries',
  `
Usage: entente config <subcommand> [options] [args]

  This command has subcommands for interacting with centralized configuration
  entries. Here are some simple examples, and more detailed examples are
  available in the subcommands or the documentation.

  Write a config:

    $ entente config write web.serviceconf.hcl

  Read a config:

    $ entente config read -kind service-defaults -name web

  List all configs for a type:

    $ entente config list -kind service-defaults

  Delete a config:

    $ entente config delete -kind service-defaults -name web

  For more examples, ask for subcommand help or view the documentation.
`,
);
