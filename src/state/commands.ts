/**
 * The command vocabulary, re-exported from the tables that apply it (each table file declares its commands).
 *
 * @module
 */
export type { Command } from './tables/registry.js';
export type { NodeInput, ServiceInput, CheckInput, RegisterCommand } from './tables/catalog.js';
export type { ImportedInstance, ImportedInstanceRef, ImportedServiceUpdate } from './tables/peering.js';
export type { CARootRecord, CAConfigRecord } from '../types/index.js';
export type { CAConfigInput } from './tables/ca.js';
export { applyError, applyOk, type ApplyResult } from './result.js';

import type { Command } from './tables/registry.js';
export type CommandType = Command['Type'];
