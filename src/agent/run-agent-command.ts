import { once } from 'node:events';
import type { Ui } from '../cli/ui.js';
import { ConfigError, SCRIPT_CHECKS_WITHOUT_ACLS_WARNING, loadAgentConfig } from '../config/index.js';
import { createLogger } from '../logging/index.js';
import { Agent } from './agent.js';

/** `entente agent ...`: loads config from flags and files, runs the agent until `signal` aborts. */
export async function runAgentCommand(argv: readonly string[], ui: Ui, signal: AbortSignal): Promise<number> {
  let loaded;
  try {
    loaded = loadAgentConfig(argv);
  } catch (err) {
    if (err instanceof ConfigError) {
      ui.error(`==> ${err.message}`);
      return 1;
    }
    throw err;
  }
  const { config, warnings } = loaded;
  const logger = createLogger({ level: config.logLevel, json: config.logJson });
  // Loud: each one is a setting the operator wrote that does nothing here.
  for (const w of warnings) {
    ui.error(`==> WARNING: ${w}`);
    logger.warn({ config_warning: true }, w);
  }
  if (config.enableScriptChecks) logger.warn(SCRIPT_CHECKS_WITHOUT_ACLS_WARNING);
  const agent = new Agent(config, logger.child({ subsystem: 'agent' }));
  try {
    await agent.start();
  } catch (err) {
    ui.error(`==> Error starting agent: ${(err as Error).message}`);
    await agent.close().catch((closeErr: unknown) => {
      ui.error(`==> ${(closeErr as Error).message}`);
    });
    return 1;
  }
  if (!signal.aborted) await once(signal, 'abort');
  logger.info('Caught signal, shutting down gracefully');
  try {
    await agent.close();
  } catch (err) {
    ui.error(`==> ${(err as Error).message}`);
    return 1;
  }
  return 0;
}
