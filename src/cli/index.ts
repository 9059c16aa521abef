import { catalog } from './commands/catalog/catalog.js';
import { catalogDatacenters } from './commands/catalog/datacenters.js';
import { catalogNodes } from './commands/catalog/nodes.js';
import { catalogServices } from './commands/catalog/services.js';
import { config } from './commands/config/config.js';
import { configDelete } from './commands/config/delete.js';
import { configList } from './commands/config/list.js';
import { configRead } from './commands/config/read.js';
import { configWrite } from './commands/config/write.js';
import { connect, connectCa } from './commands/connect/connect.js';
import { connectCaGetConfig } from './commands/connect/ca-get-config.js';
import { connectCaSetConfig } from './commands/connect/ca-set-config.js';
import { connectProxy } from './commands/connect/proxy.js';
import { intention } from './commands/intention/intention.js';
import { intentionCheck } from './commands/intention/check.js';
import { intentionCreate } from './commands/intention/create.js';
import { intentionDelete } from './commands/intention/delete.js';
import { intentionGet } from './commands/intention/get.js';
import { intentionList } from './commands/intention/list.js';
import { intentionMatch } from './commands/intention/match.js';
import { kv } from './commands/kv/kv.js';
import { kvDelete } from './commands/kv/delete.js';
import { kvGet } from './commands/kv/get.js';
import { kvPut } from './commands/kv/put.js';
import { members } from './commands/members/members.js';
import { peering } from './commands/peering/peering.js';
import { peeringDelete } from './commands/peering/delete.js';
import { peeringDescribeToken } from './commands/peering/describe-token.js';
import { peeringEstablish } from './commands/peering/establish.js';
import { peeringExportedServices } from './commands/peering/exported-services.js';
import { peeringGenerateToken } from './commands/peering/generate-token.js';
import { peeringList } from './commands/peering/list.js';
import { peeringRead } from './commands/peering/read.js';
import { services } from './commands/services/services.js';
import { servicesDeregister } from './commands/services/deregister.js';
import { servicesRegister } from './commands/services/register.js';
import { version } from './commands/version/version.js';
import type { Command } from './command.js';
import { processContext, type CliContext } from './context.js';
import type { Ui } from './ui.js';

export type { Command } from './command.js';
export { processContext, testContext, type CliContext } from './context.js';

/** Every command by its full name; `entente agent` is dispatched by main.ts and only listed here. */
export const COMMANDS: ReadonlyMap<string, Command> = new Map<string, Command>([
  ['catalog', catalog],
  ['catalog datacenters', catalogDatacenters],
  ['catalog nodes', catalogNodes],
  ['catalog services', catalogServices],
  ['config', config],
  ['config delete', configDelete],
  ['config list', configList],
  ['config read', configRead],
  ['config write', configWrite],
  ['connect', connect],
  ['connect ca', connectCa],
  ['connect ca get-config', connectCaGetConfig],
  ['connect ca set-config', connectCaSetConfig],
  ['connect proxy', connectProxy],
  ['intention', intention],
  ['intention check', intentionCheck],
  ['intention create', intentionCreate],
  ['intention delete', intentionDelete],
  ['intention get', intentionGet],
  ['intention list', intentionList],
  ['intention match', intentionMatch],
  ['kv', kv],
  ['kv delete', kvDelete],
  ['kv get', kvGet],
  ['kv put', kvPut],
  ['members', members],
  ['peering', peering],
  ['peering delete', peeringDelete],
  ['peering describe-token', peeringDescribeToken],
  ['peering establish', peeringEstablish],
  ['peering exported-services', peeringExportedServices],
  ['peering generate-token', peeringGenerateToken],
  ['peering list', peeringList],
  ['peering read', peeringRead],
  ['services', services],
  ['services deregister', servicesDeregister],
  ['services register', servicesRegister],
  ['version', version],
]);

/** Listed in the top-level help; run by main.ts, not here. */
const EXTERNAL_SYNOPSES: Readonly<Record<string, string>> = { agent: 'Runs an Entente agent' };

/** Exit code for an unknown command, as mitchellh/cli answers. */
export const EXIT_UNKNOWN_COMMAND = 127;

