/**
 * session-delete's questions in a real pseudo-terminal (util-linux `script`): the confirmation
 * prompt and the --interactive checklist, answered by typing into the terminal once the question is
 * on the screen. The simulator's state afterwards says what was deleted.
 */
import { execFileSync } from 'node:child_process';
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { deleteArgs } from '../helpers/cli.js';
import { waitFor } from '../helpers/live.js';
import { startInPty } from '../helpers/pty.js';
import { GORAN, SEED, T1, T2, T3, T4, proxyRequests, resetToScenario, siteState, startSeedSite, without } from '../helpers/site.js';
import type { Simulator } from '../simulator/server.js';

let sim: Simulator;
let central: string;
let dev1: string;

before(async () => {
  ({ sim, central, dev1 } = await startSeedSite());
});
after(async () => {
  await sim.stop();
});

beforeEach(() => resetToScenario(sim));

const state = (): string[] => siteState(sim);
const deletes = (): string[] => proxyRequests(sim, 'DELETE');

const ENTER = '\r';

/**
 * The pid of the node process `script` runs (its shell exec'd into node). Checked to be one real
 * pid: a 0 or a negative number would signal the whole process group, the test runner included.
 */
function ctrlqPid(scriptPid: number | undefined): number {
  const out = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(scriptPid)], { encoding: 'utf8' });
  const pids = out
    .split('\n')
    .filter((line) => line.includes(process.execPath))
    .map((line) => Number(line.trim().split(/\s+/)[0]));
  assert.equal(pids.length, 1, `one ctrl-q process under script ${scriptPid}:\n${out}`);
  const pid = pids[0] as number;
  assert.ok(Number.isInteger(pid) && pid > 1 && pid !== process.pid, `a real pid: ${pid}`);
  return pid;
}
const CONFIRM = 'Delete 2 sessions on 1 proxy node (127.0.0.2) and 1 virtual proxy (win)? (y/N)';

describe('the confirmation prompt on a terminal', () => {
  it('names the number of sessions, the nodes and the virtual proxies; "y" deletes them, and only them', async () => {
    const run = startInPty(deleteArgs(sim.cliArgs(), '--host-proxy', central, '--session-virtual-proxy', 'win'));
    await waitFor(run, () => run.screen().includes(CONFIRM), 'the confirmation prompt');
    assert.deepEqual(deletes(), [], 'nothing is deleted before the answer');
    run.type(`y${ENTER}`);
    const { code, screen } = await run.result;
    assert.equal(code, 0, screen);
    assert.match(screen, /✔ Delete 2 sessions .*\? Yes/);
    assert.match(screen, new RegExp(`Session ID "${T3}" successfully deleted\\. User: LAB\\\\testuser_3`));
    assert.match(screen, /^Deleted 2 sessions$/m);
    assert.deepEqual(deletes(), [`Central /qps/win/session/${T3}`, `Central /qps/win/session/${T4}`].sort());
    assert.deepEqual(state(), without(SEED(), `win@Central/${T3}`, `win@Central/${T4}`));
  });

  for (const [answer, keys] of [['"n"', `n${ENTER}`], ['Enter (the default, no)', ENTER], ['Ctrl-C', '\x03']] as const) {
    it(`${answer} deletes nothing and exits 1`, async () => {
      const run = startInPty(deleteArgs(sim.cliArgs(), '--host-proxy', central, '--session-virtual-proxy', 'win'));
      await waitFor(run, () => run.screen().includes(CONFIRM), 'the confirmation prompt');
      run.type(keys);
      const { code, screen } = await run.result;
      assert.equal(code, 1, screen);
      assert.match(screen, keys === '\x03' ? /Cancelled at the prompt, nothing was deleted\./ : /error: Not deleting any sessions\./);
      assert.deepEqual(deletes(), []);
      assert.deepEqual(state(), SEED());
    });
  }

  it('a by-user delete over two proxies asks too, naming both', async () => {
    sim.addSession({ node: 'dev1', prefix: 'finance', UserDirectory: 'LAB', UserId: 'testuser_1', SessionId: 't1-dev1' });
    const run = startInPty(
      deleteArgs(sim.cliArgs(), '--host-proxy', central, dev1, '--session-virtual-proxy', 'finance', '--session-user-dir', 'LAB', '--session-user-id', 'testuser_1'),
    );
    const question = `Delete 2 sessions on 2 proxy nodes (${central}, ${dev1}) and 1 virtual proxy (finance)? (y/N)`;
    await waitFor(run, () => run.screen().includes(question), 'the confirmation prompt');
    run.type(`y${ENTER}`);
    const { code, screen } = await run.result;
    assert.equal(code, 0, screen);
    assert.deepEqual(deletes(), ['Central /qps/finance/user/LAB/testuser_1', 'dev1 /qps/finance/user/LAB/testuser_1']);
    assert.deepEqual(state(), without(SEED(), `finance@Central/${T1}`));
  });

  it('explicit ids on one target, and --yes, do not ask', async () => {
    const byId = startInPty(deleteArgs(sim.cliArgs(), '--host-proxy', central, '--session-id', GORAN));
    const first = await byId.result;
    assert.equal(first.code, 0, first.screen);
    assert.doesNotMatch(first.screen, /\(y\/N\)/);
    const withYes = startInPty(deleteArgs(sim.cliArgs(), '--host-proxy', central, '--session-virtual-proxy', 'finance', '--yes'));
    const second = await withYes.result;
    assert.equal(second.code, 0, second.screen);
    assert.doesNotMatch(second.screen, /\(y\/N\)/);
    assert.deepEqual(state(), [`win@Central/${T3}`, `win@Central/${T4}`].sort());
  });
});

