import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * Tests that drive a system tool (`dig`, ...) skip when it is not installed, with a message naming the Debian
 * package that provides it; `.ci/run` installs those packages, so CI always runs them.
 */
export const SYSTEM_TOOLS = {
  dig: 'dnsutils',
} as const;

export type SystemTool = keyof typeof SYSTEM_TOOLS;

/** True when an executable named `tool` is on `PATH` (what `execFile(tool)` would find). */
export function hasTool(tool: string, path = process.env['PATH'] ?? ''): boolean {
  for (const dir of path.split(delimiter)) {
    if (dir === '') continue;
    try {
      accessSync(join(dir, tool), constants.X_OK);
      return true;
    } catch {
      // not in this directory
    }
  }
  return false;
}

/**
 * For node:test's `skip` option: `false` when `tool` is installed, else the reason, naming the package
 * (`{ skip: missingTool('dig') }`).
 */
export function missingTool(tool: SystemTool, path?: string): string | false {
  if (hasTool(tool, path)) return false;
  const pkg = SYSTEM_TOOLS[tool];
  return `${tool} is not installed: apt-get install -y ${pkg} (Debian package ${pkg}); .ci/run installs it`;
}
