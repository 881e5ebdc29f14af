/**
 * Issue 12 item 5: broken outputs do not hide the truth. A closed stdout keeps the work's exit code
 * (failed deletes are still exit 3); a full disk on stdout is one line and exit 1 with the summary on
 * stderr and in the log; a closed stderr never stops the work; a log file that cannot be written is
 * one warning and a non-zero exit.
 */
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, coverageEnv, deleteArgs, getArgs, runCli } from '../helpers/cli.js';
import { loadScenario } from '../simulator/scenario.js';
import { startSimulator, type Simulator } from '../simulator/server.js';

let sim: Simulator;
let dir: string;

before(async () => {
  sim = await startSimulator({ scenario: loadScenario('seed') });
  dir = mkdtempSync(join(tmpdir(), 'ctrlq-out-'));
});

after(async () => {
  await sim.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Every test starts with exactly 30 sessions on finance@Central (a report long enough to matter). */
beforeEach(() => {
  for (const s of sim.sessions({ node: 'Central', prefix: 'finance' })) sim.removeSession(s.SessionId);
  for (let i = 0; i < 30; i++) sim.addSession({ node: 'Central', prefix: 'finance', UserDirectory: 'LAB', UserId: `out_${i}` });
});

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * ctrl-q with stdout and stderr as given: 'closed' is a pipe whose reader has gone before the first
 * byte (what `| head -c 0` leaves), a path is a file opened for writing (/dev/full: ENOSPC).
 */
function runWith(args: string[], out: { stdout: 'pipe' | 'closed' | string; stderr: 'pipe' | 'closed' }): Promise<Run> {
  const fd = out.stdout === 'pipe' || out.stdout === 'closed' ? undefined : openSync(out.stdout, 'w');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { PATH: process.env.PATH ?? '', ...coverageEnv() },
      stdio: ['ignore', fd ?? 'pipe', 'pipe'],
    });
    if (fd !== undefined) closeSync(fd);
    let stdout = '';
    let stderr = '';
    if (out.stdout === 'closed') child.stdout?.destroy();
    else child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    if (out.stderr === 'closed') child.stderr?.destroy();
    else child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

const deleteFinance = (...extra: string[]): string[] =>
  deleteArgs(sim.cliArgs(), '--host-proxy', '127.0.0.2', '--session-virtual-proxy', 'finance', '--yes', '--output-format', 'json', ...extra);

describe('stdout closed by its reader', () => {
  it('session-delete with failed deletes is still exit 3, the summary on stderr', async () => {
    await sim.setFault('Central', { kind: 'status', status: 500, methods: ['DELETE'], afterRequests: 10 });
    try {
      const r = await runWith(deleteFinance(), { stdout: 'closed', stderr: 'pipe' });
      assert.equal(r.code, 3, r.stderr);
      assert.match(r.stderr, /Deleted 10 sessions\n/);
      assert.match(r.stderr, /error: 20 of 30 sessions could not be deleted \(10 deleted, 0 not found\)\n/);
      assert.doesNotMatch(r.stderr, /EPIPE|\n\s+at /);
    } finally {
      await sim.setFault('Central', undefined);
    }
  });

  it('session-get ends normally (exit 0), and so does --watch', async () => {
    const once = await runWith(getArgs(sim.cliArgs()), { stdout: 'closed', stderr: 'pipe' });
    assert.equal(once.code, 0, once.stderr);
    const watch = await runWith(getArgs(sim.cliArgs(), '--watch', '0.5'), { stdout: 'closed', stderr: 'pipe' });
    assert.equal(watch.signal, null, 'ended by itself, not by the test guard');
    assert.equal(watch.code, 0, watch.stderr);
  });
});

describe('stdout on a full disk (/dev/full)', { skip: !existsSync('/dev/full') && 'no /dev/full' }, () => {
  it('session-get: one line, exit 1', async () => {
    const r = await runWith(getArgs(sim.cliArgs(), '--log-level', 'error'), { stdout: '/dev/full', stderr: 'pipe' });
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stderr, 'error: cannot write to standard output: ENOSPC; the output is incomplete\n');
  });

  it('session-delete: every session deleted, the summary on stderr and in the log, one error line, exit 1', async () => {
    const log = join(dir, 'delete-full.log');
    const r = await runWith(deleteFinance('--log-file', log), { stdout: '/dev/full', stderr: 'pipe' });
    assert.equal(r.code, 1, r.stderr);
    assert.equal(sim.sessionCount({ node: 'Central', prefix: 'finance' }), 0);
    assert.match(r.stderr, /\nDeleted 30 sessions\nerror: cannot write to standard output: ENOSPC; the output is incomplete\n$/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
    const logged = readFileSync(log, 'utf8');
    assert.match(logged, /info: Deleted 30 sessions\n/);
    assert.match(logged, /error: cannot write to standard output: ENOSPC; the output is incomplete\n/);
  });
});

describe('stderr closed by its reader', () => {
  it('never stops the work: every session deleted, the whole report on stdout, exit 0', async () => {
    const r = await runWith(deleteFinance('--log-level', 'silly'), { stdout: 'pipe', stderr: 'closed' });
    assert.equal(r.code, 0);
    assert.equal(sim.sessionCount({ node: 'Central', prefix: 'finance' }), 0);
    const report = JSON.parse(r.stdout) as { deleted: unknown[] };
    assert.equal(report.deleted.length, 30);
  });
});

describe('--log-file that cannot be written', { skip: !existsSync('/dev/full') && 'no /dev/full' }, () => {
  it('one warning on stderr, the output whole, exit 1', async () => {
    const r = await runCli(getArgs(sim.cliArgs(), '--log-file', '/dev/full'));
    assert.equal(r.code, 1, r.stderr);
    assert.equal((JSON.parse(r.stdout) as unknown[]).length, sim.sessionCount());
    const lines = r.stderr.split('\n').filter((line) => /log file|^error/.test(line));
    assert.deepEqual(lines, ['warn: cannot write to the log file /dev/full: ENOSPC; the log is incomplete']);
  });

  it('a run that failed keeps its own exit code', async () => {
    await sim.setFault('dev1', { kind: 'down' });
    try {
      const r = await runCli(getArgs(sim.cliArgs(), '--log-file', '/dev/full', '--log-level', 'warn'));
      assert.equal(r.code, 3, r.stderr);
      assert.equal(r.stderr.split('\n').filter((line) => line.includes('cannot write to the log file')).length, 1);
    } finally {
      await sim.setFault('dev1', undefined);
    }
  });
});
