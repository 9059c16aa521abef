import { badRequest } from '../errors/index.js';
import { compileFilter, FilterError, schemas } from '../filter/index.js';

export type FilterSchemaName = keyof typeof schemas;

/**
 * Applies `?filter=` to rendered items. The expression is compiled against the schema first, so a bad selector
 * is a 400 even when there is nothing to filter, as in Consul.
 */
export function applyFilter<T>(items: T[], expression: string, schema: FilterSchemaName): T[] {
  if (expression === '') return items;
  let filter;
  try {
    filter = compileFilter(expression, schemas[schema]);
  } catch (err) {
    if (err instanceof FilterError) throw badRequest(err.message);
    throw err;
  }
  return items.filter((item) => filter.matches(item));
}
