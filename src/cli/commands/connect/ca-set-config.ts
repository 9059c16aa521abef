import type { CAConfig } from '../../../api/index.js';
import { defineCommand, errorText, EXIT_ERROR } from '../../command.js';

/**
 * `entente connect ca set-config -config-file F` (Consul `command/connect/ca/set`): the file is JSON in the shape
 * of `api.CAConfig` (`Provider`, `Config`; field names match without regard to case, as Go decodes them);
 * `-force-without-cross-signing` sets `ForceWithoutCrossSigning`.
 */
export const connectCaSetConfig = defineCommand({
  synopsis: 'Modify the current Connect CA configuration',
  usage: `
Usage: entente connect ca set-config [options]

  Modifies the current Connect Certificate Authority (CA) configuration.
`,
  http: 'client+server',
  flags: (fs) => ({
    configFile: fs.string('config-file', '', 'The path to the config file to use.'),
    force: fs.bool(
      'force-without-cross-signing',
      false,
      'Indicates that the CA reconfiguration should go ahead even if the current CA is unable to cross sign ' +
        'certificates. This risks temporary connection failures during the rollout as new leafs will be rejected ' +
        "by proxies that have not yet observed the new root cert but is the only option if a CA that doesn't " +
        'support cross signing needs to be reconfigured or migrated away from.',
    ),
  }),
  run: async ({ flags, ui, signal, ctx, client }) => {
    const api = await client();
    if (api === undefined) return EXIT_ERROR;
    const path = flags.configFile.value;
    if (path === '') {
      ui.error('The -config-file flag is required');
      return EXIT_ERROR;
    }
    let text: string;
    try {
      text = (await ctx.readFile(path)).toString('utf8');
    } catch (err) {
      ui.error(`Error reading config file: ${errorText(err)}`);
      return EXIT_ERROR;
    }
    let config: CAConfig;
    try {
      config = parseCAConfig(text);
    } catch (err) {
      ui.error(`Error parsing config file: ${errorText(err)}`);
      return EXIT_ERROR;
    }
    try {
      await api.connect.caSetConfig({ ...config, ForceWithoutCrossSigning: flags.force.value }, { signal });
    } catch (err) {
      ui.error(`Error setting CA configuration: ${errorText(err)}`);
      return EXIT_ERROR;
    }
    ui.output('Configuration updated!');
    return 0;
  },
});

/** Decodes the file as Go's `json.Unmarshal` into `api.CAConfig` would: keys match without regard to case. */
function parseCAConfig(text: string): CAConfig {
  const raw: unknown = JSON.parse(text);
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new Error('json: cannot unmarshal non-object into Go value of type api.CAConfig');
  }
  const fields = new Map<string, unknown>(Object.entries(raw).map(([k, v]) => [k.toLowerCase(), v] as const));
  const provider = fields.get('provider') ?? '';
  if (typeof provider !== 'string') {
    throw new Error(
      'json: cannot unmarshal non-string into Go struct field CAConfig.Provider of type string',
    );
  }
  const cfg = fields.get('config') ?? {};
  if (typeof cfg !== 'object' || Array.isArray(cfg)) {
    throw new Error(
      'json: cannot unmarshal non-object into Go struct field CAConfig.Config of type map[string]interface {}',
    );
  }
  return { Provider: provider, Config: cfg as Record<string, unknown> };
}
