import { defineGroup } from '../../command.js';

/** `entente connect`: the parent of the Connect commands (Consul `command/connect`). */
export const connect = defineGroup(
  'Interact with Consul Connect',
  `
Usage: entente connect <subcommand> [options] [args]

  This command has subcommands for interacting with Connect. Here are some
  simple examples:

  Show the current Connect CA configuration:

      $ entente connect ca get-config

  Change it from a JSON file:

      $ entente connect ca set-config -config-file ca.json
`,
);

/** `entente connect ca` (Consul `command/connect/ca`). */
export const connectCa = defineGroup(
  'Interact with the Consul Connect Certificate Authority (CA)',
  `
Usage: entente connect ca <subcommand> [options] [args]

  This command has subcommands for interacting with Consul Connect's
  Certificate Authority (CA).

  Here are some simple examples, and more detailed examples are available
  in the subcommands or the documentation.

  Get the configuration:

      $ entente connect ca get-config

  Update the configuration:

      $ entente connect ca set-config -config-file ca.json
`,
);
