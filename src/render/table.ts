/**
 * Box tables in cli-table3's style. cli-table3 draws small tables; its time grows with the cube of a
 * cell's line count (it measures the whole cell again for every line it draws) and with the rows, so
 * one session with 300 attributes took it minutes. Any table beyond a small cost is laid out here
 * line by line instead, with the same characters, padding and widths, in time linear in its text
 * (test/unit/render.test.ts checks that both give the same text).
 */
import Table from 'cli-table3';
import stringWidth from 'string-width';

export type Cell = string;

/**
 * What cli-table3 may spend: the sum over all cells of (lines in the cell)³. 3,000 is 300 rows of
 * ten one-line cells, or one cell of 14 lines; measured at a few hundred milliseconds.
 */
const CLI_TABLE3_BUDGET = 3000;

/** True when cli-table3 draws this table fast enough; counting stops once the budget is spent. */
export function fitsCliTable3(head: readonly Cell[], rows: readonly (readonly Cell[])[]): boolean {
  let cost = 0;
  const add = (cells: readonly Cell[]): boolean => {
    for (const cell of cells) {
      let lines = 1;
      for (let at = cell.indexOf('\n'); at !== -1 && lines <= 15; at = cell.indexOf('\n', at + 1)) lines++;
      cost += lines * lines * lines;
      if (cost > CLI_TABLE3_BUDGET) return false;
    }
    return true;
  };
  if (!add(head)) return false;
  for (const row of rows) if (!add(row)) return false;
  return true;
}

const H = '─';
const V = '│';

function cellLines(cell: Cell): string[] {
  return cell.split('\n');
}

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/** Terminal columns, measured as cli-table3 measures them (wide East Asian characters count 2). */
function displayWidth(text: string): number {
  return PRINTABLE_ASCII.test(text) ? text.length : stringWidth(text);
}

function columnWidths(head: readonly Cell[], rows: readonly (readonly Cell[])[]): number[] {
  return head.map((h, c) => {
    let width = Math.max(...cellLines(h).map(displayWidth));
    for (const row of rows) {
      for (const line of cellLines(row[c] ?? '')) width = Math.max(width, displayWidth(line));
    }
    return width;
  });
}

function border(widths: readonly number[], left: string, mid: string, right: string): string {
  return left + widths.map((w) => H.repeat(w + 2)).join(mid) + right;
}

function rowLines(widths: readonly number[], row: readonly Cell[]): string {
  const columns = widths.map((width, c) => ({ width, lines: cellLines(row[c] ?? '') }));
  const height = Math.max(...columns.map(({ lines }) => lines.length));
  const out: string[] = [];
  for (let l = 0; l < height; l++) {
    let line = V;
    for (const { width, lines } of columns) {
      const text = lines[l] ?? '';
      line += ` ${text}${' '.repeat(width - displayWidth(text))} ${V}`;
    }
    out.push(line);
  }
  return out.join('\n');
}

/** The whole table as text (no trailing newline), cli-table3 for small tables. */
export function renderTable(head: readonly Cell[], rows: readonly (readonly Cell[])[]): string {
  return [...tableChunks(head, rows)].join('');
}

/** The table as successive pieces of text (one piece when cli-table3 draws it), for writing as it is laid out. */
export function tableChunks(head: readonly Cell[], rows: readonly (readonly Cell[])[]): Iterable<string> {
  return fitsCliTable3(head, rows) ? [renderWithCliTable3(head, rows)] : renderTableChunks(head, rows);
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
  for (const [r, row] of rows.entries()) {
    chunk += `${separator}\n${rowLines(widths, row)}\n`;
    if ((r + 1) % rowsPerChunk === 0) {
      yield chunk;
      chunk = '';
    }
  }
  yield `${chunk}${border(widths, '└', '┴', '┘')}`;
}
