import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Consul's `version.BuildDate` default when no build stamped one. */
export const DEFAULT_BUILD_DATE = '1970-01-01T00:00:01Z';

/** What `entente version` reports. */
export interface BuildInfo {
  /** From package.json, e.g. `0.1.0`. */
  readonly version: string;
  /** Git commit of the checkout, '' when unknown. */
  readonly revision: string;
  readonly prerelease: string;
  /** RFC 3339. */
  readonly buildDate: string;
}

/**
 * Reads the version from the package's package.json and the revision from its git checkout, both found from
 * this file's location (src/cli/ or dist/cli/, two levels under the package root).
 */
export function readBuildInfo(): BuildInfo {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  let version = '0.0.0';
  let prerelease = '';
  try {
    const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { version?: unknown };
    if (typeof pkg.version === 'string') {
      const dash = pkg.version.indexOf('-');
      version = dash === -1 ? pkg.version : pkg.version.slice(0, dash);
      prerelease = dash === -1 ? '' : pkg.version.slice(dash + 1);
    }
  } catch {
    // NOTE: an unreadable package.json leaves the placeholder; `version` must not fail.
  }
  return { version, revision: gitRevision(`${root}.git/`), prerelease, buildDate: DEFAULT_BUILD_DATE };
}

/** The commit `HEAD` points at, read from the files without running git; '' when unknown. */
function gitRevision(gitDir: string): string {
  try {
    const head = readFileSync(`${gitDir}HEAD`, 'utf8').trim();
    if (!head.startsWith('ref: ')) return /^[0-9a-f]{40}$/.test(head) ? head : '';
    const ref = head.slice('ref: '.length);
    if (existsSync(`${gitDir}${ref}`)) return readFileSync(`${gitDir}${ref}`, 'utf8').trim();
    const packed = readFileSync(`${gitDir}packed-refs`, 'utf8');
    for (const line of packed.split('\n')) {
      const [sha, name] = line.split(' ');
      if (name === ref && sha !== undefined) return sha;
    }
  } catch {
    // Not a checkout (an installed package): no revision.
  }
  return '';
}
