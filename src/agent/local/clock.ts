// The clock moved to lib/ (certificate renewal uses it too); the check runners keep importing it from here.
export { systemClock, type Clock } from '../../lib/clock.js';
