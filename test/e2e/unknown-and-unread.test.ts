/**
 * Issue 11 items 1, 2 and 8 end to end, the built bin against the seed site: an unknown virtual
 * proxy prefix is a usage error before any QPS request; what could not be read is shown as unread,
 * never as 0, and never makes a site "empty"; empty or blank user options, multi-line environment
 * variables, and `*` at the backslash of an --exclude-user pattern.
 */
import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { deleteArgs, getArgs, runCli, type CliResult } from '../helpers/cli.js';
import { lines, startCli, waitFor } from '../helpers/live.js';
import { addedSessions } from '../helpers/added-sessions.js';
import { startSeedSite } from '../helpers/site.js';
import type { Simulator } from '../simulator/server.js';

let sim: Simulator;
let central: string;
let dev1: string;
/** `127.0.0.3:<port>`, as the errors name dev1. */
let dev1At: string;

before(async () => {
  ({ sim, central, dev1 } = await startSeedSite());
  dev1At = `${dev1}:${sim.node('dev1').port}`;
});
after(async () => {
  await sim.stop();
});

const sessions = addedSessions(() => sim);
const addSession = sessions.add;
afterEach(async () => {
  sessions.removeAll();
  await sim.setFault('dev1', undefined);
  sim.setQrsQuirks({});
  sim.clearRequests();
});

const qpsRequests = (): string[] => sim.requests.filter((r) => r.target !== 'qrs').map((r) => `${r.target} ${r.method} ${r.path}`);

const SITE_PREFIXES =
  '"" (default), anon, api, audit, dev, dev-hdr, extranet, finance, hdr, hdr-access1, hdr-access2, hr, it, jwt, marketing, mashup, mobile, monitor, oidc, ops, partner, sales, sales/emea, saml, test, ticket, training, win';

function assertUnknownPrefix(result: CliResult, asked: string): void {
  assert.equal(result.code, 2, result.stderr);
  assert.equal(result.stdout, '');
  assert.equal(
    result.stderr,
    `error: unknown --session-virtual-proxy ${asked}: the virtual proxy prefixes on this site are ${SITE_PREFIXES}\n`,
  );
  assert.deepEqual(qpsRequests(), [], 'no QPS request');
}

describe('an unknown --session-virtual-proxy is exit 2 before any QPS request', () => {
  it('session-get: names the prefixes the site has; the known ones (any case) are not named', async () => {
    const result = await runCli(getArgs(sim.cliArgs(), '--session-virtual-proxy', 'FINANCE', 'finanse'));
    assertUnknownPrefix(result, "'finanse'");
    const vpReads = sim.requests.filter((r) => r.path === '/qrs/virtualproxyconfig/full').map((r) => r.query.filter);
    assert.deepEqual(vpReads, ["prefix eq 'FINANCE' or prefix eq 'finanse'", undefined], 'the filtered read, then one unfiltered read for the names');
  });

  it('a known prefix in another case is no error, and costs no second QRS read', async () => {
    const result = await runCli(getArgs(sim.cliArgs(), '--session-virtual-proxy', 'FINANCE'));
    assert.equal(result.code, 0, result.stderr);
    assert.equal((JSON.parse(result.stdout) as unknown[]).length, 2);
    assert.equal(sim.requests.filter((r) => r.path === '/qrs/virtualproxyconfig/full').length, 1);
  });

  it('session-delete: exit 2, nothing deleted', async () => {
    const result = await runCli(deleteArgs(sim.cliArgs(), '--host-proxy', central, '--session-virtual-proxy', 'finanse', 'win', '--yes'));
    assertUnknownPrefix(result, "'finanse'");
    assert.equal(sim.sessionCount(), 5);
  });

  it('--watch: ends at once with exit 2', async () => {
    const result = await runCli(getArgs(sim.cliArgs(), '--session-virtual-proxy', 'finanse', 'hr-typo', '--watch', '0.5'));
    assertUnknownPrefix(result, "'finanse', 'hr-typo'");
  });

  it('--wait-until-empty: exit 2, not 0 (a restart must not follow a typo)', async () => {
    const result = await runCli(getArgs(sim.cliArgs(), '--session-virtual-proxy', 'finanse', '--wait-until-empty', '1', '--watch', '0.5'));
    assertUnknownPrefix(result, "'finanse'");
  });
});

