import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { createAppLogger } from '../../src/io/logger.js';
import { jsonSafe, shown, shownLines } from '../../src/safe-text.js';

describe('shown(): site text made safe for a terminal', () => {
  it('leaves ordinary text, accents and backslashes as they are (the same string)', () => {
    const text = 'LAB\\Åsa Öberg (finance) 日本';
    assert.equal(shown(text), text);
  });

  it('writes C0, DEL and C1 controls as visible escapes', () => {
    assert.equal(shown('a\x1b]0;owned\x07b'), 'a\\x1b]0;owned\\x07b');
    assert.equal(shown('\x00\x7f'), '\\x00\\x7f');
    assert.equal(shown('x\u009b2Jy'), 'x\\u009b2Jy');
    assert.equal(shown('one\ntwo\rthree\tfour'), 'one\\ntwo\\rthree\\tfour');
  });

  it('writes bidirectional overrides and line separators as \\u escapes', () => {
    assert.equal(shown('admin\u202egnp.exe'), 'admin\\u202egnp.exe');
    assert.equal(shown('a\u2028b\u2066c'), 'a\\u2028b\\u2066c');
  });
});

describe('shownLines(): a layout with its own line breaks', () => {
  it('keeps \\n and escapes every other control character', () => {
    assert.equal(shownLines('one\ntwo\x1b[2J\rthree\u009b'), 'one\ntwo\\x1b[2J\\rthree\\u009b');
  });

  it('returns clean text, line breaks and all, as the same string', () => {
    const text = 'Available proxy services:\n┌──┐\n│ Åsa │';
    assert.equal(shownLines(text), text);
  });

  it('leaves shown() text as it is', () => {
    const once = shown('a\x1b]0;t\x07\nb');
    assert.equal(shownLines(once), once);
    assert.equal(shown(once), once);
  });
});

describe('the logger', () => {
  it('writes no control character from a message to stderr or the log file; the layout keeps its lines and colours', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ctrlq-log-'));
    try {
      const stderr = new PassThrough();
      let text = '';
      stderr.setEncoding('utf8').on('data', (d: string) => (text += d));
      const logFile = join(dir, 'run.log');
      const log = await createAppLogger({ level: 'info', stderr, color: true, logFile });
      log.warn('proxy \x1b]0;owned\x07 at\nhost \u009b2J\r');
      await log.close();
      assert.equal(text, '\x1b[33mwarn\x1b[0m: proxy \\x1b]0;owned\\x07 at\nhost \\u009b2J\\r\n');
      assert.match(readFileSync(logFile, 'utf8'), /^\S+ warn: proxy \\x1b\]0;owned\\x07 at\nhost \\u009b2J\\r\n$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('jsonSafe(): JSON with the same values, no raw controls', () => {
  it('escapes what JSON.stringify leaves raw, and the values parse back the same', () => {
    const value = { userId: 'a\u009b2J\x7fb\u2028c', name: 'x\x1by' };
    const json = jsonSafe(JSON.stringify(value));
    assert.equal(json, '{"userId":"a\\u009b2J\\u007fb\\u2028c","name":"x\\u001by"}');
    assert.deepEqual(JSON.parse(json), value);
  });

  it('returns clean JSON untouched', () => {
    const json = JSON.stringify([{ a: 'Åsa' }]);
    assert.equal(jsonSafe(json), json);
  });
});
