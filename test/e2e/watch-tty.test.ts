/**
 * Terminal behaviour in a real pseudo-terminal (util-linux `script`): --watch redraws in place, and
 * a slow listing shows progress on stderr. Ctrl-C is the byte 0x03 typed into the terminal, so the
 * terminal's line discipline sends SIGINT exactly as a person pressing it would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BIN, getArgs, runCli } from '../helpers/cli.js';
import { waitFor } from '../helpers/live.js';
import { loadScenario } from '../simulator/scenario.js';
import { startSimulator, type Simulator } from '../simulator/server.js';

let sim: Simulator;

before(async () => {
  sim = await startSimulator({ scenario: loadScenario('seed') });
});
after(async () => {
  await sim.stop();
});

const quote = (arg: string): string => `'${arg.replace(/'/g, `'\\''`)}'`;

interface PtyRun {
  child: ChildProcess;
  /** Everything the terminal showed: stdout and stderr together, as on a screen. */
  stdout(): string;
  stderr(): string;
  result: Promise<{ code: number | null; output: string }>;
}

/** Runs the bin with a pseudo-terminal as its stdin, stdout and stderr. */
function startInPty(args: readonly string[]): PtyRun {
  // `exec`: the shell `script` starts is replaced by node, so Ctrl-C reaches node alone (a shell
  // waiting for it, dash for one, would die of the SIGINT itself and hide node's exit code).
  const command = `exec ${[process.execPath, BIN, ...args].map(quote).join(' ')}`;
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TERM: 'xterm' };
  const child = spawn('script', ['-qefc', command, '/dev/null'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  let errors = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (errors += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const result = new Promise<{ code: number | null; output: string }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
  return { child, stdout: () => output, stderr: () => errors, result };
}

const HOME = '\x1b[H';
const CLEAR = '\x1b[2J';

describe('--watch on a terminal', () => {
  it('redraws in place with the time of the last refresh and the change since the first; Ctrl-C ends it with 0', async () => {
    const run = startInPty(getArgs(sim.cliArgs(), '--watch', '0.5', '--output-format', 'summary'));
    const frames = (): string[] => run.stdout().split(HOME).slice(1);
    await waitFor(run, () => frames().length >= 2, 'two frames');
    sim.addSession({ node: 'Central', prefix: 'finance', UserDirectory: 'LAB', UserId: 'late', SessionId: 'tty-late' });
    try {
      await waitFor(run, () => frames().some((f) => f.includes('6 sessions (+1 since')), 'a frame with the new session');
      run.child.stdin?.write('\x03');
      const { code, output } = await run.result;
      assert.equal(code, 0, output);
      const all = output.split(HOME).slice(1);
      // The first frame clears the screen; the others go back to the top and overwrite.
      assert.ok(all[0]?.startsWith(CLEAR), 'first frame clears the screen');
      assert.ok(all.slice(1).every((f) => !f.includes(CLEAR)), 'later frames overwrite in place');
      for (const f of all) {
        assert.match(f, /Every 0\.5 s · last refresh \d\d:\d\d:\d\d · \d sessions \([+±]\d since \d\d:\d\d:\d\d\) · Ctrl-C to stop/);
        assert.ok(f.includes('\x1b[J'), 'clears what is left below the frame');
        assert.match(f, /│ Total\s+│\s+│ [56]\s+│/);
      }
      assert.match(all[0] ?? '', /5 sessions \(±0 since/);
      const late = all.find((f) => f.includes('6 sessions (+1 since'));
      assert.ok(late?.includes('LAB\\late'), 'the new user is listed');
      assert.doesNotMatch(output, /^\{"time"/m, 'no NDJSON on a terminal');
    } finally {
      sim.removeSession('tty-late');
    }
  });
});

describe('progress on a terminal', () => {
  it('shows requests done / total on stderr while a listing takes longer than a second; nothing when piped', async () => {
    // 29 (virtual proxy, node) pairs, one at a time, 100 ms each: about 3 s.
    sim.setLatency(100);
    try {
      const run = startInPty(getArgs(sim.cliArgs(), '--concurrency', '1', '--output-format', 'summary-json', '--log-level', 'warn'));
      const { code, output } = await run.result;
      assert.equal(code, 0, output);
      assert.ok(output.includes('\r\x1b[2KReading sessions: '), 'drawn over one line');
      assert.match(output, /Reading sessions: \d+ \/ 29/);
      assert.match(output, /"total": 5/);

      const piped = await runCli(getArgs(sim.cliArgs(), '--concurrency', '1', '--output-format', 'summary-json', '--log-level', 'warn'));
      assert.equal(piped.code, 0, piped.stderr);
      assert.doesNotMatch(piped.stderr, /Reading sessions/);
      assert.ok(!piped.stderr.includes('\x1b'));
    } finally {
      sim.setLatency(0);
    }
  });
});
