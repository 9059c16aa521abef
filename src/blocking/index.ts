export {
  blockingQuery,
  DEFAULT_BLOCKING_WAIT_MS,
  MAX_BLOCKING_WAIT_MS,
  BLOCKING_JITTER_FRACTION,
  type BlockingBackend,
  type BlockingOptions,
} from './blocking-query.js';
export { hashBlockingQuery, type HashBlockingOptions, type HashResult } from './hash-blocking-query.js';
