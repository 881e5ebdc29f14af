/**
 * What a Ctrl-Q script notices when it runs ctrl-q instead (README "Coming from Ctrl-Q"): each
 * command's own environment spelling wins, Ctrl-Q 3.x's command path still works, and text sorts
 * as Ctrl-Q's localeCompare sorts it.
 */
import { beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { deleteArgs, getArgs, runCli } from '../helpers/cli.js';
import { sessionRows } from '../helpers/output.js';
import { T1, T2, proxyRequests, resetToScenario, useSeedSite } from '../helpers/site.js';

const site = useSeedSite();
beforeEach(() => resetToScenario(site.sim));

/** The connection from the environment, with both Ctrl-Q spellings set to different users and files. */
function bothSpellings(): Record<string, string> {
  return {
    CTRLQ_HOST: '127.0.0.1',
    CTRLQ_QRS_PORT: String(site.sim.qrs.port),
    // session-get's spelling
    CTRLQ_USER_DIR: 'GETDIR',
    CTRLQ_USER_ID: 'get_admin',
    CTRLQ_CERT_FILE: site.sim.certs.client,
    CTRLQ_CERT_KEY_FILE: site.sim.certs.clientKey,
    CTRLQ_ROOT_CERT_FILE: site.sim.certs.root,
    // session-delete's spelling
    CTRLQ_AUTH_USER_DIR: 'DELDIR',
    CTRLQ_AUTH_USER_ID: 'del_admin',
    CTRLQ_AUTH_CERT_FILE: site.sim.certs.client,
    CTRLQ_AUTH_CERT_KEY_FILE: site.sim.certs.clientKey,
    CTRLQ_AUTH_ROOT_CERT_FILE: site.sim.certs.root,
  };
}

describe('environment spellings, when both are set', () => {
  it('session-delete reads CTRLQ_AUTH_* first, as Ctrl-Q does', async () => {
    const env = { ...bothSpellings(), CTRLQ_CERT_FILE: '/nonexistent/client.pem' };
    const result = await runCli(['qseow', 'session-delete', '--host-proxy', site.central, '--session-virtual-proxy', 'finance', '--session-id', T1], { env });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(proxyRequests(site.sim, 'DELETE'), [`Central /qps/finance/session/${T1}`]);
    assert.ok(site.sim.requests.length > 0 && site.sim.requests.every((r) => r.user === 'UserDirectory=DELDIR; UserId=del_admin'));
  });

  it('session-get reads CTRLQ_USER_DIR, CTRLQ_CERT_FILE, … first, as Ctrl-Q does', async () => {
    const env = { ...bothSpellings(), CTRLQ_AUTH_CERT_FILE: '/nonexistent/client.pem' };
    const result = await runCli(['qseow', 'session-get'], { env });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(sessionRows(result).length, 5);
    assert.ok(site.sim.requests.length > 0 && site.sim.requests.every((r) => r.user === 'UserDirectory=GETDIR; UserId=get_admin'));
  });

  it("session-delete's help lists CTRLQ_AUTH_* first", async () => {
    const result = await runCli(['qseow', 'session-delete', '--help']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /\[env:\s+CTRLQ_AUTH_CERT_FILE,\s+CTRLQ_CERT_FILE\]/);
    const get = await runCli(['qseow', 'session-get', '--help']);
    assert.match(get.stdout, /\[env:\s+CTRLQ_CERT_FILE,\s+CTRLQ_AUTH_CERT_FILE\]/);
  });
});

describe("Ctrl-Q 3.x's command path", () => {
  const NOTICE = (command: string): string =>
    `note: 'ctrl-q ${command}' is Ctrl-Q 3.x's name for 'ctrl-q qseow ${command}'; running that (use the qseow form in scripts)\n`;

  it('ctrl-q session-get runs qseow session-get, with one notice line on stderr', async () => {
    const result = await runCli(['session-get', ...site.sim.cliArgs(), '--log-level', 'error']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, NOTICE('session-get'));
    assert.equal(sessionRows(result).length, 5);
  });

  it('ctrl-q session-delete runs qseow session-delete', async () => {
    const result = await runCli(['session-delete', ...site.sim.cliArgs(), '--host-proxy', site.central, '--session-virtual-proxy', 'finance', '--session-id', T2, '--output-format', 'json']);
    assert.equal(result.code, 0, result.stderr);
    assert.ok(result.stderr.startsWith(NOTICE('session-delete')), result.stderr);
    assert.deepEqual(proxyRequests(site.sim, 'DELETE'), [`Central /qps/finance/session/${T2}`]);
  });

  it('the qseow form prints no notice', async () => {
    const result = await runCli(getArgs(site.sim.cliArgs(), '--log-level', 'error'));
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, '');
  });
});

describe('sorting', () => {
  it("sorts text with the locale's collation, as Ctrl-Q's localeCompare does", async () => {
    for (const [UserId, SessionId] of [['Åsa', 's-1'], ['Zed', 's-2'], ['Émile', 's-3'], ['bob', 's-4']] as const) {
      site.sim.addSession({ node: 'Central', prefix: 'finance', UserDirectory: 'LAB', UserId, SessionId });
    }
    const args = getArgs(site.sim.cliArgs(), '--session-virtual-proxy', 'finance', '--sort-by', 'userid', '--log-level', 'error');
    const users = async (env: Record<string, string>): Promise<string[]> => {
      const result = await runCli(args, { env });
      assert.equal(result.code, 0, result.stderr);
      return sessionRows(result).map((r) => r.userId);
    };
    assert.deepEqual(await users({ LANG: 'en_US.UTF-8' }), ['Åsa', 'bob', 'Émile', 'testuser_1', 'testuser_2', 'Zed']);
    assert.deepEqual(await users({ LANG: 'sv_SE.UTF-8' }), ['bob', 'Émile', 'testuser_1', 'testuser_2', 'Zed', 'Åsa']);
  });
});

describe('delete result lines', () => {
  it('go to stderr (Ctrl-Q printed them on stdout): stdout stays empty with --output-format text', async () => {
    const result = await runCli(deleteArgs(site.sim.cliArgs(), '--host-proxy', site.central, '--session-virtual-proxy', 'finance', '--session-id', T1));
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /^Deleted 1 session$/m);
  });
});
