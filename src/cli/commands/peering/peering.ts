import { defineGroup } from '../../command.js';

/** `entente peering`: the parent of the cluster peering commands. */
export const peering = defineGroup(
  'Create and manage peering connections between clusters',
  `
Usage: entente peering <subcommand> [options] [args]

  This command has subcommands for interacting with Cluster Peering
  connections. Here are some simple examples, and more detailed
  examples are available in the subcommands or the documentation.

  Generate a peering token:

    $ entente peering generate-token -name west-dc

  Establish a peering connection:

    $ entente peering establish -name east-dc -peering-token <token>

  List all the local peering connections:

    $ entente peering list

  Print the status of a peering connection:

    $ entente peering read -name west-dc

  Inspect a peering token without its secret:

    $ entente peering describe-token <token>

  Delete and close a peering connection:

    $ entente peering delete -name west-dc

  For more examples, ask for subcommand help or view the documentation.
`,
);
