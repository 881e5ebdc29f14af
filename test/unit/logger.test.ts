/** The logger's lines: the level filter, the console and log-file formats, colour, timestamps. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { EOL, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createAppLogger } from '../../src/io/logger.js';
import type { LogLevel } from '../../src/io/log-level.js';

function sink(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      text += chunk.toString('utf8');
      callback();
    },
  });
  return { stream, text: () => text };
}

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

async function lines(level: LogLevel, color = false): Promise<string[]> {
  const out = sink();
  const log = await createAppLogger({ level, stderr: out.stream, color });
  log.error('e');
  log.warn('w');
  log.info('i');
  log.verbose('v');
  log.debug('d');
  log.silly('s');
  await log.close();
  return out.text().split(EOL).slice(0, -1);
}

describe('createAppLogger', () => {
  it('at info: errors and warnings labelled, info bare, nothing below', async () => {
    assert.deepEqual(await lines('info'), ['error: e', 'warn: w', 'i']);
  });

  it('at warn and error, less; at verbose, verbose too', async () => {
    assert.deepEqual(await lines('warn'), ['error: e', 'warn: w']);
    assert.deepEqual(await lines('error'), ['error: e']);
    assert.deepEqual(await lines('verbose'), ['error: e', 'warn: w', 'i', 'verbose: v']);
  });

  it('at debug and silly, every line has an ISO timestamp and a label, info included', async () => {
    const silly = await lines('silly');
    assert.deepEqual(
      silly.map((line) => line.slice(line.indexOf(' ') + 1)),
      ['error: e', 'warn: w', 'info: i', 'verbose: v', 'debug: d', 'silly: s'],
    );
    for (const line of silly) assert.match(line.slice(0, line.indexOf(' ')), ISO);
    assert.equal((await lines('debug')).length, 5);
  });

  it('colours the labels when asked, never the info text', async () => {
    assert.deepEqual(await lines('verbose', true), ['\x1b[31merror\x1b[0m: e', '\x1b[33mwarn\x1b[0m: w', 'i', '\x1b[36mverbose\x1b[0m: v']);
  });

  it('isLevelEnabled follows the level; unknown levels are off', async () => {
    const log = await createAppLogger({ level: 'verbose', stderr: sink().stream, color: false });
    assert.deepEqual(['error', 'info', 'verbose', 'debug', 'nonsense'].map((l) => log.isLevelEnabled(l)), [true, true, true, false, false]);
  });

  it('the log file gets every enabled line with a timestamp and the level, without colour', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ctrlq-log-'));
    try {
      const path = join(dir, 'run.log');
      const log = await createAppLogger({ level: 'info', stderr: sink().stream, color: true, logFile: path });
      log.warn('careful');
      log.info('hello');
      log.debug('hidden');
      await log.close();
      const written = readFileSync(path, 'utf8').split(EOL).slice(0, -1);
      assert.deepEqual(written.map((line) => line.slice(line.indexOf(' ') + 1)), ['warn: careful', 'info: hello']);
      for (const line of written) assert.match(line.slice(0, line.indexOf(' ')), ISO);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
