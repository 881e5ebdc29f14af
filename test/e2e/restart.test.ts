/**
 * "Before a restart" end to end, the built bin against the simulator's seed site: summary formats,
 * user filters and --exclude-user, --watch on a pipe, --wait-until-empty both ways.
 */
import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { deleteArgs, getArgs, runCli } from '../helpers/cli.js';
import { lines, startCli, waitFor } from '../helpers/live.js';
import { addedSessions } from '../helpers/added-sessions.js';
import { rowUsers as users, type SessionRow as Row } from '../helpers/output.js';
import { startSeedSite } from '../helpers/site.js';
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

const sessions = addedSessions(() => sim);
const addSession = sessions.add;
afterEach(async () => {
  sessions.removeAll();
  await sim.setFault('qrs', undefined);
  await sim.setFault('dev1', undefined);
});

/** Service sessions as a real site has them: the scheduler and the API user on two nodes. */
function addServiceSessions(): void {
  addSession({ node: 'Central', prefix: '', UserDirectory: 'INTERNAL', UserId: 'sa_scheduler', SessionId: 'svc-1' });
  addSession({ node: 'dev1', prefix: 'finance', UserDirectory: 'internal', UserId: 'SA_API', SessionId: 'svc-2' });
}

const SEED_USERS = ['LAB\\goran', 'LAB\\testuser_1', 'LAB\\testuser_2', 'LAB\\testuser_3', 'LAB\\testuser_4'];

describe('--output-format summary and summary-json', () => {
  it('summary-json: one object with exact counts for the seed site', async () => {
    const result = await runCli(getArgs(sim.cliArgs(), '--output-format', 'summary-json'));
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), {
      total: 5,
      complete: true,
      distinctUsers: 5,
      perProxyNode: [
        { name: 'Central', host: central, sessions: 5 },
        { name: 'dev1', host: dev1, sessions: 0 },
      ],
      perVirtualProxy: [
        { prefix: '', description: 'Central Proxy (Default)', sessionCookieHeaderName: 'X-Qlik-Session', sessions: 1 },
        { prefix: 'finance', description: 'finance virtual proxy', sessionCookieHeaderName: 'X-Qlik-Session-finance', sessions: 2 },
        { prefix: 'win', description: 'Central Win auth', sessionCookieHeaderName: 'X-Qlik-Session-win', sessions: 2 },
      ],
      users: SEED_USERS.map((user) => ({ user, userDir: 'LAB', userId: user.slice(4), sessions: 1 })),
    });
    assert.ok(result.stdout.endsWith('}\n'));
  });

  it('summary: a compact table on stdout, nothing else there', async () => {
    const result = await runCli(getArgs(sim.cliArgs(), '--output-format', 'summary'));
    assert.equal(result.code, 0, result.stderr);
    const out = result.stdout;
    assert.match(out, /^┌/);
    assert.match(out, /│ Total\s+│\s+│ 5\s+│/);
    assert.match(out, new RegExp(`│ Proxy nodes\\s+│ Central \\(${central.replace(/\./g, '\\.')}\\)\\s+│ 5\\s+│\\n│\\s+│ dev1 \\(${dev1.replace(/\./g, '\\.')}\\)\\s+│ 0\\s+│`));
    assert.match(out, /│ Virtual proxies\s+│ \(default\)\s+│ 1\s+│\n│\s+│ finance\s+│ 2\s+│\n│\s+│ win\s+│ 2\s+│/);
    assert.match(out, /│ Distinct users: 5\s+│ LAB\\goran\s+│ 1\s+│/);
    for (const user of SEED_USERS) assert.ok(out.includes(user), user);
    assert.doesNotMatch(out, /Available proxy services|warn/);
    assert.equal(out.split('\n').filter((l) => l.startsWith('│')).length, 1 + 1 + 2 + 3 + 5);
  });

  it('summary-json comes from the environment too (CTRLQ_OUTPUT_FORMAT)', async () => {
    const result = await runCli(getArgs(sim.cliArgs()), { env: { CTRLQ_OUTPUT_FORMAT: 'summary-json' } });
    assert.equal(result.code, 0, result.stderr);
    assert.equal((JSON.parse(result.stdout) as { total: number }).total, 5);
  });
});

