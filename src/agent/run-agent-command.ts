import { once } from 'node:events';
import type { Ui } from '../cli/ui.js';
import { ConfigError, loadAgentConfig } from '../config/index.js';
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
  for (const w of warnings) logger.warn(w);
  const agent = new Agent(config, logger.child({ subsystem: 'agent' }));
  try {
    await agent.start();
  } catch (err) {
    ui.error(`==> Error starting agent: ${(err as Error).message}`);
    await agent.close();
    return 1;
  }
  if (!signal.aborted) await once(signal, 'abort');
  logger.info('Caught signal, shutting down gracefully');
  await agent.close();
  return 0;
}
