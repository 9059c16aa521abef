import { readFileSync } from 'node:fs';

/** Entente's version, from package.json. */
export const VERSION: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

/** Build revision; set at release time, `dev` from a checkout. */
export const REVISION = 'dev';
