import { defineCommand, EXIT_ERROR } from '../../command.js';
import { readBuildInfo, type BuildInfo } from '../../build-info.js';
import { goJson } from '../../format/go-json.js';

/** Consul's RPC protocol numbers (`agent/consul`: DefaultRPCProtocol, ProtocolVersionMin/Max). */
const RPC: { readonly Default: number; readonly Min: number; readonly Max: number } = {
  Default: 2,
  Min: 2,
  Max: 3,
};

/** `entente version [-format=pretty|json]` (Consul `command/version`). */
export const version = defineCommand({
  synopsis: 'Prints the Entente version',
  usage: 'Usage: entente version [options]',
  flags: (fs) => ({ format: fs.string('format', 'pretty', 'Output format {pretty|json}') }),
  run: ({ flags, ui }) => {
    const info = readBuildInfo();
    switch (flags.format.value) {
      case 'pretty':
        ui.output(formatPretty(info));
        return Promise.resolve(0);
      case 'json':
        ui.output(formatJson(info));
        return Promise.resolve(0);
      default:
        ui.error(`Unknown format: ${flags.format.value}`);
        return Promise.resolve(EXIT_ERROR);
    }
  },
});

/** Consul's pretty formatter, with Entente's name. */
export function formatPretty(info: BuildInfo): string {
  const human = info.prerelease === '' ? info.version : `${info.version}-${info.prerelease}`;
  let out = `Entente v${human}\n`;
  if (info.revision !== '') out += `Revision ${info.revision}\n`;
  out += `Build Date ${info.buildDate}\n`;
  const supplement =
    RPC.Default < RPC.Max
      ? ` (agent will automatically use protocol >${RPC.Default} when speaking to compatible agents)`
      : '';
  out += `Protocol ${RPC.Default} spoken by default, understands ${RPC.Min} to ${RPC.Max}${supplement}\n`;
  return out;
}

/**
 * Consul's JSON formatter (`json.MarshalIndent` with three spaces) plus `Messages`; `FIPS` is always present
 * (Consul omits it when empty). The SDK test harness parses `Version` from this.
 */
export function formatJson(info: BuildInfo): string {
  return goJson(
    {
      Version: info.version,
      Revision: info.revision,
      Prerelease: info.prerelease,
      FIPS: '',
      BuildDate: info.buildDate,
      RPC,
      Messages: [],
    },
    '   ',
  );
}