describe('a user directory no session has is a warning naming the directories seen', () => {
  it('session-get --session-user-dir and --exclude-user directories; a bare user id or a matching * is not warned about', async () => {
    addSession({ node: 'dev1', prefix: 'finance', UserDirectory: 'INTERNAL', UserId: 'sa_api' });
    const result = await runCli(
      getArgs(sim.cliArgs(), '--session-user-dir', 'LABB', '--exclude-user', 'INTRNAL\\*', 'L*\\x', 'int*\\sa_*', 'sa_api'),
    );
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, '[]\n');
    const warnings = result.stderr.split('\n').filter((l) => l.includes('user directory'));
    assert.deepEqual(warnings, [
      "warn: --session-user-dir: no session read has the user directory 'LABB'; the user directories seen are INTERNAL, LAB",
      "warn: --exclude-user: no session read has the user directory 'INTRNAL'; the user directories seen are INTERNAL, LAB",
    ]);
  });

  it('session-delete by user: warns, deletes nothing, exit 0', async () => {
    const result = await runCli(
      deleteArgs(sim.cliArgs(), '--host-proxy', central, '--session-virtual-proxy', 'finance', '--session-user-dir', 'LABB', '--session-user-id', 'testuser_1', '--yes'),
    );
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /warn: --session-user-dir: no session read has the user directory 'LABB'; the user directories seen are LAB\n/);
    assert.equal(sim.sessionCount(), 5);
  });

  it('no warning when every directory named has sessions', async () => {
    const result = await runCli(getArgs(sim.cliArgs(), '--session-user-dir', 'lab', '--exclude-user', 'LAB\\goran'));
    assert.equal(result.code, 0, result.stderr);
    assert.equal((JSON.parse(result.stdout) as unknown[]).length, 4);
    assert.doesNotMatch(result.stderr, /user directory/);
  });
});

interface CountJson {
  name?: string;
  prefix?: string;
  sessions: number | null;
  error?: string;
}

describe('what could not be read is shown as unread, never as 0', () => {
  const refused = (): string => `cannot connect to QPS at ${dev1At}: connection refused`;

  it('summary-json: "complete": false, the node and the virtual proxies not fully read with "sessions": null and "error"; exit 3', async () => {
    await sim.setFault('dev1', { kind: 'down' });
    const result = await runCli(getArgs(sim.cliArgs(), '--output-format', 'summary-json', '--session-virtual-proxy', 'finance', 'win', 'dev'));
    assert.equal(result.code, 3, result.stderr);
    const doc = JSON.parse(result.stdout) as { total: number; complete: boolean; perProxyNode: CountJson[]; perVirtualProxy: CountJson[] };
    assert.equal(doc.total, 4);
    assert.equal(doc.complete, false);
    assert.deepEqual(doc.perProxyNode, [
      { name: 'Central', host: central, sessions: 4 },
      { name: 'dev1', host: dev1, sessions: null, error: refused() },
    ]);
    assert.deepEqual(
      doc.perVirtualProxy.map((vp) => [vp.prefix, vp.sessions, vp.error]),
      [
        ['dev', null, refused()],
        ['finance', null, `1 of 2 proxy nodes unread: ${refused()}`],
        ['win', 2, undefined],
      ],
    );
    assert.match(result.stderr, /error: sessions could not be read from 2 of 4 \(virtual proxy, proxy service\) pairs; the others are shown\n$/);
  });

  it('summary-json of a complete reading says "complete": true', async () => {
    const result = await runCli(getArgs(sim.cliArgs(), '--output-format', 'summary-json'));
    assert.equal(result.code, 0, result.stderr);
    const doc = JSON.parse(result.stdout) as { complete: boolean; perProxyNode: CountJson[] };
    assert.equal(doc.complete, true);
    assert.deepEqual(doc.perProxyNode.map((p) => p.sessions), [5, 0]);
  });

  it('the table header: the node unread with the reason, the total "at least"; the JSON rows stay a plain array', async () => {
    await sim.setFault('dev1', { kind: 'down' });
    const table = await runCli(getArgs(sim.cliArgs(), '--output-format', 'table'));
    assert.equal(table.code, 3, table.stderr);
    const head = table.stdout.split('\n').slice(0, 7);
    assert.deepEqual(head, [
      '-- Sessions per virtual proxy and proxy services --',
      '',
      'Total number of sessions: at least 5 (1 of 2 proxy services not fully read)',
      '',
      'Sessions per proxy service:',
      `   Central: ${central}: 5`,
      `   dev1: ${dev1}: unread (${refused()})`,
    ]);
    const json = await runCli(getArgs(sim.cliArgs()));
    assert.equal(json.code, 3, json.stderr);
    assert.ok(Array.isArray(JSON.parse(json.stdout)));
    assert.equal((JSON.parse(json.stdout) as unknown[]).length, 5);
  });

  it('summary: the node and virtual proxy lines carry the reason and count "unread"', async () => {
    await sim.setFault('dev1', { kind: 'down' });
    const result = await runCli(getArgs(sim.cliArgs(), '--output-format', 'summary', '--session-virtual-proxy', 'finance'));
    assert.equal(result.code, 3, result.stderr);
    const cells = result.stdout.split('\n').map((l) => l.split('│').map((c) => c.trim()).filter((c) => c !== ''));
    assert.ok(cells.some((c) => c.join('|') === 'Total|at least 2'), result.stdout);
    assert.ok(cells.some((c) => c.join('|') === `dev1 (${dev1}): ${refused()}|unread`), result.stdout);
    assert.ok(cells.some((c) => c.join('|') === `Virtual proxies|finance: 1 of 2 proxy nodes unread: ${refused()}|unread`), result.stdout);
    assert.doesNotMatch(result.stdout, new RegExp(`dev1 \\(${dev1.replace(/\./g, '\\.')}\\)\\s+│ 0`));
  });

  it('--watch on a pipe: dev1=unread in the summary line, "sessions": null in summary-json lines', async () => {
    await sim.setFault('dev1', { kind: 'down' });
    const text = startCli(getArgs(sim.cliArgs(), '--output-format', 'summary', '--watch', '0.5'));
    await waitFor(text, () => lines(text.stdout()).length >= 1, 'the first line');
    text.child.kill('SIGINT');
    await text.result;
    assert.match(lines(text.stdout())[0] ?? '', / sessions=5 change=\+0 users=5 Central=5 dev1=unread failed=5$/);

    const json = startCli(getArgs(sim.cliArgs(), '--output-format', 'summary-json', '--watch', '0.5'));
    await waitFor(json, () => lines(json.stdout()).length >= 1, 'the first line');
    json.child.kill('SIGINT');
    await json.result;
    const doc = JSON.parse(lines(json.stdout())[0] ?? '') as { complete: boolean; perProxyNode: CountJson[] };
    assert.equal(doc.complete, false);
    assert.deepEqual(doc.perProxyNode[1], { name: 'dev1', host: dev1, sessions: null, error: refused() });
  });
});

