export { HttpServer, type Route, type Handler, type HttpServerOptions } from './server.js';
export { buildRoutes } from './routes.js';
export { ResponseCache } from './response-cache.js';
export type { HttpDeps, AgentInfo, MetricsView } from './deps.js';
export type {
  AgentLocal,
  AgentCheckDefinition,
  RegistrationSource,
  SidecarPortLease,
} from './agent-local.js';
export {
  configDefinitionFields,
  registerCheckDefinition,
  registerServiceDefinition,
  ServiceDefinitionError,
  type DefinitionStage,
  type RegisteredDefinition,
  type ServiceRegistrationDeps,
} from './handlers/service-register.js';
