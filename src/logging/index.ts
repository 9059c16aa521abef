export {
  createLogger,
  silentLogger,
  LOG_LEVELS,
  type Logger,
  type LogLevel,
  type LoggerOptions,
} from './logger.js';
export { REDACTED, REDACT_PATHS, redactSecretsInText } from './redact.js';
