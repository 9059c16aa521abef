export { compileFilter, filterList, filterRecord, type Filter } from './compile.js';
export { FilterError, FILTER_ERROR_PREFIX } from './filter-error.js';
export { field, type FieldType } from './field-type.js';
export { schemas } from './schemas.js';
export { MatchOperator, type Expression } from './ast.js';
export { parseExpression, ParseError } from './parser.js';
