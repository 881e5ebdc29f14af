/**
 * Terminal behaviour in a real pseudo-terminal (util-linux `script`): --watch redraws in place, and
 * a slow listing shows progress on stderr. Ctrl-C is the byte 0x03 typed into the terminal, so the
 * terminal's line discipline sends SIGINT exactly as a person pressing it would.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { getArgs, runCli } from '../helpers/cli.js';
import { waitFor } from '../helpers/live.js';
import { startInPty } from '../helpers/pty.js';
import { useSeedSite } from '../helpers/site.js';

const site = useSeedSite();

const HOME = '\x1b[H';
const CLEAR = '\x1b[2J';

describe('--watch on a terminal', () => {
  it('redraws in place with the time of the last refresh and the change since the first; Ctrl-C ends it with 0', async () => {
    const run = startInPty(getArgs(site.sim.cliArgs(), '--watch', '0.5', '--output-format', 'summary'));
    const frames = (): string[] => run.raw().split(HOME).slice(1);
    await waitFor(run, () => frames().length >= 2, 'two frames');
    site.sim.addSession({ node: 'Central', prefix: 'finance', UserDirectory: 'LAB', UserId: 'late', SessionId: 'tty-late' });
    try {
      await waitFor(run, () => frames().some((f) => f.includes('6 sessions (+1 since')), 'a frame with the new session');
      run.type('\x03');
      const { code, raw: output } = await run.result;
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
      site.sim.removeSession('tty-late');
    }
  });
});

describe('progress on a terminal', () => {
  it('shows requests done / total on stderr while a listing takes longer than a second; nothing when piped', async () => {
    // 29 (virtual proxy, node) pairs, one at a time, 100 ms each: about 3 s.
    site.sim.setLatency(100);
    try {
      const run = startInPty(getArgs(site.sim.cliArgs(), '--concurrency', '1', '--output-format', 'summary-json', '--log-level', 'warn'));
      const { code, raw: output } = await run.result;
      assert.equal(code, 0, output);
      assert.ok(output.includes('\r\x1b[2KReading sessions: '), 'drawn over one line');
      assert.match(output, /Reading sessions: \d+ \/ 29/);
      assert.match(output, /"total": 5/);

      const piped = await runCli(getArgs(site.sim.cliArgs(), '--concurrency', '1', '--output-format', 'summary-json', '--log-level', 'warn'));
      assert.equal(piped.code, 0, piped.stderr);
      assert.doesNotMatch(piped.stderr, /Reading sessions/);
      assert.ok(!piped.stderr.includes('\x1b'));
    } finally {
      site.sim.setLatency(0);
    }
  });
});
