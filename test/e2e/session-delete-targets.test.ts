/**
 * Whole-site and data-driven deletes (issue 11 item 5): --all-host-proxies, --all-virtual-proxies
 * and --from-json, with their usage errors. The built bin against the seed site plus sessions on
 * dev1; stdin is a pipe (or carries the rows).
 */
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, coverageEnv, deleteArgs, getArgs, runCli, runProgram, type CliResult } from '../helpers/cli.js';
import { parseReport } from '../helpers/delete-report.js';
import { GORAN, T1, T2, T3, proxyRequests, resetToScenario, siteState, startSeedSite } from '../helpers/site.js';
import type { Simulator } from '../simulator/server.js';

let sim: Simulator;
let central: string;
let dev1: string;
let dir: string;

before(async () => {
  ({ sim, central, dev1 } = await startSeedSite());
  dir = mkdtempSync(join(tmpdir(), 'ctrlq-fromjson-'));
});
after(async () => {
  await sim.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** The seed's five sessions on Central, plus a service account and a user on dev1. */
beforeEach(async () => {
  await resetToScenario(sim);
  sim.addSession({ node: 'dev1', prefix: 'dev', UserDirectory: 'INTERNAL', UserId: 'sa_scheduler', SessionId: 'sa-dev1' });
  sim.addSession({ node: 'dev1', prefix: 'finance', UserDirectory: 'LAB', UserId: 'testuser_1', SessionId: 't1-dev1' });
  sim.clearRequests();
});

const state = (): string[] => siteState(sim);
const deletes = (): string[] => proxyRequests(sim, 'DELETE');

function assertUsage(result: CliResult, message: string): void {
  assert.equal(result.code, 2, result.stderr);
  assert.equal(result.stderr, `error: ${message}\n`);
  assert.equal(result.stdout, '');
  assert.deepEqual(sim.requests, [], 'nothing sent');
}

describe('--all-host-proxies and --all-virtual-proxies', () => {
  it('with --exclude-user: the restart-night clean-up in one command, every session but the service accounts', async () => {
    const result = await runCli(
      deleteArgs(sim.cliArgs(), '--all-host-proxies', '--all-virtual-proxies', '--exclude-user', 'INTERNAL\\*', '--yes', '--output-format', 'json'),
    );
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(state(), ['dev@dev1/sa-dev1']);
    const r = parseReport(result.stdout);
    assert.equal(r.deleted.length, 6);
    assert.deepEqual([r.filters.hostProxy, r.filters.allHostProxies, r.filters.sessionVirtualProxy, r.filters.allVirtualProxies], [null, true, null, true]);
    assert.equal(r.targets.length, 24 + 5, 'every linked (virtual proxy, proxy node) pair');
    assert.match(result.stderr, /^Leaving 1 session of users excluded by --exclude-user$/m);
  });

  it('--all-host-proxies with one virtual proxy: that virtual proxy on every node', async () => {
    const result = await runCli(deleteArgs(sim.cliArgs(), '--all-host-proxies', '--session-virtual-proxy', 'finance', '--yes'));
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(deletes(), [`Central /qps/finance/session/${T1}`, `Central /qps/finance/session/${T2}`, 'dev1 /qps/finance/session/t1-dev1'].sort());
  });

  it('--all-virtual-proxies on one node: everything on that node only', async () => {
    const result = await runCli(deleteArgs(sim.cliArgs(), '--host-proxy', dev1, '--all-virtual-proxies', '--yes'));
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(deletes(), ['dev1 /qps/dev/session/sa-dev1', 'dev1 /qps/finance/session/t1-dev1']);
    assert.equal(sim.sessionCount({ node: 'Central' }), 5);
  });

  it('CTRLQ_ALL_HOST_PROXIES and CTRLQ_ALL_VIRTUAL_PROXIES do the same from the environment', async () => {
    const [, , , qrsPort, , userDir, , userId, , cert, , key, , root] = sim.cliArgs();
    const env = {
      CTRLQ_HOST: '127.0.0.1', CTRLQ_QRS_PORT: qrsPort ?? '', CTRLQ_AUTH_USER_DIR: userDir ?? '', CTRLQ_AUTH_USER_ID: userId ?? '',
      CTRLQ_CERT_FILE: cert ?? '', CTRLQ_CERT_KEY_FILE: key ?? '', CTRLQ_ROOT_CERT_FILE: root ?? '',
      CTRLQ_ALL_HOST_PROXIES: 'true', CTRLQ_ALL_VIRTUAL_PROXIES: '1', CTRLQ_SESSION_ID: `${T3} t1-dev1`,
    };
    const result = await runCli(['qseow', 'session-delete', '--yes'], { env });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(deletes(), [`Central /qps/win/session/${T3}`, 'dev1 /qps/finance/session/t1-dev1']);
  });

  const refused: [string, string[], string][] = [
    ['--host-proxy with --all-host-proxies', ['--host-proxy', central, '--all-host-proxies', '--yes'], "use either '--host-proxy' or '--all-host-proxies', not both"],
    ['--session-virtual-proxy with --all-virtual-proxies', ['--all-host-proxies', '--session-virtual-proxy', 'win', '--all-virtual-proxies', '--yes'], "use either '--session-virtual-proxy' or '--all-virtual-proxies', not both"],
    ['neither --host-proxy nor --all-host-proxies', ['--all-virtual-proxies', '--yes'], "required option '--host-proxy <host...>' not specified (or set CTRLQ_HOST_PROXY), or use --all-host-proxies"],
    ['--all-host-proxies with ids, no terminal, no --yes', ['--all-host-proxies', '--session-id', T1], 'not deleting: this delete needs confirmation and there is no terminal to ask on. Add --yes to delete without asking, or --dry-run to see what would be deleted'],
    ['--all-virtual-proxies, no terminal, no --yes', ['--host-proxy', central, '--all-virtual-proxies'], 'not deleting: this delete needs confirmation and there is no terminal to ask on. Add --yes to delete without asking, or --dry-run to see what would be deleted'],
  ];
  for (const [what, extra, message] of refused) {
    it(`${what}: exit 2, nothing sent`, async () => {
      assertUsage(await runCli(deleteArgs(sim.cliArgs(), ...extra)), message);
    });
  }

  it('CTRLQ_HOST_PROXY with --all-host-proxies: exit 2 too', async () => {
    const result = await runCli(deleteArgs(sim.cliArgs(), '--all-host-proxies', '--yes'), { env: { CTRLQ_HOST_PROXY: central } });
    assertUsage(result, "use either '--host-proxy' or '--all-host-proxies', not both");
  });
});

/** session-get's JSON rows for the whole site. */
async function listed(): Promise<{ proxyHost: string; vpPrefix: string; userId: string; sessionId: string }[]> {
  const result = await runCli(getArgs(sim.cliArgs()));
  assert.equal(result.code, 0, result.stderr);
  sim.clearRequests();
  return JSON.parse(result.stdout) as { proxyHost: string; vpPrefix: string; userId: string; sessionId: string }[];
}

function rowsFile(name: string, rows: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof rows === 'string' ? rows : JSON.stringify(rows));
  return path;
}

describe('--from-json', () => {
  it('a file of session-get rows: exactly those sessions are deleted, each on its own virtual proxy and node', async () => {
    const rows = (await listed()).filter((r) => r.userId === 'testuser_1' || r.userId === 'goran');
    assert.equal(rows.length, 3);
    const file = rowsFile('three.json', rows);
    const result = await runCli(deleteArgs(sim.cliArgs(), '--from-json', file, '--yes', '--output-format', 'json'));
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(deletes(), [`Central /qps/finance/session/${T1}`, `Central /qps/session/${GORAN}`, 'dev1 /qps/finance/session/t1-dev1'].sort());
    const r = parseReport(result.stdout);
    assert.equal(r.filters.fromJson, file);
    assert.deepEqual(r.targets.map((t) => `${t.virtualProxy}@${t.proxyName}`), ['@Central', 'finance@Central', 'finance@dev1']);
    assert.deepEqual(sim.requests.filter((q) => q.method === 'GET' && q.target !== 'qrs').length, 29, 'the whole site is listed to check the rows');
  });

  it("stdin ('-') with --yes", async () => {
    const rows = (await listed()).filter((r) => r.vpPrefix === 'win');
    const result = await runCli(deleteArgs(sim.cliArgs(), '--from-json', '-', '--yes'), { input: JSON.stringify(rows) });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /^Deleted 2 sessions$/m);
    assert.equal(sim.sessionCount({ prefix: 'win' }), 0);
    assert.equal(sim.sessionCount(), 5);
  });

  it('a real pipe: session-get … | session-delete --from-json - --yes', async () => {
    const quote = (arg: string): string => `'${arg.replace(/'/g, `'\\''`)}'`;
    const node = quote(process.execPath);
    const get = [node, quote(BIN), ...getArgs(sim.cliArgs(), '--session-virtual-proxy', 'finance').map(quote)].join(' ');
    const del = [node, quote(BIN), ...deleteArgs(sim.cliArgs(), '--from-json', '-', '--yes', '--output-format', 'json').map(quote)].join(' ');
    const result = await runProgram('/bin/sh', ['-c', `${get} | ${del}`], { env: { PATH: process.env.PATH ?? '', ...coverageEnv() } });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(parseReport(result.stdout).deleted.map((e) => e.sessionId).sort(), [T1, T2, 't1-dev1'].sort());
    assert.equal(sim.sessionCount({ prefix: 'finance' }), 0);
  });

  it("stdin without --yes: exit 2 before anything is read or sent", async () => {
    const result = await runCli(deleteArgs(sim.cliArgs(), '--from-json', '-'), { input: '[]' });
    assertUsage(
      result,
      "not deleting: '--from-json -' reads the rows from stdin, which leaves no terminal to confirm on. Add --yes to delete them without asking, or --dry-run to see the plan",
    );
  });

  it('stdin with --dry-run needs no --yes: the plan, nothing deleted', async () => {
    const rows = (await listed()).filter((r) => r.sessionId === T3);
    const result = await runCli(deleteArgs(sim.cliArgs(), '--from-json', '-', '--dry-run', '--output-format', 'json'), { input: JSON.stringify(rows) });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual((JSON.parse(result.stdout) as { wouldDelete: { sessionId: string }[] }).wouldDelete.map((e) => e.sessionId), [T3]);
    assert.deepEqual(deletes(), []);
  });

  it('a file without --yes and without a terminal: exit 2, nothing sent', async () => {
    const file = rowsFile('one.json', [{ proxyHost: central, vpPrefix: '', sessionId: GORAN }]);
    const result = await runCli(deleteArgs(sim.cliArgs(), '--from-json', file));
    assertUsage(result, 'not deleting: this delete needs confirmation and there is no terminal to ask on. Add --yes to delete without asking, or --dry-run to see what would be deleted');
  });

  const badRows: [string, (rows: { proxyHost: string; vpPrefix: string; sessionId: string }[]) => unknown[], RegExp][] = [
    ['a host that is not a proxy node', (rows) => [...rows, { proxyHost: 'pro2-win9.lab', vpPrefix: 'win', sessionId: T3 }], /row 6: proxyHost 'pro2-win9\.lab' is not a proxy node of this site/],
    ['a virtual proxy not linked to the node', (rows) => [...rows, { proxyHost: dev1, vpPrefix: 'win', sessionId: T3 }], /row 6: virtual proxy 'win' is not linked to proxy node '127\.0\.0\.3'/],
    ['an id the node does not have', (rows) => [...rows, { proxyHost: central, vpPrefix: 'win', sessionId: 'ended-already' }], /row 6: session 'ended-already' is not on virtual proxy 'win' of '127\.0\.0\.2' \(it may have ended since it was listed\)/],
  ];
  for (const [what, spoil, message] of badRows) {
    it(`one bad row (${what}): exit 2 naming it, and not one session is deleted`, async () => {
      const rows = (await listed()).filter((r) => r.proxyHost === central);
      const before = state();
      const result = await runCli(deleteArgs(sim.cliArgs(), '--from-json', '-', '--yes', '--output-format', 'json'), { input: JSON.stringify(spoil(rows)) });
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, /^error: not deleting: 1 of 6 --from-json rows does not match the site: /m);
      assert.match(result.stderr, message);
      assert.match(result.stderr, /^List the sessions again with session-get and pass the fresh rows; nothing was deleted\.$/m);
      assert.equal(result.stdout, '');
      assert.deepEqual(deletes(), []);
      assert.deepEqual(state(), before);
    });
  }

  it('rows on a node that cannot be read are not sent; the others are deleted; exit 3 with the node unread', async () => {
    const rows = (await listed()).filter((r) => r.vpPrefix === 'finance');
    await sim.setFault('dev1', { kind: 'down' });
    const result = await runCli(deleteArgs(sim.cliArgs(), '--from-json', '-', '--yes', '--output-format', 'json'), { input: JSON.stringify(rows) });
    assert.equal(result.code, 3, result.stderr);
    const r = parseReport(result.stdout);
    assert.deepEqual(r.deleted.map((e) => e.sessionId).sort(), [T1, T2].sort());
    assert.deepEqual(r.unread.map((u) => `${u.virtualProxy}@${u.proxyHost}`), [`finance@${dev1}`]);
    assert.deepEqual(sim.sessions({ node: 'dev1', prefix: 'finance' }).map((s) => s.SessionId), ['t1-dev1']);
  });

  const refused: [string, string[], string, string][] = [
    ['with --session-id', ['--session-id', T1], "use either '--from-json' or '--session-id', not both", ''],
    ['with --host-proxy', ['--host-proxy', central], "use either '--from-json' or '--host-proxy', not both: the rows name their proxy node and virtual proxy", ''],
    ['with --all-virtual-proxies', ['--all-virtual-proxies'], "use either '--from-json' or '--all-virtual-proxies', not both: the rows name their proxy node and virtual proxy", ''],
    ['with --exclude-user', ['--exclude-user', 'INTERNAL\\*'], "use either '--from-json' or '--exclude-user', not both", ''],
    ['a file that is not there', [], '--from-json: file not found: ', 'missing.json'],
    ['a file that is not JSON', [], '--from-json: ', 'not-json.json'],
  ];
  for (const [what, extra, message, file] of refused) {
    it(`${what}: exit 2, nothing sent`, async () => {
      if (file === 'not-json.json') rowsFile(file, 'sessionId,proxyHost\n');
      const path = join(dir, file || 'unused.json');
      const result = await runCli(deleteArgs(sim.cliArgs(), '--from-json', path, ...extra, '--yes'));
      if (file === 'missing.json') assertUsage(result, `${message}${path}`);
      else if (file === 'not-json.json') {
        assert.equal(result.code, 2, result.stderr);
        assert.match(result.stderr, new RegExp(`^error: --from-json: ${path.replace(/[.\\/]/g, '\\$&')} is not JSON \\(`));
        assert.deepEqual(sim.requests, []);
      } else assertUsage(result, message);
    });
  }
});
