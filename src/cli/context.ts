import { readFile } from 'node:fs/promises';

/**
 * What commands read from their surroundings, injectable for tests. The CLI's only access to `process.env` and
 * stdin is {@link processContext}.
 */
export interface CliContext {
  /** Environment (`CONSUL_HTTP_ADDR`, `CONSUL_HTTP_TOKEN`, …). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Reads all of stdin (the `-` data source). */
  readStdin(): Promise<Buffer>;
  /** Reads a file (the `@file` data source, config files, `-token-file`). */
  readFile(path: string): Promise<Buffer>;
}

/** The real process: its environment, stdin and filesystem. */
export function processContext(): CliContext {
  return {
    env: process.env,
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) {
        chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
      }
      return Buffer.concat(chunks);
    },
    readFile: (path) => readFile(path),
  };
}

/** A context for tests: a fixed environment, stdin and in-memory files. */
export function testContext(
  options: {
    readonly env?: Readonly<Record<string, string>>;
    readonly stdin?: string;
    readonly files?: Readonly<Record<string, string>>;
  } = {},
): CliContext {
  return {
    env: options.env ?? {},
    readStdin: () => Promise.resolve(Buffer.from(options.stdin ?? '')),
    readFile: (path) => {
      const content = options.files?.[path];
      if (content === undefined) {
        return Promise.reject(new Error(`open ${path}: no such file or directory`));
      }
      return Promise.resolve(Buffer.from(content));
    },
  };
}
