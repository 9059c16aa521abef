export { runAgentCommand } from './run-agent-command.js';
export { Agent, type BoundAddresses } from './agent.js';
export { VERSION, REVISION } from './version.js';
