/**
 * session-delete end to end: the built bin against the simulator's seed site (LAB\goran on the
 * default virtual proxy, testuser_1/2 on `finance`, testuser_3/4 on `win`, all on Central). Every
 * test checks the simulator afterwards: what is left, and that the only DELETEs are the planned ones.
 * stdin is a pipe here, never a terminal.
 */
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deleteArgs, runCli } from '../helpers/cli.js';
import { assertOneErrorLine, deleteReport as report, type DeleteReportEntry as ReportEntry } from '../helpers/output.js';
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
const sent = (method: string): string[] => proxyRequests(sim, method);

const count = (text: string, needle: string): number => text.split(needle).length - 1;

describe('session-delete by id', () => {
  it('deletes exactly the given ids on one target without --yes, even without a terminal; a missing id is warned about once and never requested', async () => {
    const result = await runCli(
      deleteArgs(sim.cliArgs(), '--host-proxy', central, '--session-virtual-proxy', 'finance', '--session-id', T1, 'no-such-session', 'no-such-session'),
    );
    assert.equal(result.code, 0, result.stderr);
    assert.equal(count(result.stderr, 'Session ID "no-such-session" not found'), 1, result.stderr);
    assert.match(result.stderr, new RegExp(`Session ID "${T1}" successfully deleted\\. User: LAB\\\\testuser_1\\n`));
    assert.match(result.stderr, /^Deleted 1 session$/m);
    assert.equal(result.stdout, '', 'text mode: the report is on stderr');
    assert.deepEqual(sent('DELETE'), [`Central /qps/finance/session/${T1}`]);
    assert.ok(!sim.requests.some((r) => r.path.includes('no-such-session')));
    assert.deepEqual(state(), without(SEED(), `finance@Central/${T1}`));
  });

  it('deletes a session whose id is not a GUID, through its encoded path', async () => {
    sim.addSession({ node: 'Central', prefix: '', UserDirectory: 'LAB', UserId: 'legacy', SessionId: 'not-a-guid:42 x' });
    const result = await runCli(deleteArgs(sim.cliArgs(), '--host-proxy', central, '--session-id', 'not-a-guid:42 x'));
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /Session ID "not-a-guid:42 x" successfully deleted\. User: LAB\\legacy/);
    assert.deepEqual(sent('DELETE'), ['Central /qps/session/not-a-guid%3A42%20x']);
    assert.deepEqual(state(), SEED());
  });

  it("names the user's name in Ctrl-Q's wording when QPS has one", async () => {
    sim.addSession({ node: 'Central', prefix: 'win', UserDirectory: 'LAB', UserId: 'anna', UserName: 'Anna Svensson', SessionId: 'anna-1' });
    const result = await runCli(deleteArgs(sim.cliArgs(), '--host-proxy', central, '--session-virtual-proxy', 'win', '--session-id', 'anna-1', T3));
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /Session ID "anna-1" successfully deleted\. User: LAB\\anna \(Anna Svensson\)/);
    assert.match(result.stderr, new RegExp(`Session ID "${T3}" successfully deleted\\. User: LAB\\\\testuser_3\\n`));
    assert.match(result.stderr, /^Deleted 2 sessions$/m);
    assert.deepEqual(state(), without(SEED(), `win@Central/${T3}`));
  });

  it('an id on another virtual proxy than the one given is "not found" and is left alone', async () => {
    const result = await runCli(deleteArgs(sim.cliArgs(), '--host-proxy', central, '--session-id', T3));
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, new RegExp(`warn: Session ID "${T3}" not found`));
    assert.match(result.stderr, /^Deleted 0 sessions$/m);
    assert.deepEqual(sent('DELETE'), []);
    assert.deepEqual(state(), SEED());
  });
});