describe('--exclude-user and --session-user-dir/--session-user-id on session-get', () => {
  it('leaves service accounts out of the list and the counts, any case', async () => {
    addServiceSessions();
    const all = await runCli(getArgs(sim.cliArgs(), '--sort-by', 'userid'));
    assert.equal(all.code, 0, all.stderr);
    assert.equal(users(all.stdout).length, 7);

    const result = await runCli(getArgs(sim.cliArgs(), '--exclude-user', 'INTERNAL\\*', '--sort-by', 'userid'));
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(users(result.stdout), SEED_USERS);
    assert.match(result.stderr, /2 of 7 sessions left out by the user filters/);

    const summary = await runCli(getArgs(sim.cliArgs(), '--exclude-user', 'internal\\SA_*', '--output-format', 'summary-json'));
    const doc = JSON.parse(summary.stdout) as { total: number; perProxyNode: { sessions: number }[]; distinctUsers: number };
    assert.equal(doc.total, 5);
    assert.deepEqual(doc.perProxyNode.map((p) => p.sessions), [5, 0], 'dev1 service session not counted');
    assert.equal(doc.distinctUsers, 5);
  });

  it('takes several patterns, from CTRLQ_EXCLUDE_USER as shell words too; a bare id means any directory', async () => {
    addServiceSessions();
    const result = await runCli(getArgs(sim.cliArgs(), '--sort-by', 'userid'), {
      env: { CTRLQ_EXCLUDE_USER: 'sa_api "LAB\\testuser_*"' },
    });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(users(result.stdout), ['LAB\\goran', 'INTERNAL\\sa_scheduler']);
    // The command line beats the environment.
    const cli = await runCli(getArgs(sim.cliArgs(), '--exclude-user', 'LAB\\goran', '--sort-by', 'userid'), {
      env: { CTRLQ_EXCLUDE_USER: 'INTERNAL\\*' },
    });
    assert.equal(users(cli.stdout).length, 6);
  });

  it('treats regular-expression characters in a pattern literally', async () => {
    const result = await runCli(getArgs(sim.cliArgs(), '--exclude-user', 'LAB\\testuser_.', 'LAB\\(goran|x)', '.*'));
    assert.equal(result.code, 0, result.stderr);
    assert.equal(users(result.stdout).length, 5, 'nothing excluded');
  });

  it('selects users with --session-user-dir / --session-user-id, any case', async () => {
    addServiceSessions();
    const two = await runCli(getArgs(sim.cliArgs(), '--session-user-dir', 'lab', '--session-user-id', 'TESTUSER_1', 'testuser_3', '--sort-by', 'userid'));
    assert.equal(two.code, 0, two.stderr);
    assert.deepEqual(users(two.stdout), ['LAB\\testuser_1', 'LAB\\testuser_3']);

    const dirOnly = await runCli(getArgs(sim.cliArgs(), '--session-user-dir', 'INTERNAL', '--sort-by', 'userid'));
    assert.deepEqual(users(dirOnly.stdout), ['internal\\SA_API', 'INTERNAL\\sa_scheduler']);

    const idOnly = await runCli(getArgs(sim.cliArgs(), '--session-user-id', 'sa_api'));
    assert.deepEqual(users(idOnly.stdout), ['internal\\SA_API']);

    const excluded = await runCli(getArgs(sim.cliArgs(), '--session-user-dir', 'INTERNAL', '--exclude-user', '*\\sa_api'));
    assert.deepEqual(users(excluded.stdout), ['INTERNAL\\sa_scheduler'], 'exclusion wins over selection');
  });

  it('refuses an empty pattern or user before sending anything (exit 2)', async () => {
    sim.clearRequests();
    const empty = await runCli(getArgs(sim.cliArgs(), '--exclude-user', ''));
    assert.equal(empty.code, 2);
    assert.match(empty.stderr, /--exclude-user <pattern\.\.\.>' must not be empty/);
    const fromEnv = await runCli(getArgs(sim.cliArgs()), { env: { CTRLQ_SESSION_USER_ID: '' } });
    assert.equal(fromEnv.code, 2);
    assert.equal(sim.requests.length, 0);
  });
});

describe('--watch on a pipe', () => {
  it('writes one summary-json object per refresh (NDJSON) with the change since the first, and Ctrl-C ends it with 0', async () => {
    const run = startCli(getArgs(sim.cliArgs(), '--watch', '0.5', '--output-format', 'summary-json'));
    await waitFor(run, () => lines(run.stdout()).length >= 2, 'two refreshes');
    addSession({ node: 'dev1', prefix: 'finance', UserDirectory: 'LAB', UserId: 'late', SessionId: 'late-1' });
    await waitFor(run, () => lines(run.stdout()).some((l) => l.includes('"total":6')), 'a refresh seeing the new session');
    run.child.kill('SIGINT');
    const result = await run.result;
    assert.equal(result.code, 0, result.stderr);
    assert.ok(!result.stdout.includes('\x1b'), 'no terminal control on a pipe');
    const docs = lines(result.stdout).map((l) => JSON.parse(l) as { time: string; total: number; changeSinceFirst: number; complete: boolean; perProxyNode: { sessions: number }[] });
    assert.ok(docs.length >= 3);
    assert.deepEqual([docs[0]?.total, docs[0]?.changeSinceFirst, docs[0]?.complete], [5, 0, true]);
    assert.deepEqual([docs[1]?.total, docs[1]?.changeSinceFirst], [5, 0]);
    const seen = docs.find((d) => d.total === 6);
    assert.equal(seen?.changeSinceFirst, 1);
    assert.deepEqual(seen?.perProxyNode.map((p) => p.sessions), [5, 1]);
    assert.ok(Date.parse(docs[1]?.time ?? '') > Date.parse(docs[0]?.time ?? ''));
    // The proxy table and warnings were shown once, not on every refresh.
    assert.equal(result.stderr.split('Available proxy services').length - 1, 1);
  });

  it('writes one line per refresh for text formats, and goes on after a failed refresh', async () => {
    const run = startCli(getArgs(sim.cliArgs(), '--watch', '0.5', '--output-format', 'table'));
    await waitFor(run, () => lines(run.stdout()).length >= 1, 'a first refresh');
    // QRS answers 500 to the next two requests: one refresh fails, then it is healthy again.
    await sim.setFault('qrs', { kind: 'status', status: 500, times: 2 });
    await waitFor(run, () => /Refresh at \d\d:\d\d:\d\d failed/.test(run.stderr()), 'the failed refresh reported');
    const before = lines(run.stdout()).length;
    await waitFor(run, () => lines(run.stdout()).length > before, 'a refresh after the failure');
    run.child.kill('SIGINT');
    const result = await run.result;
    assert.equal(result.code, 0, result.stderr);
    assert.ok(!result.stdout.includes('\x1b') && !result.stdout.includes('┌'), 'lines, no table, no terminal control');
    for (const line of lines(result.stdout)) {
      assert.match(line, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z sessions=5 change=\+0 users=5 Central=5 dev1=0$/);
    }
  });

  it('json: one compact object per refresh with the rows', async () => {
    const run = startCli(getArgs(sim.cliArgs(), '--watch', '0.5', '--exclude-user', 'LAB\\testuser_*'));
    await waitFor(run, () => lines(run.stdout()).length >= 2, 'two refreshes');
    run.child.kill('SIGINT');
    const result = await run.result;
    assert.equal(result.code, 0, result.stderr);
    for (const line of lines(result.stdout)) {
      const doc = JSON.parse(line) as { total: number; sessions: Row[] };
      assert.equal(doc.total, 1);
      assert.deepEqual(doc.sessions.map((r) => `${r.userDir}\\${r.userId}`), ['LAB\\goran']);
    }
  });

  it('stops at once on a usage error instead of retrying it forever', async () => {
    const result = await runCli(getArgs(sim.cliArgs(), '--watch', '0.5', '--host-proxy', 'no-such-node'), { timeoutMs: 15_000 });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /unknown --host-proxy 'no-such-node'/);
    assert.equal(result.stdout, '');
  });

  it('refuses an interval under half a second (exit 2, nothing sent)', async () => {
    sim.clearRequests();
    const result = await runCli(getArgs(sim.cliArgs(), '--watch', '0.1'));
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--watch' must be a number from 0\.5/);
    assert.equal(sim.requests.length, 0);
  });
});

