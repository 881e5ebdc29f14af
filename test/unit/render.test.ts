import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { fitsCliTable3, renderTableChunks, renderWithCliTable3, renderTable, tableChunks } from '../../src/render/table.js';
import { writeJson } from '../../src/render/json.js';

function randomText(seed: number): string {
  const words = ['Central', 'dev1', '', 'LAB', 'testuser_1', 'group: Finance', 'a906ee6b-a8da-4c66-9700-48036c96de7b', 'x', 'Ångström', '山田 太郎', 'a\\x1b]0;t\\x07'];
  const a = words[seed % words.length] as string;
  const b = words[(seed * 7 + 3) % words.length] as string;
  return seed % 3 === 0 ? `${a}\n${b}` : seed % 5 === 0 ? `${a}\n${b}\n${a}` : a;
}

async function collect(write: (out: PassThrough) => Promise<void>): Promise<string> {
  const out = new PassThrough();
  let text = '';
  out.setEncoding('utf8').on('data', (d: string) => (text += d));
  await write(out);
  out.end();
  return text;
}

describe('tables', () => {
  it('lays out large tables exactly as cli-table3 does', () => {
    const head = ['Name', 'Host name', 'Multi\nline head', 'Id'];
    const rows = Array.from({ length: 120 }, (_, r) => head.map((_, c) => randomText(r * 4 + c)));
    const expected = renderWithCliTable3(head, rows);
    assert.equal([...renderTableChunks(head, rows, 7)].join(''), expected);
    assert.equal([...renderTableChunks(head, [])].join(''), renderWithCliTable3(head, []));
  });

  it('lays out tall cells (up to 12 lines, wide characters) exactly as cli-table3 does', () => {
    const head = ['Attributes', 'User', 'Id'];
    const tall = (n: number): string => Array.from({ length: n }, (_, i) => `${i % 3 === 0 ? 'グループ' : 'group'}_${i}: ${'v'.repeat(i % 7)}`).join('\n');
    const rows = [[tall(12), 'LAB\\u1', 'x'], ['', tall(5), ''], [tall(1), '', tall(9)]];
    assert.equal([...renderTableChunks(head, rows, 2)].join(''), renderWithCliTable3(head, rows));
  });

  it('leaves a small table to cli-table3', () => {
    const head = ['a', 'b'];
    const rows = Array.from({ length: 20 }, (_, i) => [`r${i}`, 'x\ny']);
    assert.equal(fitsCliTable3(head, rows), true);
    assert.deepEqual([...tableChunks(head, rows)], [renderWithCliTable3(head, rows)]);
  });

  it('lays out a table with a cell of hundreds of lines itself, the same text cli-table3 gives for a cut-down cell', () => {
    const attributes = Array.from({ length: 400 }, (_, i) => `group: G${i}`).join('\n');
    const head = ['User', 'Session attributes'];
    assert.equal(fitsCliTable3(head, [['LAB\\eve', attributes]]), false);
    const text = renderTable(head, [['LAB\\eve', attributes]]);
    const lines = text.split('\n');
    assert.equal(lines.length, 400 + 4);
    assert.equal(lines[3], `│ LAB\\eve │ ${'group: G0'.padEnd(18)} │`);
    assert.equal(lines[402], `│         │ ${'group: G399'.padEnd(18)} │`);
    // The same layout as cli-table3's for the same shape cut down to its first and last two lines.
    const cut = ['group: G0', 'group: G1', 'group: G398', 'group: G399'].join('\n');
    const small = renderWithCliTable3(head, [['LAB\\eve', cut]]).split('\n');
    assert.deepEqual([...lines.slice(0, 5), ...lines.slice(-3)], [...small.slice(0, 5), ...small.slice(-3)]);
  });

  it('lays out thousands of rows itself, with the same frame', () => {
    const head = ['a', 'b'];
    const rows = Array.from({ length: 2001 }, (_, i) => [`r${i}`, 'x']);
    assert.equal(fitsCliTable3(head, rows), false);
    const text = renderTable(head, rows);
    assert.ok(text.startsWith('┌───────┬───┐\n│ a     │ b │\n├───────┼───┤\n│ r0    │ x │\n'), text.slice(0, 80));
    assert.ok(text.endsWith('│ r2000 │ x │\n└───────┴───┘'), text.slice(-40));
  });
});

describe('writeJson', () => {
  for (const size of [0, 3, 1000, 1001, 2500]) {
    it(`writes the same text as JSON.stringify(value, null, 2) for ${size} rows`, async () => {
      const rows = Array.from({ length: size }, (_, i) => ({ id: `s${i}`, text: 'a\n"b"', n: i }));
      const text = await collect((out) => writeJson(out, rows));
      assert.equal(text, `${JSON.stringify(rows, null, 2)}\n`);
    });
  }

  it('writes objects whole', async () => {
    const value = { deleted: [{ a: 1 }], notFound: [], failed: [] };
    assert.equal(await collect((out) => writeJson(out, value)), `${JSON.stringify(value, null, 2)}\n`);
  });
});
