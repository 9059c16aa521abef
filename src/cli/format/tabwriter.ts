/**
 * Aligns tab-separated cells like Go's `text/tabwriter` as Consul configures it
 * (`NewWriter(w, 0, 2, 6, ' ', 0)`): a cell terminated by a tab is padded to its column's widest cell plus 6
 * spaces; the text after a line's last tab is not padded.
 *
 * @param lines - lines of text with `\t` between cells, no newlines.
 */
export function tabwrite(lines: readonly string[], padding = 6): string {
  const cells = lines.map((line) => line.split('\t'));
  const widths: number[] = [];
  for (const row of cells) {
    row.slice(0, -1).forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  }
  return cells
    .map((row) =>
      row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd((widths[i] ?? 0) + padding))).join(''),
    )
    .join('\n');
}
