import { accessSync, constants } from 'node:fs';

/** A system binary a benchmark runs, with the Debian package that installs it. */
export interface SystemBinary {
  path: string;
  pkg: string;
}

export const ETCD: SystemBinary = { path: '/usr/bin/etcd', pkg: 'etcd-server' };
export const ETCDCTL: SystemBinary = { path: '/usr/bin/etcdctl', pkg: 'etcd-client' };
export const WRK: SystemBinary = { path: '/usr/bin/wrk', pkg: 'wrk' };

/**
 * Checks, before any measuring starts, that every binary the benchmark spawns is installed; otherwise throws one
 * error naming each missing binary and the command that installs them all (instead of an unhandled
 * `spawn ... ENOENT` halfway through the run).
 */
export function requireTools(...binaries: SystemBinary[]): void {
  const missing = binaries.filter((b) => {
    try {
      accessSync(b.path, constants.X_OK);
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length === 0) return;
  const names = missing.map((b) => `${b.path} (Debian package ${b.pkg})`).join(', ');
  const pkgs = [...new Set(missing.map((b) => b.pkg))].join(' ');
  throw new Error(`not installed: ${names}. Install with: apt-get update && apt-get install -y ${pkgs}`);
}