describe('--wait-until-empty never calls a site empty that was not read', () => {
  const NOTHING =
    'there was no (virtual proxy, node) pair to read (QRS listed no proxy service or no virtual proxy, or none of the selection is linked to a proxy)';

  it('QRS lists no proxy service: exit 3, one warning saying so', async () => {
    sim.setQrsQuirks({ noProxyServices: true });
    const result = await runCli(getArgs(sim.cliArgs(), '--wait-until-empty', '0'));
    assert.equal(result.code, 3, result.stderr);
    assert.equal(result.stdout, '[]\n');
    assert.match(result.stderr, /warn: QRS listed no proxy service: no session can be read \(can the user of --auth-user-dir\/--auth-user-id read proxy services in QRS\?\)\n/);
    assert.doesNotMatch(result.stderr, /not linked to any proxy/);
    assert.match(result.stderr, new RegExp(`error: could not confirm within 0 s that no session is left: ${NOTHING.replace(/[()?]/g, '\\$&')}\\n$`));
    assert.deepEqual(qpsRequests(), []);
  });

  it('QRS lists no virtual proxy (also for a prefix asked for): exit 3, not the unknown-prefix error', async () => {
    sim.setQrsQuirks({ noVirtualProxies: true });
    const result = await runCli(getArgs(sim.cliArgs(), '--session-virtual-proxy', 'finance', '--wait-until-empty', '0.01', '--watch', '0.5'));
    assert.equal(result.code, 3, result.stderr);
    assert.match(result.stderr, /warn: QRS listed no virtual proxy: no session can be read/);
    assert.match(result.stderr, /warn: No sessions seen, but there was no \(virtual proxy, node\) pair to read .*: not empty yet/);
    assert.match(result.stderr, /error: could not confirm within 0\.6 s that no session is left: there was no \(virtual proxy, node\) pair to read/);
    assert.doesNotMatch(result.stderr, /unknown --session-virtual-proxy/);
  });

  it('summary-json of an empty QRS answer: total 0 but "complete": false', async () => {
    sim.setQrsQuirks({ noVirtualProxies: true });
    const result = await runCli(getArgs(sim.cliArgs(), '--output-format', 'summary-json'));
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), { total: 0, complete: false, distinctUsers: 0, perProxyNode: [
      { name: 'Central', host: central, sessions: 0 },
      { name: 'dev1', host: dev1, sessions: 0 },
    ], perVirtualProxy: [], users: [] });
  });

  it('sessions seen and a node unread: still exit 5, naming both', async () => {
    await sim.setFault('dev1', { kind: 'down' });
    const result = await runCli(getArgs(sim.cliArgs(), '--session-virtual-proxy', 'finance', '--wait-until-empty', '0'));
    assert.equal(result.code, 5, result.stderr);
    assert.match(
      result.stderr,
      /error: still connected after 0 s: 2 sessions of 2 users: LAB\\testuser_1, LAB\\testuser_2; and 1 \(virtual proxy, node\) pair could not be read\n$/,
    );
  });
});

