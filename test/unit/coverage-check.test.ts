/** The coverage gate of `npm test` (test/tools/coverage-check.ts): folders summed from c8's per-file figures. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { shortfalls, type CoverageSummary } from '../tools/coverage-check.js';

const root = '/repo';
const file = (covered: number, total: number): CoverageSummary[string] => ({ branches: { covered, total }, lines: { covered: total, total } });
const thresholds = [
  { folder: 'src', metric: 'branches', min: 90 },
  { folder: 'src/qlik', metric: 'branches', min: 85 },
] as const;

describe('coverage check', () => {
  it('passes when every folder meets its threshold', () => {
    const summary: CoverageSummary = { total: file(0, 0), '/repo/src/a.ts': file(95, 100), '/repo/src/qlik/t.ts': file(17, 20) };
    assert.deepEqual(shortfalls(summary, root, thresholds), []);
  });

  it('names each folder below its threshold, with its figures', () => {
    // src/qlikish/ is not inside src/qlik/; `total` is not a file.
    const summary: CoverageSummary = {
      total: file(1, 1000),
      '/repo/src/a.ts': file(80, 80),
      '/repo/src/qlik/t.ts': file(8, 10),
      '/repo/src/qlik/deep/d.ts': file(8, 10),
      '/repo/src/qlikish/x.ts': file(0, 10),
    };
    assert.deepEqual(shortfalls(summary, root, thresholds), [
      'src/: branches 87.27% (96/110) is below the 90% threshold',
      'src/qlik/: branches 80.00% (16/20) is below the 85% threshold',
    ]);
  });

  it('a folder with nothing measured fails rather than passing as 100%', () => {
    assert.deepEqual(shortfalls({ total: file(0, 0), '/repo/src/a.ts': file(10, 10) }, root, thresholds), [
      'src/qlik/: no branches in the coverage summary (was coverage collected?)',
    ]);
  });
});
