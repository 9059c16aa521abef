/** The discovery-chain compiler (Consul agent/consul/discoverychain), pure. See README.md. */
export {
  ChainGraphError,
  compileDiscoveryChain,
  isProtocolHttpLike,
  type ChainEntries,
  type CompileRequest,
} from './compile.js';
export { chainId, serviceSni, type TargetOpts } from './target-id.js';
export type * from './types.js';
export {
  relatedServices,
  validateProposedConfigEntry,
  type GraphStore,
  type ProposedChange,
} from './validate-graph.js';
