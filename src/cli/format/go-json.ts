/**
 * JSON as Go's `encoding/json` writes it: `<`, `>`, `&`, U+2028 and U+2029 escaped, optional indentation
 * (`json.MarshalIndent(v, "", indent)`).
 */
export function goJson(value: unknown, indent = ''): string {
  const text = indent === '' ? JSON.stringify(value) : JSON.stringify(value, null, indent);
  return text
    .replaceAll('<', '\\u003c')
    .replaceAll('>', '\\u003e')
    .replaceAll('&', '\\u0026')
    .replaceAll('\u2028', '\\u2028')
    .replaceAll('\u2029', '\\u2029');
}
