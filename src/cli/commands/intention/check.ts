import type { IntentionExplanation } from '../../../api/index.js';
import { defineCommand, errorText } from '../../command.js';
import { intentionString } from './format.js';

/** Consul's `intention check` exits 2 on errors, 1 when denied, 0 when allowed. */
const EXIT_CHECK_ERROR = 2;

/**
 * `entente intention check [-explain] SRC DST` (Consul `command/intention/check`). `-explain` is Entente's:
 * it prints which intention or default decided and why each more specific level did not match, and accepts
 * `peer:<peer>/<name>` sources.
 */
export const intentionCheck = defineCommand({
  synopsis: 'Check whether a connection between two services is allowed.',
  usage: `
Usage: entente intention check [options] SRC DST

  Check whether a connection between SRC and DST would be allowed by
  Connect given the current Consul configuration.

      $ entente intention check web db

  With -explain, also show which intention (or the default) decided and why
  more specific intentions did not match; SRC may then be peer:<peer>/<name>:

      $ entente intention check -explain peer:east/web db
`,
  http: 'client+server+tenancy',
  flags: (fs) => ({
    explain: fs.bool(
      'explain',
      false,
      'Show which intention or default decided, and why more specific ones did not match (Entente).',
    ),
  }),
  run: async ({ flags, args, ui, signal, client }) => {
    if (args.length !== 2) {
      ui.error('Error: command requires exactly two arguments: src and dst');
      return EXIT_CHECK_ERROR;
    }
    const api = await client();
    if (api === undefined) return EXIT_CHECK_ERROR;
    const [source = '', destination = ''] = args;
    let allowed: boolean;
    let explanation: IntentionExplanation | undefined;
    try {
      if (flags.explain.value) {
        explanation = (await api.connect.intentionExplain(source, destination, { signal })).value;
        allowed = explanation.Allowed;
      } else {
        allowed = (await api.connect.intentionCheck(source, destination, { signal })).value;
      }
    } catch (err) {
      ui.error(`Error checking the connection: ${errorText(err)}`);
      return EXIT_CHECK_ERROR;
    }
    ui.output(allowed ? 'Allowed' : 'Denied');
    if (explanation !== undefined)
      printExplanation(explanation, (l) => {
        ui.output(l);
      });
    return allowed ? 0 : 1;
  },
});

function printExplanation(ex: IntentionExplanation, out: (line: string) => void): void {
  out(`Reason: ${ex.Reason}`);
  for (const step of ex.Steps) {
    const head = `  [${step.Precedence}] ${step.Source} => ${step.Destination}: ${step.Outcome}`;
    out(
      step.Intention === undefined
        ? `${head} (${step.Detail})`
        : `${head}: ${intentionString(step.Intention)} (${step.Detail})`,
    );
  }
}
