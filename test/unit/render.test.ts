import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { renderTableChunks, renderWithCliTable3, renderTable, CLI_TABLE3_MAX_ROWS } from '../../src/render/table.js';
import { writeJson } from '../../src/render/json.js';

function randomText(seed: number): string {
  const words = ['Central', 'dev1', '', 'LAB', 'testuser_1', 'group: Finance', 'a906ee6b-a8da-4c66-9700-48036c96de7b', 'x', 'Ångström'];
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

  it('uses the line renderer above the cli-table3 limit with the same frame', () => {
    const head = ['a', 'b'];
    const rows = Array.from({ length: CLI_TABLE3_MAX_ROWS + 1 }, (_, i) => [`r${i}`, 'x']);
    const text = renderTable(head, rows);
    assert.ok(text.startsWith('┌──────┬───┐\n│ a    │ b │\n├──────┼───┤\n│ r0   │ x │\n'), text.slice(0, 80));
    assert.ok(text.endsWith('│ r300 │ x │\n└──────┴───┘'), text.slice(-40));
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
