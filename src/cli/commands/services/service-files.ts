import type { AgentServiceRegistration } from '../../../api/index.js';
import { parseJsonOrHcl } from '../../../lib/hcl/index.js';
import type { CliContext } from '../../context.js';
import { readFileOrFail } from '../../load-data.js';
import { translateKeys } from '../../translate-keys.js';

/**
 * Reads service definitions from agent configuration files, JSON or HCL, as `consul services register` does:
 * a `service { … }` block (or object) and/or a `services [ … ]` list per file. Keys are translated to the API's
 * PascalCase (`enable_tag_override` → `EnableTagOverride`, a check's `id` → `CheckID`); other configuration
 * keys in the file are ignored.
 *
 * @throws Error for unreadable or malformed files.
 */
export async function servicesFromFiles(
  files: readonly string[],
  ctx: CliContext,
): Promise<AgentServiceRegistration[]> {
  const result: AgentServiceRegistration[] = [];
  for (const file of files) {
    const text = (await readFileOrFail(file, ctx)).toString('utf8');
    const doc = parseJsonOrHcl(text, file);
    for (const [key, value] of Object.entries(doc)) {
      const lower = key.toLowerCase();
      if (lower !== 'service' && lower !== 'services') continue;
      const items: unknown[] = Array.isArray(value) ? value : [value];
      for (const item of items) {
        if (typeof item !== 'object' || item === null || Array.isArray(item)) {
          throw new Error(`${file}: ${key} must be an object`);
        }
        result.push(translateKeys(item, 'service') as AgentServiceRegistration);
      }
    }
  }
  return result;
}
