/** The field separator Consul's commands put between columns before `columnize.Format`. */
export const COLUMN_DELIMITER = '\x1f';

/**
 * Aligns rows into columns like `ryanuber/columnize` with Consul's settings: fields split on
 * {@link COLUMN_DELIMITER} and trimmed, each column but a row's last padded to the column's width, joined by
 * two spaces, no trailing newline.
 */
export function columnize(rows: readonly string[]): string {
  const split = rows.map((row) => row.split(COLUMN_DELIMITER).map((field) => field.trim()));
  const widths: number[] = [];
  for (const fields of split) {
    fields.forEach((field, i) => {
      widths[i] = Math.max(widths[i] ?? 0, field.length);
    });
  }
  return split
    .map((fields) =>
      fields
        .map((field, i) => (i === fields.length - 1 ? field : field.padEnd(widths[i] ?? 0) + '  '))
        .join(''),
    )
    .join('\n');
}
