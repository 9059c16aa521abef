import { defineGroup } from '../../command.js';

/** `entente kv`: the parent of the key/value commands. */
export const kv = defineGroup(
  'Interact with the key-value store',
  `
Usage: entente kv <subcommand> [options] [args]

  This command has subcommands for interacting with the key-value
  store. Here are some simple examples, and more detailed examples are
  available in the subcommands or the documentation.

  Create or update the key named "redis/config/connections" with the value "5":

      $ entente kv put redis/config/connections 5

  Read this value back:

      $ entente kv get redis/config/connections

  Or get detailed key information:

      $ entente kv get -detailed redis/config/connections

  Finally, delete the key:

      $ entente kv delete redis/config/connections

  For more examples, ask for subcommand help or view the documentation.
`,
);
