import type { CliContext } from './context.js';

/**
 * Consul's `helpers.LoadDataSource`: `@path` reads a file, `-` reads stdin, anything else is the data itself.
 */
export async function loadDataSource(data: string, ctx: CliContext): Promise<string> {
  if (data === '') return '';
  if (data.startsWith('@')) return (await readFileOrFail(data.slice(1), ctx)).toString('utf8');
  if (data === '-') return (await readStdinOrFail(ctx)).toString('utf8');
  return data;
}

/** Consul's `helpers.LoadDataSourceNoRaw`: a file path, or `-` for stdin. */
export async function loadDataSourceNoRaw(data: string, ctx: CliContext): Promise<string> {
  if (data === '') throw new Error("Failed to load data: must specify a file path or '-' for stdin");
  if (data === '-') return (await readStdinOrFail(ctx)).toString('utf8');
  return (await readFileOrFail(data, ctx)).toString('utf8');
}

/** Reads a file, wrapping errors as Consul does (`Failed to read file: …`). */
export async function readFileOrFail(path: string, ctx: CliContext): Promise<Buffer> {
  try {
    return await ctx.readFile(path);
  } catch (err) {
    throw new Error(`Failed to read file: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }
}

/** Reads stdin, wrapping errors as Consul does (`Failed to read stdin: …`). */
export async function readStdinOrFail(ctx: CliContext): Promise<Buffer> {
  try {
    return await ctx.readStdin();
  } catch (err) {
    throw new Error(`Failed to read stdin: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }
}