describe('the confirmation names who is cut off', () => {
  it('up to 20 sessions: each user and where, above the one question', async () => {
    sim.addSession({ node: 'Central', prefix: 'win', UserDirectory: 'LAB', UserId: 'anna', UserName: 'Anna Svensson', SessionId: 'anna-1' });
    const run = startInPty(deleteArgs(sim.cliArgs(), '--host-proxy', central, '--session-virtual-proxy', 'win'));
    const question = 'Delete 3 sessions on 1 proxy node (127.0.0.2) and 1 virtual proxy (win)? (y/N)';
    await waitFor(run, () => run.screen().includes(question), 'the confirmation prompt');
    const screen = run.screen();
    const block = screen.slice(screen.indexOf('3 sessions of 3 users will be ended:'), screen.indexOf(`? ${question}`));
    assert.deepEqual(block.trimEnd().split('\n').sort(), [
      '3 sessions of 3 users will be ended:',
      "  LAB\\anna (Anna Svensson)  on 'win' at Central (127.0.0.2)",
      "  LAB\\testuser_3            on 'win' at Central (127.0.0.2)",
      "  LAB\\testuser_4            on 'win' at Central (127.0.0.2)",
    ].sort());
    assert.equal(screen.split('(y/N)').length - 1, 1, 'one question');
    run.type(`n${ENTER}`);
    assert.equal((await run.result).code, 1);
    assert.deepEqual(deletes(), []);
  });

  it('more than 20: counts per proxy node and virtual proxy and the users with most sessions; still one question', async () => {
    for (let i = 0; i < 22; i++) sim.addSession({ node: 'Central', prefix: 'win', UserDirectory: 'LAB', UserId: `u${i % 4}`, SessionId: `many-${i}` });
    for (let i = 0; i < 3; i++) sim.addSession({ node: 'dev1', prefix: 'finance', UserDirectory: 'CORP', UserId: 'bob', UserName: 'Bob', SessionId: `bob-${i}` });
    const run = startInPty(deleteArgs(sim.cliArgs(), '--host-proxy', central, dev1, '--session-virtual-proxy', 'win', 'finance'));
    const question = 'Delete 29 sessions on 2 proxy nodes (127.0.0.2, 127.0.0.3) and 2 virtual proxies (finance, win)? (y/N)';
    await waitFor(run, () => run.screen().includes(question), 'the confirmation prompt');
    const screen = run.screen();
    const block = screen.slice(screen.indexOf('29 sessions of'), screen.indexOf(`? ${question}`));
    assert.deepEqual(block.trimEnd().split('\n'), [
      '29 sessions of 9 users will be ended:',
      'Per proxy node:',
      '  Central (127.0.0.2)  26',
      '  dev1 (127.0.0.3)      3',
      'Per virtual proxy:',
      '  win      24',
      '  finance   5',
      'Users with most sessions (5 of 9):',
      '  LAB\\u0          6',
      '  LAB\\u1          6',
      '  LAB\\u2          5',
      '  LAB\\u3          5',
      '  CORP\\bob (Bob)  3',
    ]);
    assert.doesNotMatch(screen, /many-\d/, 'no line per session');
    assert.equal(screen.split('(y/N)').length - 1, 1, 'one question');
    run.type(`y${ENTER}`);
    assert.equal((await run.result).code, 0);
    assert.equal(deletes().length, 29);
  });

  it('a hostile user name cannot redraw the question: its escape sequences are shown, not sent to the terminal', async () => {
    sim.addSession({ node: 'Central', prefix: 'win', UserDirectory: 'LAB', UserId: 'eve', UserName: 'Eve\x1b[2J\x1b[H\rDelete 0 sessions', SessionId: 'eve-1' });
    const run = startInPty(deleteArgs(sim.cliArgs(), '--host-proxy', central, '--session-virtual-proxy', 'win'));
    await waitFor(run, () => run.screen().includes('(y/N)'), 'the confirmation prompt');
    assert.ok(run.screen().includes("  LAB\\eve (Eve\\x1b[2J\\x1b[H\\rDelete 0 sessions)  on 'win' at Central (127.0.0.2)"), run.screen());
    assert.ok(!run.raw().includes('\x1b[2J'), 'the clear-screen sequence never reached the terminal');
    run.type(ENTER);
    assert.equal((await run.result).code, 1);
    assert.deepEqual(deletes(), []);
  });

  it('a node that could not be read is named with its reason, not counted as 0', async () => {
    await sim.setFault('dev1', { kind: 'down' });
    try {
      const run = startInPty(deleteArgs(sim.cliArgs(), '--host-proxy', central, dev1, '--session-virtual-proxy', 'finance'));
      await waitFor(run, () => run.screen().includes('(y/N)'), 'the confirmation prompt');
      assert.match(
        run.screen(),
        /Not read, so its sessions are unknown and none is deleted there \(1 pair\):\n {2}virtual proxy 'finance' on dev1 \(127\.0\.0\.3:\d+\): cannot connect to QPS at 127\.0\.0\.3:\d+: connection refused\n.*Delete 2 sessions on 1 proxy node \(127\.0\.0\.2\) and 1 virtual proxy \(finance\)\? \(y\/N\)/s,
      );
      run.type(ENTER);
      assert.equal((await run.result).code, 1);
    } finally {
      await sim.setFault('dev1', undefined);
    }
  });

  it('SIGTERM at the question: nothing is deleted, exit 143', async () => {
    const run = startInPty(deleteArgs(sim.cliArgs(), '--host-proxy', central, '--session-virtual-proxy', 'win'));
    await waitFor(run, () => run.screen().includes(CONFIRM), 'the confirmation prompt');
    // Signal ctrl-q itself, as a scheduler would: the node process among `script`'s children.
    process.kill(ctrlqPid(run.child.pid), 'SIGTERM');
    const { code, screen } = await run.result;
    assert.equal(code, 143, screen);
    assert.match(screen, /Interrupted by SIGTERM: no new requests are sent/);
    assert.match(screen, /error: Cancelled at the prompt, nothing was deleted\./);
    assert.deepEqual(deletes(), []);
    assert.deepEqual(state(), SEED());
  });
});

