export * from './catalog.js';
export * from './peering.js';
export * from './connect.js';
