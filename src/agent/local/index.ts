export {
  LocalAgent,
  DEFAULT_CHECK_REAP_INTERVAL_MS,
  DEFAULT_CHECK_DEREGISTER_INTERVAL_MIN_MS,
  DEFAULT_CHECK_MIN_INTERVAL_MS,
  DEFAULT_MAX_INITIAL_STAGGER_MS,
  NODE_MAINT_CHECK_ID,
  SERVICE_MAINT_CHECK_PREFIX,
  DEFAULT_NODE_MAINT_REASON,
  DEFAULT_SERVICE_MAINT_REASON,
  type LocalAgentOptions,
} from './local-agent.js';
export { systemClock, type Clock } from './clock.js';
export { DEFAULT_CHECK_OUTPUT_MAX_BYTES } from './output.js';
export { DEFAULT_CHECK_TIMEOUT_MS } from './tcp-probe.js';
export { TTL_EXPIRED_OUTPUT } from './ttl-runner.js';
