import { startFakeConsul, type AfterHook, type FakeConsul } from '../../api/testing/fake-consul.js';
import { testContext } from '../context.js';
import { runCli } from '../index.js';
import { captureUi } from '../ui.js';

/** The outcome of one CLI run in a test. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Test-only inputs: environment, stdin and in-memory files. */
export interface RunOptions {
  readonly env?: Readonly<Record<string, string>>;
  readonly stdin?: string;
  readonly files?: Readonly<Record<string, string>>;
}

/** Runs `entente <argv>` against `fake` (through `CONSUL_HTTP_ADDR`) and captures its output. */
export async function runAgainst(
  fake: FakeConsul | undefined,
  argv: readonly string[],
  options: RunOptions = {},
): Promise<CliRun> {
  const ui = captureUi();
  const env = { ...(fake === undefined ? {} : { CONSUL_HTTP_ADDR: fake.address }), ...(options.env ?? {}) };
  const ctx = testContext({
    env,
    ...(options.stdin === undefined ? {} : { stdin: options.stdin }),
    ...(options.files === undefined ? {} : { files: options.files }),
  });
  const code = await runCli(argv, ui, new AbortController().signal, ctx);
  return { code, stdout: ui.stdout(), stderr: ui.stderr() };
}

/** Starts a fake Consul closed with the test. */
export function fakeConsul(t: AfterHook): Promise<FakeConsul> {
  return startFakeConsul(t);
}
