import { runAgentCommand } from './agent/index.js';
import { runCli } from './cli/index.js';
import { processUi } from './cli/ui.js';

// The only place that reads process signals and calls process.exit.
const controller = new AbortController();
let signals = 0;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    signals += 1;
    if (signals > 1) process.exit(130);
    controller.abort(new Error(`received ${sig}`));
  });
}

const argv = process.argv.slice(2);
const ui = processUi();
const code =
  argv[0] === 'agent'
    ? await runAgentCommand(argv.slice(1), ui, controller.signal)
    : await runCli(argv, ui, controller.signal);
process.exit(code);
