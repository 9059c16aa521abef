export { pump, type PumpOptions, type PumpCounters, type PumpEnd, type PumpResult } from './pump.js';
