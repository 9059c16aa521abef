/**
 * The minimal logger the log needs, declared structurally so a pino `Logger` (or a child of one) fits without this
 * folder importing `logging/`.
 */
export interface WalLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

const noop = (): void => undefined;

/** A logger that discards everything; the default when none is given. */
export const NOOP_WAL_LOGGER: WalLogger = Object.freeze({ debug: noop, info: noop, warn: noop, error: noop });
