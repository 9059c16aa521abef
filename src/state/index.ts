export { StateStore, type ChangeObserver } from './store.js';
export { IDX, IndexTable } from './index-table.js';
export type { QueryResult, ServiceInstance, ServiceNameKinds } from './tables/catalog.js';
export type { ConfigEntryRecord } from './tables/config.js';
export type { Tables } from './tables/registry.js';
export type { Table, ApplyContext, CommandUpgrade } from './table.js';
export { CommandCodec, VERSION_FIELD } from './command-codec.js';
export { UNWATCHED, WatchHub, WatchSet, type WakeReason } from './watch.js';
export { applyError, applyOk } from './commands.js';
export type {
  Command,
  CommandType,
  ApplyResult,
  NodeInput,
  ServiceInput,
  CheckInput,
  CARootRecord,
  CAConfigRecord,
  CAConfigInput,
  ImportedInstance,
  ImportedInstanceRef,
  ImportedServiceUpdate,
} from './commands.js';
