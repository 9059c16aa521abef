/**
 * Generates TypeScript for `proto/` into `src/grpc/generated/` with buf and protoc-gen-es, both pinned as
 * devDependencies, using `buf.gen.yaml` at the repository root. Needs no network: the plugin is local and buf
 * ships the well-known types.
 *
 * Usage: `npm run proto:gen` (`node --import tsx scripts/gen-proto.ts`), or with `--out <dir>` to write the
 * tree under another base directory (used by `src/grpc/proto-up-to-date.test.ts`).
 */
import { execFile } from 'node:child_process';
import { delimiter, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** The repository root (this file lives in `scripts/`). */
export const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');

/** Where the generated files go, relative to the output base (the `out` of `buf.gen.yaml`). */
export const GENERATED_DIR = join('src', 'grpc', 'generated');

export interface GenerateProtoOptions {
  /**
   * Base directory the template's `out` is resolved against. Defaults to the repository root, i.e. the files
   * land in `src/grpc/generated/`.
   */
  readonly outputBase?: string;
  readonly signal?: AbortSignal;
}

/**
 * Runs `buf generate` with the repository's template. The template sets `clean: true`, so the output directory
 * holds exactly the generated files afterwards.
 *
 * @returns The directory the files were written to.
 */
export async function generateProto(options: GenerateProtoOptions = {}): Promise<string> {
  const outputBase = resolve(options.outputBase ?? REPO_ROOT);
  const bin = join(REPO_ROOT, 'node_modules', '.bin');
  // buf finds the `protoc-gen-es` plugin on PATH.
  const env = { ...process.env, PATH: `${bin}${delimiter}${process.env['PATH'] ?? ''}` };
  const args = ['generate', '--template', join(REPO_ROOT, 'buf.gen.yaml'), '--output', outputBase];
  try {
    await execFileAsync(join(bin, 'buf'), args, {
      cwd: REPO_ROOT,
      env,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
  } catch (err) {
    const stderr = (err as { stderr?: unknown }).stderr;
    const detail = typeof stderr === 'string' && stderr.trim() !== '' ? `: ${stderr.trim()}` : '';
    throw new Error(`buf generate failed${detail}`, { cause: err });
  }
  return join(outputBase, GENERATED_DIR);
}

function parseArgs(argv: readonly string[]): GenerateProtoOptions {
  const outIndex = argv.indexOf('--out');
  if (outIndex === -1) return {};
  const out = argv[outIndex + 1];
  if (out === undefined || out.startsWith('-')) throw new Error('--out needs a directory');
  return { outputBase: out };
}

const invokedDirectly =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (invokedDirectly) {
  try {
    const dir = await generateProto(parseArgs(process.argv.slice(2)));
    console.log(`generated TypeScript for proto/ into ${dir}`);
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  }
}