describe('--wait-until-empty', () => {
  it('exits 5 when the time runs out, printing who is still connected', async () => {
    sim.clearRequests();
    const result = await runCli(getArgs(sim.cliArgs(), '--wait-until-empty', '0.05', '--watch', '1', '--output-format', 'summary-json'));
    assert.equal(result.code, 5, result.stderr);
    const doc = JSON.parse(result.stdout) as { total: number; users: { user: string }[] };
    assert.equal(doc.total, 5);
    assert.deepEqual(doc.users.map((u) => u.user), SEED_USERS);
    assert.match(result.stderr, /error: still connected after 3 s: 5 sessions of 5 users: LAB\\goran, LAB\\testuser_1/);
    assert.match(result.stderr, /Still connected: 5 sessions of 5 users .*next check in/);
    const checks = sim.requests.filter((r) => r.path.endsWith('/qrs/virtualproxyconfig/full')).length;
    // About every second for 3 s: 4 checks; fewer only if the machine is very slow, never one.
    assert.ok(checks >= 2 && checks <= 5, `${checks} checks`);
  });

  it('exits 0 once the sessions are gone, service accounts excluded (the restart script)', async () => {
    addServiceSessions();
    const late1 = addSession({ node: 'Central', prefix: 'win', UserDirectory: 'CORP', UserId: 'late_1' });
    const late2 = addSession({ node: 'dev1', prefix: 'finance', UserDirectory: 'CORP', UserId: 'late_2' });
    const run = startCli(
      getArgs(sim.cliArgs(), '--exclude-user', 'INTERNAL\\*', 'LAB\\*', '--wait-until-empty', '1', '--watch', '0.5'),
    );
    await waitFor(run, () => /Still connected: 2 sessions of 2 users \(CORP\\late_1, CORP\\late_2\)/.test(run.stderr()), 'the first check');
    sim.removeSession(late1);
    await waitFor(run, () => /Still connected: 1 session of 1 user \(CORP\\late_2\)/.test(run.stderr()), 'a check with one left');
    sim.removeSession(late2);
    const result = await run.result;
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, '[]\n');
    assert.match(result.stderr, /No sessions left \(check \d+, after/);
    assert.equal(sim.sessionCount(), 7, 'the seed and the service sessions are still there');
  });

  it('never calls a site empty while a node cannot be read (exit 3)', async () => {
    await sim.setFault('dev1', { kind: 'down' });
    const result = await runCli(getArgs(sim.cliArgs(), '--exclude-user', 'LAB\\*', '--wait-until-empty', '0.02', '--watch', '0.5'));
    assert.equal(result.code, 3, result.stderr);
    assert.equal(result.stdout, '[]\n');
    assert.match(result.stderr, /No sessions on the nodes that answered, but 5 \(virtual proxy, node\) pairs could not be read: not empty yet/);
    assert.match(result.stderr, /Could not get sessions for virtual proxy '.*' on dev1/);
    assert.match(result.stderr, /error: could not confirm within 1\.2 s that no session is left: 5 \(virtual proxy, node\) pairs could not be read/);
  });

  it('checks once with 0 minutes, from CTRLQ_WAIT_UNTIL_EMPTY', async () => {
    const busy = await runCli(getArgs(sim.cliArgs()), { env: { CTRLQ_WAIT_UNTIL_EMPTY: '0' } });
    assert.equal(busy.code, 5, busy.stderr);
    assert.equal((JSON.parse(busy.stdout) as unknown[]).length, 5);
    const empty = await runCli(getArgs(sim.cliArgs(), '--exclude-user', 'LAB\\*'), { env: { CTRLQ_WAIT_UNTIL_EMPTY: '0' } });
    assert.equal(empty.code, 0, empty.stderr);
    assert.equal(empty.stdout, '[]\n');
  });

  it('Ctrl-C while waiting is not "empty": exit 130', async () => {
    const run = startCli(getArgs(sim.cliArgs(), '--wait-until-empty', '5', '--watch', '0.5'));
    await waitFor(run, () => /Still connected/.test(run.stderr()), 'the first check');
    run.child.kill('SIGINT');
    const result = await run.result;
    assert.equal(result.code, 130, result.stderr);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /interrupted while waiting for the sessions to end/);
  });

  it('refuses a value that is not a number of minutes (exit 2)', async () => {
    const result = await runCli(getArgs(sim.cliArgs(), '--wait-until-empty', '20m'));
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--wait-until-empty' must be a number/);
  });
});