describe('session-delete: everything on the targets', () => {
  it('with --yes deletes every session on the virtual proxy and proxy given, and nothing else', async () => {
    const result = await runCli(deleteArgs(sim.cliArgs(), '--host-proxy', central, '--session-virtual-proxy', 'win', '--yes'));
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(sent('DELETE'), [`Central /qps/win/session/${T3}`, `Central /qps/win/session/${T4}`].sort());
    assert.deepEqual(state(), without(SEED(), `win@Central/${T3}`, `win@Central/${T4}`));
    assert.match(result.stderr, /^Deleted 2 sessions$/m);
  });

  it('the default virtual proxy is the default target', async () => {
    const result = await runCli(deleteArgs(sim.cliArgs(), '--host-proxy', central, '-y'));
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(sent('DELETE'), [`Central /qps/session/${GORAN}`]);
    assert.deepEqual(state(), without(SEED(), `@Central/${GORAN}`));
  });

  it('several targets make one plan: two virtual proxies on two proxies', async () => {
    sim.addSession({ node: 'dev1', prefix: 'finance', UserDirectory: 'LAB', UserId: 'testuser_5', SessionId: 'dev-fin-1' });
    sim.addSession({ node: 'dev1', prefix: 'dev', UserDirectory: 'LAB', UserId: 'testuser_6', SessionId: 'dev-dev-1' });
    const result = await runCli(
      deleteArgs(sim.cliArgs(), '--host-proxy', central, dev1, '--session-virtual-proxy', 'finance', 'win', '--yes', '--output-format', 'json'),
    );
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(sent('DELETE'), [
      `Central /qps/finance/session/${T1}`,
      `Central /qps/finance/session/${T2}`,
      `Central /qps/win/session/${T3}`,
      `Central /qps/win/session/${T4}`,
      'dev1 /qps/finance/session/dev-fin-1',
    ].sort());
    assert.deepEqual(state(), [`@Central/${GORAN}`, 'dev@dev1/dev-dev-1']);
    const r = report(result);
    assert.deepEqual(r.deleted.map((e) => `${e.virtualProxy}@${e.proxyHost}/${e.sessionId}`).sort(), [
      `finance@${central}/${T1}`,
      `finance@${central}/${T2}`,
      `finance@${dev1}/dev-fin-1`,
      `win@${central}/${T3}`,
      `win@${central}/${T4}`,
    ].sort());
    assert.deepEqual([r.notFound, r.failed], [[], []]);
  });

  it('nothing to delete is not an error', async () => {
    const result = await runCli(deleteArgs(sim.cliArgs(), '--host-proxy', dev1, '--session-virtual-proxy', 'finance', '--yes', '--output-format', 'json'));
    assert.equal(result.code, 0, result.stderr);
    const r = report(result);
    assert.deepEqual([r.deleted, r.notFound, r.failed, r.notSent], [[], [], [], []]);
    assert.deepEqual(sent('DELETE'), []);
  });
});

describe('session-delete refuses to act without a terminal to confirm on', () => {
  // Functions: the simulator's addresses are known only once it runs.
  const cases: [string, () => string[]][] = [
    ['a delete-all', () => ['--host-proxy', central, '--session-virtual-proxy', 'win']],
    ['a by-user delete', () => ['--host-proxy', central, '--session-user-dir', 'LAB', '--session-user-id', 'testuser_1', '--session-virtual-proxy', 'finance']],
    ['ids over two virtual proxies', () => ['--host-proxy', central, '--session-virtual-proxy', 'finance', 'win', '--session-id', T1]],
    ['ids over two proxies', () => ['--host-proxy', central, dev1, '--session-virtual-proxy', 'finance', '--session-id', T1]],
  ];
  for (const [what, extra] of cases) {
    it(`${what}: exit 2, one line naming --yes and --dry-run, no request at all`, async () => {
      const result = await runCli(deleteArgs(sim.cliArgs(), ...extra()));
      assert.equal(result.code, 2, result.stderr);
      assertOneErrorLine(result, /--yes.*--dry-run/);
      assert.deepEqual(sim.requests, [], 'nothing was sent, not even to QRS');
      assert.deepEqual(state(), SEED());
    });
  }
});

