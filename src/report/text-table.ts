/*
 * A plain text table: columns two spaces apart, a rule under the heads,
 * numbers right-aligned, no box drawing — narrow enough for a terminal and
 * pasteable into a report or an e-mail as it is. Cells may carry ANSI
 * colour; widths are measured without it.
 */

export interface TextColumn {
  /** Head lines (one or two). */
  head: string[];
  align: 'left' | 'right';
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;

export const visibleLength = (s: string): number => [...s.replace(ANSI, '')].length;

function pad(s: string, width: number, align: 'left' | 'right'): string {
  const fill = ' '.repeat(Math.max(0, width - visibleLength(s)));
  return align === 'left' ? s + fill : fill + s;
}

export function formatTextTable(columns: TextColumn[], rows: string[][]): string {
  const headLines = Math.max(...columns.map((c) => c.head.length));
  const widths = columns.map((c, j) => Math.max(...c.head.map(visibleLength), ...rows.map((r) => visibleLength(r[j]))));
  const line = (cells: string[]): string =>
    cells
      .map((cell, j) => pad(cell, widths[j], columns[j].align))
      .join('  ')
      .trimEnd();
  const out: string[] = [];
  for (let k = 0; k < headLines; k++) {
    // heads sit at the bottom: a one-line head shares the last line of two-line heads
    out.push(line(columns.map((c) => c.head[k - (headLines - c.head.length)] ?? '')));
  }
  out.push(widths.map((w) => '─'.repeat(w)).join('  '));
  for (const r of rows) out.push(line(r));
  return `${out.join('\n')}\n`;
}

/** Word-wraps a paragraph to `width` columns, continuation lines indented by `indent` spaces. */
export function wrap(text: string, width: number, indent = 2): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((w) => w !== '')) {
    const candidate = line === '' ? word : `${line} ${word}`;
    if (visibleLength(candidate) > width && line !== '') {
      lines.push(line);
      line = `${' '.repeat(indent)}${word}`;
    } else line = candidate;
  }
  if (line !== '') lines.push(line);
  return lines.join('\n');
}