describe('--exclude-user on session-delete', () => {
  /** Puts back every session of the seed a delete removed, ids and all. */
  function restoreSeed(): void {
    const present = new Set(sim.sessions().map((s) => s.SessionId));
    for (const s of sim.scenario.sessions) {
      if (present.has(s.SessionId)) continue;
      sim.addSession({
        node: s.node,
        virtualProxyId: s.virtualProxyId,
        UserDirectory: s.UserDirectory,
        UserId: s.UserId,
        UserName: s.UserName,
        Attributes: s.Attributes,
        SessionId: s.SessionId,
      });
    }
  }

  it('a nightly delete-all leaves the service sessions alone', async () => {
    addServiceSessions(); // INTERNAL\sa_scheduler on Central "", internal\SA_API on dev1 finance
    addSession({ node: 'Central', prefix: 'finance', UserDirectory: 'INTERNAL', UserId: 'sa_repository', SessionId: 'svc-3' });
    const winId = sim.scenario.virtualProxies.find((vp) => vp.prefix === 'win')?.id;
    sim.clearRequests();
    try {
      const result = await runCli(
        deleteArgs(sim.cliArgs(), '--host-proxy', central, dev1, '--session-virtual-proxy', '', 'finance', '--exclude-user', 'INTERNAL\\*', '--yes', '--output-format', 'json'),
      );
      assert.equal(result.code, 0, result.stderr);
      const report = JSON.parse(result.stdout) as { deleted: { sessionId: string }[]; failed: unknown[] };
      assert.deepEqual(
        report.deleted.map((d) => d.sessionId).sort(),
        sim.scenario.sessions.filter((s) => s.virtualProxyId !== winId).map((s) => s.SessionId).sort(),
        'the three LAB sessions on "" and finance',
      );
      assert.deepEqual(report.failed, []);
      // What is left: the service sessions, and the untargeted win sessions.
      assert.deepEqual(
        sim.sessions().map((s) => `${s.prefix}|${s.UserDirectory}\\${s.UserId}`).sort(),
        ['finance|INTERNAL\\sa_repository', 'finance|internal\\SA_API', 'win|LAB\\testuser_3', 'win|LAB\\testuser_4', '|INTERNAL\\sa_scheduler'].sort(),
      );
      const deletes = sim.requests.filter((r) => r.method === 'DELETE');
      assert.equal(deletes.length, 3);
      assert.ok(deletes.every((r) => !/svc-/.test(r.path)), 'no DELETE for a service session');
    } finally {
      restoreSeed();
    }
  });

  it('a by-user delete of an excluded user deletes nothing', async () => {
    addServiceSessions();
    sim.clearRequests();
    const result = await runCli(
      deleteArgs(sim.cliArgs(), '--host-proxy', central, '--session-user-dir', 'INTERNAL', '--session-user-id', 'sa_scheduler', '--exclude-user', 'internal\\sa_*', '--yes'),
    );
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /Not deleting the sessions of INTERNAL\\sa_scheduler: excluded by --exclude-user/);
    assert.equal(sim.requests.filter((r) => r.method === 'DELETE').length, 0);
    assert.equal(sim.sessionCount(), 7);
  });
});

describe('SIGTERM and SIGHUP end a watch or a wait as Ctrl-C does', () => {
  for (const [signal, code] of [['SIGTERM', 143], ['SIGHUP', 129]] as const) {
    it(`${signal}: a --watch ends with 0, a --wait-until-empty with ${code} (not "empty")`, async () => {
      const watch = startCli(getArgs(sim.cliArgs(), '--watch', '0.5', '--output-format', 'summary-json'));
      await waitFor(watch, () => lines(watch.stdout()).length >= 1, 'a first refresh');
      watch.child.kill(signal);
      const watched = await watch.result;
      assert.equal(watched.code, 0, watched.stderr);
      assert.match(watched.stderr, new RegExp(`Interrupted by ${signal}: no new requests are sent`));

      const wait = startCli(getArgs(sim.cliArgs(), '--wait-until-empty', '5', '--watch', '0.5'));
      await waitFor(wait, () => /Still connected/.test(wait.stderr()), 'the first check');
      wait.child.kill(signal);
      const waited = await wait.result;
      assert.equal(waited.code, code, waited.stderr);
      assert.equal(waited.stdout, '');
      assert.match(waited.stderr, /interrupted while waiting for the sessions to end/);
    });
  }
});