describe('session-delete --dry-run', () => {
  it('text: the plan as a table on stdout, the scope on stderr, no DELETE, nothing changed', async () => {
    const result = await runCli(deleteArgs(sim.cliArgs(), '--host-proxy', central, '--session-virtual-proxy', 'win', '--dry-run'));
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /│ Virtual proxy prefix │ Proxy host │ User\s+│ User name │ Session ID\s+│ Deleted by │/);
    assert.match(result.stdout, new RegExp(`│ win\\s+│ ${central.replace(/\./g, '\\.')}\\s+│ LAB\\\\testuser_3 │\\s+│ ${T3} │ session\\s+│`));
    assert.ok(result.stdout.includes(T4));
    assert.match(result.stderr, /Dry run: would delete 2 sessions on 1 proxy node \(127\.0\.0\.2\) and 1 virtual proxy \(win\); nothing was deleted/);
    assert.deepEqual(sent('DELETE'), []);
    assert.deepEqual(sent('GET'), ['Central /qps/win/session']);
    assert.deepEqual(state(), SEED());
  });

  it('JSON: one object with the sessions that would be deleted and how; no confirmation needed, no DELETE', async () => {
    const result = await runCli(
      deleteArgs(sim.cliArgs(), '--host-proxy', central, '--session-virtual-proxy', 'finance', '--session-user-dir', 'LAB', '--session-user-id', 'testuser_2', '--dry-run', '--output-format', 'json'),
    );
    assert.equal(result.code, 0, result.stderr);
    const { dryRun, wouldDelete, notFound } = JSON.parse(result.stdout) as Record<string, unknown>;
    assert.deepEqual({ dryRun, wouldDelete, notFound }, {
      dryRun: true,
      wouldDelete: [
        { sessionId: T2, userDirectory: 'LAB', userId: 'testuser_2', userName: null, virtualProxy: 'finance', proxyHost: central, method: 'user' },
      ],
      notFound: [],
    });
    assert.deepEqual(sent('DELETE'), []);
    assert.deepEqual(state(), SEED());
  });

  it('names requested ids that are not there', async () => {
    const result = await runCli(deleteArgs(sim.cliArgs(), '--host-proxy', central, '--session-id', GORAN, 'gone', '--dry-run', '--output-format', 'json'));
    assert.equal(result.code, 0, result.stderr);
    const plan = JSON.parse(result.stdout) as { wouldDelete: ReportEntry[]; notFound: ReportEntry[] };
    assert.deepEqual(plan.wouldDelete.map((e) => e.sessionId), [GORAN]);
    assert.deepEqual(plan.notFound, [{ sessionId: 'gone', userDirectory: null, userId: null, userName: null, virtualProxy: null, proxyHost: null }]);
    assert.deepEqual(sent('DELETE'), []);
  });
});

describe('session-delete by user', () => {
  it("uses QPS's user endpoint, and only that user's sessions go", async () => {
    const result = await runCli(
      deleteArgs(sim.cliArgs(), '--host-proxy', central, '--session-virtual-proxy', 'finance', '--session-user-dir', 'LAB', '--session-user-id', 'testuser_1', '--yes'),
    );
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(sent('DELETE'), ['Central /qps/finance/user/LAB/testuser_1']);
    assert.match(result.stderr, new RegExp(`Session ID "${T1}" successfully deleted\\. User: LAB\\\\testuser_1`));
    assert.deepEqual(state(), without(SEED(), `finance@Central/${T1}`));
  });

  it('several users over several targets: one teardown per (virtual proxy, node) where the user has sessions; their sessions elsewhere stay', async () => {
    sim.addSession({ node: 'dev1', prefix: 'finance', UserDirectory: 'LAB', UserId: 'TestUser_1', SessionId: 't1-dev1' });
    sim.addSession({ node: 'Central', prefix: '', UserDirectory: 'LAB', UserId: 'testuser_1', SessionId: 't1-default' });
    sim.addSession({ node: 'Central', prefix: 'finance', UserDirectory: 'OTHER', UserId: 'testuser_1', SessionId: 't1-other-dir' });
    const result = await runCli(
      deleteArgs(sim.cliArgs(), '--host-proxy', central, dev1, '--session-virtual-proxy', 'finance', 'win',
        '--session-user-dir', 'lab', '--session-user-id', 'testuser_1', 'TESTUSER_3', 'nobody', '--yes', '--output-format', 'json'),
    );
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(sent('DELETE'), [
      'Central /qps/finance/user/LAB/testuser_1',
      'Central /qps/win/user/LAB/testuser_3',
      'dev1 /qps/finance/user/LAB/TestUser_1',
    ].sort());
    assert.deepEqual(report(result).deleted.map((e) => e.sessionId).sort(), [T1, T3, 't1-dev1'].sort());
    assert.deepEqual(state(), [...without(SEED(), `finance@Central/${T1}`, `win@Central/${T3}`), '@Central/t1-default', 'finance@Central/t1-other-dir'].sort());
  });
});