const HELP_FLAGS = new Set(['-h', '-help', '--help']);
const VERSION_FLAGS = new Set(['-v', '-version', '--version']);

/**
 * Runs one CLI invocation (everything but `entente agent`) and returns the exit code. Dispatch follows
 * Consul's CLI (mitchellh/cli): the longest registered command name made of the leading arguments wins;
 * `-h`/`-help`/`--help` anywhere before `--` prints that command's help (exit 0); an unknown command prints
 * the command list (exit 127); a group alone prints its help (exit 1).
 */
export async function runCli(
  argv: readonly string[],
  ui: Ui,
  signal: AbortSignal,
  ctx: CliContext = processContext(),
): Promise<number> {
  const end = argv.indexOf('--');
  const scanned = end === -1 ? argv : argv.slice(0, end);
  const isHelp = scanned.some((a) => HELP_FLAGS.has(a));
  const withoutHelp = argv.filter((a, i) => (end !== -1 && i >= end) || !HELP_FLAGS.has(a));

  const firstCommand = withoutHelp.findIndex((a) => a === '--' || !a.startsWith('-'));
  const topFlags = withoutHelp.slice(0, firstCommand === -1 ? withoutHelp.length : firstCommand);
  if (topFlags.some((a) => VERSION_FLAGS.has(a))) return version([], ui, signal, ctx);

  const rest = firstCommand === -1 ? [] : withoutHelp.slice(firstCommand);
  const { name, args } = resolve(rest);
  if (name === undefined) {
    if (isHelp && rest.length === 0) {
      ui.output(topLevelHelp());
      return 0;
    }
    ui.error(topLevelHelp());
    return EXIT_UNKNOWN_COMMAND;
  }
  const command = COMMANDS.get(name);
  if (command === undefined) return EXIT_UNKNOWN_COMMAND;
  if (isHelp) {
    ui.output(commandHelp(name, command));
    return 0;
  }
  if (topFlags.length > 0) {
    ui.error(
      'Invalid flags before the subcommand. If these flags are for\nthe subcommand, please put them after ' +
        `the subcommand.\n\n${commandHelp(name, command)}`,
    );
    return 1;
  }
  if (subcommandsOf(name).length > 0) {
    // A group such as `catalog`: its help with the subcommand list, exit 1 (mitchellh/cli's RunResultHelp).
    ui.error(commandHelp(name, command));
    return 1;
  }
  return command(args, ui, signal, ctx);
}

/** The longest command name formed by the leading arguments. */
function resolve(args: readonly string[]): { name: string | undefined; args: readonly string[] } {
  for (let n = Math.min(args.length, 3); n >= 1; n -= 1) {
    const name = args.slice(0, n).join(' ');
    if (COMMANDS.has(name)) return { name, args: args.slice(n) };
  }
  return { name: undefined, args };
}

function subcommandsOf(name: string): string[] {
  return [...COMMANDS.keys()].filter(
    (k) => k.startsWith(`${name} `) && !k.slice(name.length + 1).includes(' '),
  );
}

/** mitchellh/cli's command help template: the help, then the aligned subcommand list. */
export function commandHelp(name: string, command: Command): string {
  let out = command.help();
  const subs = subcommandsOf(name).sort();
  if (subs.length > 0) {
    const longest = Math.max(...subs.map((k) => k.length));
    out += '\n\nSubcommands:';
    for (const key of subs) {
      const short = key.slice(name.length + 1);
      out += `\n    ${short}${' '.repeat(longest - key.length)}    ${COMMANDS.get(key)?.synopsis ?? ''}`;
    }
  }
  return out;
}

/** mitchellh/cli's `BasicHelpFunc`: usage line and the top-level commands. */
export function topLevelHelp(): string {
  const synopses = new Map<string, string>(Object.entries(EXTERNAL_SYNOPSES));
  for (const [key, command] of COMMANDS) if (!key.includes(' ')) synopses.set(key, command.synopsis);
  const keys = [...synopses.keys()].sort();
  const width = Math.max(...keys.map((k) => k.length));
  let out = 'Usage: entente [--version] [--help] <command> [<args>]\n\nAvailable commands are:\n';
  for (const key of keys) out += `    ${key.padEnd(width)}    ${synopses.get(key) ?? ''}\n`;
  return out;
}
