/**
 * Intentions: the legacy intention view of `service-intentions` config entries, Consul's precedence and match
 * rules, compiled check decisions and Entente's `explain`. Pure; see README.md.
 */
export {
  DEFAULT_NAMESPACE,
  WILDCARD,
  intentionString,
  intentionsOfEntry,
  isL7,
  sourceString,
  toIntention,
  type Intention,
  type IntentionEntryRecord,
} from './intention.js';
export { compareIntentions, countExact, precedenceOf } from './precedence.js';
export {
  DestinationTable,
  IntentionSet,
  defaultDecision,
  type Decision,
  type IntentionSource,
} from './intention-set.js';
export { explainDecision, type ExplainStep, type Explanation, type StepOutcome } from './explain.js';
export { IntentionView, type IntentionStore } from './intention-view.js';
export {
  authorize,
  consulIntentionString,
  parseServiceSpiffeId,
  type AuthorizeInput,
  type AuthorizeResult,
  type ServiceSpiffeId,
  type SpiffeParseError,
} from './authorize.js';
export {
  AuthorizeCache,
  MAX_CACHED_DECISIONS,
  MAX_CACHED_KEY_CHARS,
  type AuthorizeSources,
} from './authorize-cache.js';