describe('session-delete --output-format json', () => {
  it('stdout holds one report with deleted, notFound and failed, each entry with the session, user, virtual proxy and node', async () => {
    sim.addSession({ node: 'Central', prefix: 'finance', UserDirectory: 'LAB', UserId: 'anna', UserName: 'Anna Svensson', SessionId: 'anna-1' });
    const result = await runCli(
      deleteArgs(sim.cliArgs(), '--host-proxy', central, '--session-virtual-proxy', 'finance', '--session-id', T2, 'anna-1', 'gone-1', '--output-format', 'json', '--log-level', 'silly'),
    );
    assert.equal(result.code, 0, result.stderr);
    const r = report(result);
    assert.deepEqual(
      [...r.deleted].sort((a, b) => a.sessionId.localeCompare(b.sessionId)),
      [
        { sessionId: 'anna-1', userDirectory: 'LAB', userId: 'anna', userName: 'Anna Svensson', virtualProxy: 'finance', proxyHost: central },
        { sessionId: T2, userDirectory: 'LAB', userId: 'testuser_2', userName: null, virtualProxy: 'finance', proxyHost: central },
      ],
    );
    assert.deepEqual(r.notFound, [{ sessionId: 'gone-1', userDirectory: null, userId: null, userName: null, virtualProxy: null, proxyHost: null }]);
    assert.deepEqual(r.failed, []);
    // Logs (even at silly) stay on stderr.
    assert.match(result.stderr, /Deleted 2 sessions/);
    assert.deepEqual(state(), without(SEED(), `finance@Central/${T2}`));
  });
});

describe('session-delete from environment variables', () => {
  function envFor(extra: Record<string, string>): Record<string, string> {
    return {
      CTRLQ_HOST: '127.0.0.1',
      CTRLQ_QRS_PORT: String(sim.qrs.port),
      CTRLQ_AUTH_USER_DIR: 'ENVDIR',
      CTRLQ_AUTH_USER_ID: 'env_admin',
      CTRLQ_AUTH_CERT_FILE: sim.certs.client,
      CTRLQ_AUTH_CERT_KEY_FILE: sim.certs.clientKey,
      CTRLQ_AUTH_ROOT_CERT_FILE: sim.certs.root,
      CTRLQ_HOST_PROXY: central,
      ...extra,
    };
  }

  it('CTRLQ_SESSION_ID="a b" is two ids; the connection, targets and format come from CTRLQ_* too', async () => {
    const result = await runCli(['qseow', 'session-delete'], {
      env: envFor({ CTRLQ_SESSION_VIRTUAL_PROXY: 'win', CTRLQ_SESSION_ID: `${T3} ${T4}`, CTRLQ_DELETE_OUTPUT_FORMAT: 'json' }),
    });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(report(result).deleted.map((e) => e.sessionId).sort(), [T3, T4].sort());
    assert.deepEqual(sent('DELETE'), [`Central /qps/win/session/${T3}`, `Central /qps/win/session/${T4}`].sort());
    assert.ok(sim.requests.length > 0 && sim.requests.every((r) => r.user === 'UserDirectory=ENVDIR; UserId=env_admin'));
    assert.deepEqual(state(), without(SEED(), `win@Central/${T3}`, `win@Central/${T4}`));
  });

  it("session-get's spellings (CTRLQ_USER_DIR, CTRLQ_CERT_FILE, …) work too; the command line wins over the environment", async () => {
    const env = envFor({ CTRLQ_USER_DIR: 'GETDIR', CTRLQ_USER_ID: 'get_admin', CTRLQ_SESSION_ID: T1, CTRLQ_HOST_PROXY: 'not-a-proxy' });
    delete env.CTRLQ_AUTH_USER_DIR;
    delete env.CTRLQ_AUTH_USER_ID;
    const result = await runCli(['qseow', 'session-delete', '--host-proxy', central, '--session-virtual-proxy', 'finance'], { env });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(sent('DELETE'), [`Central /qps/finance/session/${T1}`]);
    assert.ok(sim.requests.every((r) => r.user === 'UserDirectory=GETDIR; UserId=get_admin'));
  });

  for (const value of ['', '   ']) {
    it(`CTRLQ_SESSION_ID=${JSON.stringify(value)} is a usage error, never a delete-all — even with --yes`, async () => {
      const result = await runCli(['qseow', 'session-delete', '--yes'], { env: envFor({ CTRLQ_SESSION_ID: value }) });
      assert.equal(result.code, 2, result.stderr);
      assertOneErrorLine(result, /--session-id.*must not be empty/);
      assert.deepEqual(sim.requests, []);
      assert.deepEqual(state(), SEED());
    });
  }
});

