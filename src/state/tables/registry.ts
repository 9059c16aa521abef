import type { TableDeps } from '../table.js';
import { CaTable, type CaCommand } from './ca.js';
import { CaLeafTable, type CaLeafCommand } from './ca-leaf.js';
import { CatalogTable, type CatalogCommand } from './catalog.js';
import { ConfigTable, type ConfigCommand } from './config.js';
import { KvTable, type KvCommand } from './kv.js';
import { ServiceOriginalsTable } from './service-originals.js';
import { PeeringTable, type PeeringCommand } from './peering.js';
import { SystemTable, type SystemCommand } from './system.js';
import { VirtualIpTable } from './virtual-ips.js';

/**
 * THE registry of tables. Adding a table: write `tables/<name>.ts` (its commands, apply, snapshot section, index
 * keys), then add one line below and its command type to {@link Command}. Order is restore order: a table comes
 * after the tables it is given.
 */
export function createTables(deps: TableDeps) {
  const system = new SystemTable();
  const virtualIps = new VirtualIpTable();
  const serviceOriginals = new ServiceOriginalsTable();
  const catalog = new CatalogTable(deps, virtualIps, serviceOriginals);
  const kv = new KvTable(deps);
  const config = new ConfigTable(deps);
  const ca = new CaTable(deps);
  const peering = new PeeringTable(deps, catalog);
  const caLeaf = new CaLeafTable();
  return { system, virtualIps, serviceOriginals, catalog, kv, config, ca, peering, caLeaf } as const;
}

export type Tables = ReturnType<typeof createTables>;

/**
 * Every write is one of these commands, committed to the log and then applied by the table that declares it, in
 * index order. Commands are plain JSON; `command-codec.ts` versions their encoding.
 */
export type Command =
  SystemCommand | CatalogCommand | KvCommand | ConfigCommand | CaCommand | PeeringCommand | CaLeafCommand;
