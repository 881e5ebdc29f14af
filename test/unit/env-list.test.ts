/**
 * Multi-value CTRLQ_* variables split like shell words (splitEnvList); yargs-parser is loaded only
 * when a value needs it, and a one-word value gives what yargs-parser would give.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import yargsParser from 'yargs-parser';
import { loadEnvListSplitter, splitEnvList } from '../../src/cli/options.js';

const viaYargs = (value: string): string[] =>
  yargsParser(`-- ${value}`, { configuration: { 'parse-numbers': false, 'parse-positional-numbers': false } })._.map(String);

describe('splitEnvList', () => {
  it('gives what yargs-parser gives, with or without loading it', async () => {
    await loadEnvListSplitter({ CTRLQ_HOST_PROXY: 'two words' });
    for (const value of ['abc', '-a', '--x', '123', 'a=b', '--', 'é', 'a\\b', 'a\tb', '\tx', 'x\t', 'x\n', 'x ', 'a b', '  a   b  ', '-1e5']) {
      assert.deepEqual(splitEnvList(value), viaYargs(value), JSON.stringify(value));
    }
    assert.deepEqual(splitEnvList('"my node" \'other one\' x'), ['my node', 'other one', 'x']);
    assert.deepEqual(splitEnvList('   '), ['']);
  });

  it('without loadEnvListSplitter, a value that needs splitting is an internal error, a single word is not', () => {
    const options = fileURLToPath(new URL('../../dist/cli/options.js', import.meta.url));
    const script = `import(${JSON.stringify(options)}).then((m) => { console.log(JSON.stringify(m.splitEnvList('one'))); m.splitEnvList('a b'); })`;
    const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    assert.equal(run.stdout, '["one"]\n');
    assert.match(run.stderr, /internal: loadEnvListSplitter\(\) was not awaited before the options were read/);
  });
});
