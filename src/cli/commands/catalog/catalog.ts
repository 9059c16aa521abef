import { defineGroup } from '../../command.js';

/** `entente catalog`: the parent of the catalog commands. */
export const catalog = defineGroup(
  'Interact with the catalog',
  `
Usage: entente catalog <subcommand> [options] [args]

  This command has subcommands for interacting with Entente's catalog. The
  catalog should not be confused with the agent, although the APIs and
  responses may be similar.

  List all datacenters:

      $ entente catalog datacenters

  List all nodes:

      $ entente catalog nodes

  List all services:

      $ entente catalog services

  For more examples, ask for subcommand help or view the documentation.
`,
);
