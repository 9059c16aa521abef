export { StateStore, IDX, type QueryResult, type ServiceInstance, type ConfigEntryRecord } from './store.js';
export { WatchHub, WatchSet, type WakeReason } from './watch.js';
export { applyError } from './commands.js';
export type {
  Command,
  CommandType,
  ApplyResult,
  NodeInput,
  ServiceInput,
  CheckInput,
  CARootRecord,
  ImportedInstance,
} from './commands.js';
