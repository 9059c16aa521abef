/** Kind → module (schema, normalize, validate). */
import { exportedServices } from './kinds/exported-services.js';
import { mesh } from './kinds/mesh.js';
import { proxyDefaults } from './kinds/proxy-defaults.js';
import { serviceDefaults } from './kinds/service-defaults.js';
import { serviceIntentions } from './kinds/service-intentions.js';
import { serviceResolver } from './kinds/service-resolver.js';
import { serviceRouter } from './kinds/service-router.js';
import { serviceSplitter } from './kinds/service-splitter.js';
import type { KindModule } from './kinds/shared.js';
import type { ConfigEntryKind } from './kinds.js';

export const KIND_MODULES: Readonly<Record<ConfigEntryKind, KindModule>> = {
  'service-defaults': serviceDefaults,
  'proxy-defaults': proxyDefaults,
  'service-router': serviceRouter,
  'service-splitter': serviceSplitter,
  'service-resolver': serviceResolver,
  'service-intentions': serviceIntentions,
  mesh,
  'exported-services': exportedServices,
};
