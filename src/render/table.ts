/**
 * Box tables in cli-table3's style. cli-table3 draws them up to a few hundred rows; it spends close
 * to a millisecond per row (and more as tables grow), so larger tables are laid out here line by
 * line, with the same characters and padding (test/unit/table.test.ts checks both give the same text).
 */
import Table from 'cli-table3';

export type Cell = string;

/** Tables up to this many rows are drawn by cli-table3 itself. */
export const CLI_TABLE3_MAX_ROWS = 300;

const H = '─';
const V = '│';

function cellLines(cell: Cell): string[] {
  return cell.split('\n');
}

/** Code points, counting a surrogate pair once (cli-table3 counts the same for the text we print). */
function displayWidth(text: string): number {
  let width = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0xdc00 || code > 0xdfff) width++;
  }
  return width;
}

function columnWidths(head: readonly Cell[], rows: readonly (readonly Cell[])[]): number[] {
  const widths = head.map((h) => Math.max(...cellLines(h).map(displayWidth)));
  for (const row of rows) {
    for (let c = 0; c < widths.length; c++) {
      const cell = row[c] ?? '';
      for (const line of cellLines(cell)) {
        const w = displayWidth(line);
        if (w > (widths[c] as number)) widths[c] = w;
      }
    }
  }
  return widths;
}

function border(widths: readonly number[], left: string, mid: string, right: string): string {
  return left + widths.map((w) => H.repeat(w + 2)).join(mid) + right;
}

function rowLines(widths: readonly number[], row: readonly Cell[]): string {
  const cells = widths.map((_, c) => cellLines(row[c] ?? ''));
  const height = Math.max(...cells.map((lines) => lines.length));
  const out: string[] = [];
  for (let l = 0; l < height; l++) {
    let line = V;
    for (let c = 0; c < widths.length; c++) {
      const text = (cells[c] as string[])[l] ?? '';
      line += ` ${text}${' '.repeat((widths[c] as number) - displayWidth(text))} ${V}`;
    }
    out.push(line);
  }
  return out.join('\n');
}

/** The whole table as text (no trailing newline), cli-table3 for small tables. */
export function renderTable(head: readonly Cell[], rows: readonly (readonly Cell[])[]): string {
  if (rows.length <= CLI_TABLE3_MAX_ROWS) return renderWithCliTable3(head, rows);
  return [...renderTableChunks(head, rows)].join('');
}

export function renderWithCliTable3(head: readonly Cell[], rows: readonly (readonly Cell[])[]): string {
  const table = new Table({ head: [...head], style: { head: [], border: [] } });
  for (const row of rows) table.push([...row]);
  return table.toString();
}

/** The same table as successive pieces of text, for writing a very large table as it is laid out. */
export function* renderTableChunks(head: readonly Cell[], rows: readonly (readonly Cell[])[], rowsPerChunk = 2000): Generator<string> {
  const widths = columnWidths(head, rows);
  const separator = border(widths, '├', '┼', '┤');
  let chunk = `${border(widths, '┌', '┬', '┐')}\n${rowLines(widths, head)}\n`;
  for (let r = 0; r < rows.length; r++) {
    chunk += `${separator}\n${rowLines(widths, rows[r] as readonly Cell[])}\n`;
    if ((r + 1) % rowsPerChunk === 0) {
      yield chunk;
      chunk = '';
    }
  }
  yield `${chunk}${border(widths, '└', '┴', '┘')}`;
}
