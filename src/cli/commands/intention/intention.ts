import { defineGroup } from '../../command.js';

/** `entente intention`: the parent of the intention commands (Consul `command/intention`). */
export const intention = defineGroup(
  'Interact with Connect service intentions',
  `
Usage: entente intention <subcommand> [options] [args]

  This command has subcommands for interacting with intentions. Intentions
  are permissions describing which services are allowed to communicate via
  Connect. Here are some simple examples, and more detailed examples are
  available in the subcommands or the documentation.

  Create an intention to allow "web" to talk to "db":

      $ entente intention create web db

  Test whether a "web" is allowed to connect to "db":

      $ entente intention check web db

  Explain that decision (Entente):

      $ entente intention check -explain web db

  Find all intentions for communicating to the "db" service:

      $ entente intention match db

  Intentions with a peer source (Sources[].Peer) are written with
  "entente config write" as service-intentions config entries.

  For more examples, ask for subcommand help or view the documentation.
`,
);