describe('session-delete --log-file', () => {
  it('appends the run, with timestamps, to the file; a file that cannot be opened is exit 2 before anything is sent', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ctrlq-dellog-'));
    try {
      const file = join(dir, 'delete.log');
      const result = await runCli(deleteArgs(sim.cliArgs(), '--host-proxy', central, '--session-id', GORAN, '--log-file', file));
      assert.equal(result.code, 0, result.stderr);
      const log = readFileSync(file, 'utf8');
      assert.match(log, new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d.*Session ID "${GORAN}" successfully deleted\\. User: LAB\\\\goran$`, 'm'));
      assert.match(log, /Deleted 1 session\b/);

      sim.clearRequests();
      const bad = await runCli(deleteArgs(sim.cliArgs(), '--host-proxy', central, '--session-virtual-proxy', 'win', '--yes', '--log-file', join(dir, 'no', 'such', 'dir.log')));
      assert.equal(bad.code, 2, bad.stderr);
      assertOneErrorLine(bad, /cannot open log file/);
      assert.deepEqual(sim.requests, []);
      assert.deepEqual(state(), without(SEED(), `@Central/${GORAN}`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('session-delete: bad input', () => {
  it('an id with / ? # % is accepted and deleted through exactly one encoded path', async () => {
    const id = 'a/b?c#d%e';
    sim.addSession({ node: 'Central', prefix: 'finance', UserDirectory: 'LAB', UserId: 'odd', SessionId: id });
    // A session whose id is the decoded tail of a naive path must not be hit instead.
    sim.addSession({ node: 'Central', prefix: 'finance', UserDirectory: 'LAB', UserId: 'decoy', SessionId: 'a' });
    const result = await runCli(deleteArgs(sim.cliArgs(), '--host-proxy', central, '--session-virtual-proxy', 'finance', '--session-id', id));
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(sent('DELETE'), ['Central /qps/finance/session/a%2Fb%3Fc%23d%25e']);
    assert.deepEqual(state(), [...SEED(), 'finance@Central/a'].sort());
    assert.match(result.stderr, /Session ID "a\/b\?c#d%e" successfully deleted/);
  });

  it('ids with / .. ? # % that do not exist are "not found" and never requested', async () => {
    const ids = ['../session', '..', '.', 'x?y=1', '#frag', '100%', `${T1}/..`, `../${T1}`];
    const result = await runCli(deleteArgs(sim.cliArgs(), '--host-proxy', central, '--session-virtual-proxy', 'finance', '--output-format', 'json', '--session-id', ...ids));
    assert.equal(result.code, 0, result.stderr);
    for (const id of ids) assert.equal(count(result.stderr, `Session ID "${id}" not found`), 1, id);
    assert.deepEqual(report(result).notFound.map((e) => e.sessionId), ids);
    assert.deepEqual(sent('DELETE'), []);
    assert.deepEqual(sim.requests.map((r) => `${r.method} ${r.path}`), ['GET /qrs/virtualproxyconfig/full', 'GET /qrs/proxyservice/full', 'GET /qps/finance/session']);
    assert.deepEqual(state(), SEED());
  });

  it('a session whose id is exactly ".." cannot be addressed in a URL: it is reported as failed and no request goes anywhere else', async () => {
    sim.addSession({ node: 'Central', prefix: '', UserDirectory: 'LAB', UserId: 'dots', SessionId: '..' });
    const result = await runCli(deleteArgs(sim.cliArgs(), '--host-proxy', central, '--session-id', '..', GORAN, '--output-format', 'json'));
    assert.equal(result.code, 3, result.stderr);
    const r = report(result);
    assert.deepEqual(r.deleted.map((e) => e.sessionId), [GORAN]);
    assert.deepEqual(r.failed.map((e) => e.sessionId), ['..']);
    assert.match(r.failed[0]?.reason ?? '', /cannot be addressed in a URL path/);
    assert.deepEqual(sent('DELETE'), [`Central /qps/session/${GORAN}`]);
    assert.deepEqual(state(), [...without(SEED(), `@Central/${GORAN}`), '@Central/..'].sort());
  });

  const refused: [string, string[], RegExp][] = [
    ['--session-user-id without --session-user-dir', ['--session-user-id', 'testuser_1', '--yes'], /'--session-user-id' needs '--session-user-dir/],
    ['--session-user-dir without --session-user-id', ['--session-user-dir', 'LAB', '--yes'], /'--session-user-dir' needs '--session-user-id/],
    ['--session-id with --session-user-dir', ['--session-id', T1, '--session-user-dir', 'LAB', '--session-user-id', 'testuser_1'], /either '--session-id' or '--session-user-dir'/],
    ['an empty --session-id', ['--session-id', '', '--yes'], /'--session-id' must not be empty/],
    // The user options are read as session-get reads them (src/cli/user-options.ts): the same messages.
    ['an empty --session-user-dir', ['--session-user-dir', '', '--session-user-id', 'x', '--yes'], /^error: option '--session-user-dir <directory>' must not be empty$/],
    ['a blank --session-user-id', ['--session-user-dir', 'LAB', '--session-user-id', 'x', ' ', '--yes'], /^error: option '--session-user-id <userid\.\.\.>' must not be empty$/],
    ['an empty --exclude-user', ['--exclude-user', '', '--yes'], /^error: option '--exclude-user <pattern\.\.\.>' must not be empty$/],
    ['--interactive without a terminal', ['--interactive'], /'--interactive' needs a terminal/],
    ['--interactive with --yes', ['--interactive', '--yes'], /either '--interactive' or '--yes'/],
    ['--output-format outside its choices', ['--output-format', 'xml', '--yes'], /argument 'xml' is invalid\. Allowed choices are text, json/],
    ['--concurrency 0', ['--concurrency', '0', '--yes'], /'--concurrency' must be a whole number from 1/],
    ['--timeout -1', ['--timeout', '-1', '--yes'], /'--timeout' must be a number/],
  ];
  for (const [what, extra, message] of refused) {
    it(`${what}: exit 2, one line, nothing sent`, async () => {
      const result = await runCli(deleteArgs(sim.cliArgs(), '--host-proxy', central, ...extra));
      assert.equal(result.code, 2, result.stderr);
      assertOneErrorLine(result, message);
      assert.deepEqual(sim.requests, []);
      assert.deepEqual(state(), SEED());
    });
  }

  it('without --host-proxy: exit 2, nothing sent', async () => {
    const result = await runCli(deleteArgs(sim.cliArgs(), '--session-id', T1));
    assert.equal(result.code, 2, result.stderr);
    assertOneErrorLine(result, /required option '--host-proxy <host\.\.\.>' not specified/);
    assert.deepEqual(sim.requests, []);
  });

  it('an unknown --host-proxy: exit 2 naming the valid hosts, after asking QRS only', async () => {
    const result = await runCli(deleteArgs(sim.cliArgs(), '--host-proxy', 'pro2-win9.lab', '--yes'));
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /error: unknown --host-proxy 'pro2-win9\.lab': the proxy host names on this site are 127\.0\.0\.2, 127\.0\.0\.3/);
    assert.doesNotMatch(result.stderr, /^\s+at /m);
    assert.deepEqual(sim.requests.filter((r) => r.target !== 'qrs'), []);
    assert.deepEqual(state(), SEED());
  });

  it("a --session-virtual-proxy with ' & # and spaces is escaped in the QRS filter, matches nothing: exit 2, nothing deleted", async () => {
    const result = await runCli(
      deleteArgs(sim.cliArgs(), '--host-proxy', central, '--session-virtual-proxy', "o'neil", 'a&b=1', 'p#q', 'two words', '--yes', '--output-format', 'json'),
    );
    assert.equal(result.code, 2, result.stderr);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /error: unknown --session-virtual-proxy 'o'neil', 'a&b=1', 'p#q', 'two words': the virtual proxy prefixes on this site are "" \(default\), anon, api, /);
    const vpQuery = sim.requests.find((r) => r.path === '/qrs/virtualproxyconfig/full');
    assert.equal(vpQuery?.query.filter, "prefix eq 'o\\'neil' or prefix eq 'a&b=1' or prefix eq 'p#q' or prefix eq 'two words'");
    assert.deepEqual(sim.requests.filter((r) => r.target !== 'qrs'), []);
    assert.deepEqual(state(), SEED());
  });
});