describe('smaller truths', () => {
  for (const [flag, value] of [['--auth-user-dir', ''], ['--auth-user-dir', '  '], ['--auth-user-id', ''], ['--auth-user-id', ' \t']] as const) {
    it(`${flag} '${value}' is exit 2, nothing sent`, async () => {
      const args = sim.cliArgs();
      args[args.indexOf(flag) + 1] = value;
      const result = await runCli(getArgs(args));
      assert.equal(result.code, 2, result.stderr);
      const spec = flag === '--auth-user-dir' ? '--auth-user-dir <directory>' : '--auth-user-id <userid>';
      assert.equal(result.stderr, `error: option '${spec}' must not be empty\n`);
      assert.deepEqual(sim.requests, []);
    });
  }

  it('CTRLQ_AUTH_USER_ID set to blanks is exit 2 too', async () => {
    const args = sim.cliArgs();
    args.splice(args.indexOf('--auth-user-id'), 2);
    const result = await runCli(getArgs(args), { env: { CTRLQ_AUTH_USER_ID: ' ' } });
    assert.equal(result.code, 2, result.stderr);
    assert.equal(result.stderr, "error: option '--auth-user-id <userid>' must not be empty\n");
  });

  it('multi-value environment variables split on newlines, CRLF included', async () => {
    const result = await runCli(getArgs(sim.cliArgs(), '--sort-by', 'userid'), { env: { CTRLQ_SESSION_VIRTUAL_PROXY: 'finance\r\n\r\nwin\r\n' } });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(
      (JSON.parse(result.stdout) as { vpPrefix: string; userId: string }[]).map((r) => `${r.vpPrefix}|${r.userId}`),
      ['finance|testuser_1', 'finance|testuser_2', 'win|testuser_3', 'win|testuser_4'],
    );
    const ids = [
      addSession({ node: 'Central', prefix: 'finance', UserDirectory: 'LAB', UserId: 'gone_1', SessionId: 'id-one' }),
      addSession({ node: 'Central', prefix: 'finance', UserDirectory: 'LAB', UserId: 'gone_2', SessionId: 'id-two' }),
    ];
    const deleted = await runCli(deleteArgs(sim.cliArgs(), '--host-proxy', central, '--session-virtual-proxy', 'finance'), {
      env: { CTRLQ_SESSION_ID: `${ids.join('\r\n')}\r` }, // "$(cat ids.txt)" of a Windows file keeps the last \r
    });
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.deepEqual(sim.sessions().filter((s) => ids.includes(s.SessionId)), []);
    assert.equal(sim.sessionCount(), 5);
  });

  it("--exclude-user: * never reaches across the backslash between directory and user id", async () => {
    addSession({ node: 'Central', prefix: 'win', UserDirectory: 'CORP', UserId: 'svc\\anna' });
    const across = await runCli(getArgs(sim.cliArgs(), '--exclude-user', 'C*\\anna', '--session-user-dir', 'CORP'));
    assert.equal(across.code, 0, across.stderr);
    assert.deepEqual((JSON.parse(across.stdout) as { userId: string }[]).map((r) => r.userId), ['svc\\anna'], 'C*\\anna does not match CORP\\svc\\anna');
    const own = await runCli(getArgs(sim.cliArgs(), '--exclude-user', 'C*\\svc\\*', '--session-user-dir', 'CORP'));
    assert.equal(own.stdout, '[]\n', "the user id's own backslash is matched as itself");
  });
});
