import { defineCommand, errorText, EXIT_ERROR } from '../../command.js';
import { goJson } from '../../format/go-json.js';

/**
 * `entente connect ca get-config` (Consul `command/connect/ca/get`): the configuration as Consul's `api.CAConfig`
 * JSON, indented by a tab.
 */
export const connectCaGetConfig = defineCommand({
  synopsis: 'Display the current Connect Certificate Authority (CA) configuration',
  usage: `
Usage: entente connect ca get-config [options]

  Displays the current Connect Certificate Authority (CA) configuration.
`,
  http: 'client+server',
  flags: () => ({}),
  run: async ({ ui, signal, stale, client }) => {
    const api = await client();
    if (api === undefined) return EXIT_ERROR;
    try {
      const { value } = await api.connect.caGetConfig({ stale, signal });
      ui.output(
        goJson(
          {
            Provider: value.Provider,
            Config: value.Config,
            State: value.State ?? null,
            ForceWithoutCrossSigning: value.ForceWithoutCrossSigning ?? false,
            CreateIndex: value.CreateIndex ?? 0,
            ModifyIndex: value.ModifyIndex ?? 0,
          },
          '\t',
        ),
      );
      return 0;
    } catch (err) {
      ui.error(`Error querying CA configuration: ${errorText(err)}`);
      return EXIT_ERROR;
    }
  },
});
