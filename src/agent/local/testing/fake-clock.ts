// The fake clock moved to lib/testing/ (certificate renewal tests use it too).
export { FakeClock, settle } from '../../../lib/testing/fake-clock.js';
