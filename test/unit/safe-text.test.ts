import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jsonSafe, shown } from '../../src/safe-text.js';

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
