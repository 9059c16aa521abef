import type { ApiClient } from '../api/index.js';
import { processContext, type CliContext } from './context.js';
import { FlagSet } from './flags/flag-set.js';
import { HttpFlags, type HttpFlagGroups } from './flags/http-flags.js';
import type { Ui } from './ui.js';

/**
 * A CLI command: a function `(argv, ui, signal, ctx?) => exit code` that also carries its synopsis and help,
 * so the dispatcher can list and explain it (Consul's `cli.Command`).
 */
export interface Command {
  (argv: readonly string[], ui: Ui, signal: AbortSignal, ctx?: CliContext): Promise<number>;
  /** One line for command lists. */
  readonly synopsis: string;
  /** Full help: usage text plus options. */
  help(): string;
}

/** What a command's body receives after its flags parsed. */
export interface RunInput<F> {
  readonly flags: F;
  /** Arguments after the flags. */
  readonly args: readonly string[];
  readonly ui: Ui;
  readonly signal: AbortSignal;
  readonly ctx: CliContext;
  /** `-stale`, when the command has server flags. */
  readonly stale: boolean;
  /**
   * The API client from the HTTP flags. On failure (unreadable token file, bad address) it prints
   * `<connectError>: <reason>` and returns undefined: the command then exits 1.
   */
  readonly client: () => Promise<ApiClient | undefined>;
}

export interface CommandDefinition<F> {
  readonly synopsis: string;
  /** Consul-style help text, starting `Usage: entente …`. */
  readonly usage: string;
  /** Which HTTP flags the command takes; none when omitted. */
  readonly http?: HttpFlagGroups;
  /**
   * Prefix of the message when the client cannot be built. Consul's commands differ: most say
   * `Error connecting to Consul agent`, config and some peering ones `Error connect to Consul agent`.
   */
  readonly connectError?: string;
  /** Declares the command's flags on a fresh set and returns their handles. */
  readonly flags: (fs: FlagSet) => F;
  readonly run: (input: RunInput<F>) => Promise<number>;
}

/** Exit code for errors, as every Consul command uses. */
export const EXIT_ERROR = 1;

/**
 * Builds a {@link Command}: parses flags Go-style (errors → message and help on stderr, exit 1; `-h` → help on
 * stdout, exit 0), then runs the body. Errors the body throws are printed and exit 1.
 */
export function defineCommand<F>(definition: CommandDefinition<F>): Command {
  const build = (): { fs: FlagSet; flags: F; http: HttpFlags | undefined } => {
    const fs = new FlagSet();
    const flags = definition.flags(fs);
    const http = definition.http === undefined ? undefined : new HttpFlags(fs, definition.http);
    return { fs, flags, http };
  };
  const help = (): string => build().fs.usage(definition.usage);

  const command = async (
    argv: readonly string[],
    ui: Ui,
    signal: AbortSignal,
    ctx: CliContext = processContext(),
  ): Promise<number> => {
    const { fs, flags, http } = build();
    const parsed = fs.parse(argv);
    if (parsed.kind === 'help') {
      ui.output(fs.usage(definition.usage));
      return 0;
    }
    if (parsed.kind === 'error') {
      ui.error(`${parsed.message}\n\n${fs.usage(definition.usage)}`);
      return EXIT_ERROR;
    }
    const input: RunInput<F> = {
      flags,
      args: parsed.args,
      ui,
      signal,
      ctx,
      stale: http?.stale ?? false,
      client: async () => {
        if (http === undefined) throw new Error('command declares no HTTP flags');
        try {
          return await http.client(ctx);
        } catch (err) {
          ui.error(`${definition.connectError ?? 'Error connecting to Consul agent'}: ${errorText(err)}`);
          return undefined;
        }
      },
    };
    try {
      return await definition.run(input);
    } catch (err) {
      ui.error(`Error: ${errorText(err)}`);
      return EXIT_ERROR;
    }
  };
  return Object.assign(command, { synopsis: definition.synopsis, help });
}

/** A group such as `catalog`: run alone it prints its help and exits 1, as Consul's `RunResultHelp` does. */
export function defineGroup(synopsis: string, usage: string): Command {
  const help = (): string => new FlagSet().usage(usage);
  const command = (_argv: readonly string[], ui: Ui): Promise<number> => {
    ui.error(help());
    return Promise.resolve(EXIT_ERROR);
  };
  return Object.assign(command, { synopsis, help });
}

/** The message of an error, or its text. */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
