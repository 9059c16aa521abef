import { pino, type Logger as PinoLogger, type LevelWithSilent } from 'pino';

import { REDACT_PATHS, redactSecretsInText } from './redact.js';

export type Logger = PinoLogger;
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface LoggerOptions {
  level?: LogLevel | 'silent';
  json?: boolean;
  /** Destination stream; defaults to stdout, where Consul agents log. */
  destination?: NodeJS.WritableStream;
}

/**
 * Creates the process logger. Subsystems get children: `logger.child({ subsystem: 'http' })`. JSON lines with
 * `-log-json`, otherwise a compact human line format (no extra dependency). Secrets are removed twice (see
 * `redact.ts`): whole fields by pino's `redact` paths, and `?token=` values and Bearer credentials inside any
 * string by a scrub of every line before it is written.
 */
export function createLogger(opts: LoggerOptions = {}): Logger {
  const level: LevelWithSilent = opts.level ?? 'info';
  const dest = opts.destination ?? process.stdout;
  const json = opts.json ?? false;
  const sink = {
    write(line: string): void {
      const clean = redactSecretsInText(line);
      dest.write(json ? clean : formatHuman(clean));
    },
  };
  return pino({ level, redact: { paths: [...REDACT_PATHS], censor: '[redacted]' }, base: null }, sink);
}

const LEVEL_NAMES: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};

/** `2026-11-27T12:00:00.000Z [INFO]  agent: message: key=value ...` like Consul's hclog output. */
function formatHuman(line: string): string {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const { level, time, msg, subsystem, ...rest } = rec;
  const ts = typeof time === 'number' ? new Date(time).toISOString() : '';
  const lvl = `[${LEVEL_NAMES[Number(level)] ?? String(level)}]`.padEnd(8);
  const sub = typeof subsystem === 'string' ? `${subsystem}: ` : '';
  const kv = Object.entries(rest)
    .map(
      ([k, v]) =>
        `${k}=${typeof v === 'string' ? (/\s/.test(v) ? JSON.stringify(v) : v) : JSON.stringify(v)}`,
    )
    .join(' ');
  return `${ts} ${lvl} ${sub}${typeof msg === 'string' ? msg : ''}${kv ? `: ${kv}` : ''}\n`;
}

/** A logger that drops everything, for tests. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
