export * from './catalog.js';
export * from './peering.js';