describe('--interactive on a terminal', () => {
  const CHECKLIST = 'Sessions to delete (space to tick, enter to confirm)';

  /** The session ids in the order the checklist shows them. */
  function listed(screen: string): string[] {
    const at = screen.indexOf(CHECKLIST);
    const ids: string[] = [];
    for (const line of screen.slice(at).split('\n').slice(1)) {
      const match = /LAB\\\S+ {2}\S+@\S+ {2}(\S+)$/.exec(line.trim());
      if (!match) break;
      ids.push(match[1] as string);
    }
    return ids;
  }

  it('space ticks the first session, Enter deletes only that one, without a second question', async () => {
    const run = startInPty(deleteArgs(sim.cliArgs(), '--host-proxy', central, '--session-virtual-proxy', 'win', 'finance', '--interactive'));
    await waitFor(run, () => listed(run.screen()).length === 4, 'the checklist with four sessions');
    // The plan's order: finance before win (QRS's order of the virtual proxies), and on each the
    // sessions in the order QPS lists them (the seed has testuser_2 before testuser_1).
    assert.deepEqual(listed(run.screen()), [T2, T1, T3, T4]);
    run.type(' ');
    await waitFor(run, () => run.screen().includes('◉'), 'the tick');
    run.type(ENTER);
    const { code, screen } = await run.result;
    assert.equal(code, 0, screen);
    assert.doesNotMatch(screen, /\(y\/N\)/);
    assert.deepEqual(deletes(), [`Central /qps/finance/session/${T2}`]);
    assert.deepEqual(state(), without(SEED(), `finance@Central/${T2}`));
    assert.match(screen, /^Deleted 1 session$/m);
  });

  it('Enter with nothing ticked deletes nothing', async () => {
    const run = startInPty(deleteArgs(sim.cliArgs(), '--host-proxy', central, '--session-virtual-proxy', 'win', '--interactive'));
    await waitFor(run, () => listed(run.screen()).length === 2, 'the checklist');
    run.type(ENTER);
    const { code, screen } = await run.result;
    assert.equal(code, 0, screen);
    assert.match(screen, /^Deleted 0 sessions$/m);
    assert.deepEqual(deletes(), []);
    assert.deepEqual(state(), SEED());
  });
});
