/**
 * session-get end to end: the built bin against the simulator's seed site, asserting stdout, stderr,
 * exit code and the requests the simulator saw.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { getArgs, runCli } from '../helpers/cli.js';
import { sessionRows as json } from '../helpers/output.js';
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

function qpsRequests(): { target: string; path: string }[] {
  return sim.requests.filter((r) => r.target !== 'qrs').map((r) => ({ target: r.target, path: r.path }));
}

describe('session-get: JSON output', () => {
  it('prints exactly one JSON array with Ctrl-Q fields and value formats, sorted by prefix', async () => {
    const result = await runCli(getArgs(sim.cliArgs()));
    assert.equal(result.code, 0, result.stderr);
    const rows = json(result);
    assert.deepEqual(
      rows.map((r) => `${r.vpPrefix}|${r.userId}`),
      ['|goran', 'finance|testuser_1', 'finance|testuser_2', 'win|testuser_3', 'win|testuser_4'],
    );
    assert.deepEqual(rows[1], {
      vpDescription: 'finance virtual proxy',
      vpPrefix: 'finance',
      vpSessionCookieHeaderName: 'X-Qlik-Session-finance',
      proxyHost: central,
      proxyName: 'Central',
      proxyFull: `Central:\n${central}`,
      loadBalancingNodes: `Central: ${central}\ndev1: ${dev1}`,
      userDir: 'LAB',
      userId: 'testuser_1',
      userName: '',
      attributes: '',
      sessionId: '55142b14-8d2d-43b3-a522-4b2fb46b2798',
    });
    assert.ok(result.stdout.endsWith(']\n'));
    // The proxy table and the unlinked-VP warnings go to stderr, never stdout.
    assert.match(result.stderr, /Available proxy services/);
    assert.match(result.stderr, /Virtual proxy is not linked to any proxy\. Prefix="mobile", Session cookie header name="X-Qlik-Session-mob"/);
    assert.doesNotMatch(result.stdout, /Available proxy services|warn/);
  });

  for (const level of ['error', 'warn', 'info', 'verbose', 'debug', 'silly']) {
    it(`keeps stdout pure JSON at --log-level ${level}`, async () => {
      const result = await runCli(getArgs(sim.cliArgs(), '--log-level', level));
      assert.equal(result.code, 0, result.stderr);
      assert.equal(json(result).length, 5);
      if (level === 'error') assert.equal(result.stderr, '');
    });
  }

  it('renders attributes as "key: value" lines and user names', async () => {
    const added = sim.addSession({
      node: 'dev1',
      prefix: 'jwt',
      UserDirectory: 'LAB',
      UserId: 'anna',
      UserName: 'Anna Andersson',
      Attributes: [{ group: 'Finance' }, { group: 'Sales' }, { email: '' }],
      SessionId: 'not-a-guid:42',
    });
    try {
      const result = await runCli(getArgs(sim.cliArgs(), '--session-virtual-proxy', 'jwt'));
      assert.equal(result.code, 0, result.stderr);
      const rows = json(result);
      assert.equal(rows.length, 1);
      assert.equal(rows[0]?.userName, 'Anna Andersson');
      assert.equal(rows[0]?.attributes, 'group: Finance\ngroup: Sales\nemail: ');
      assert.equal(rows[0]?.sessionId, 'not-a-guid:42');
      assert.equal(rows[0]?.proxyFull, `dev1:\n${dev1}`);
    } finally {
      sim.removeSession(added.SessionId);
    }
  });

  it('sorts JSON by --sort-by (Ctrl-Q sorted only the table)', async () => {
    const result = await runCli(getArgs(sim.cliArgs(), '--sort-by', 'userid'));
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(
      json(result).map((r) => r.userId),
      ['goran', 'testuser_1', 'testuser_2', 'testuser_3', 'testuser_4'],
    );
  });
});

describe('session-get: requests', () => {
  it('asks QRS for virtual proxies and proxy services at once, then every linked pair; default VP at /qps/session', async () => {
    sim.clearRequests();
    const result = await runCli(getArgs(sim.cliArgs()));
    assert.equal(result.code, 0, result.stderr);
    const qrs = sim.requests.filter((r) => r.target === 'qrs');
    assert.deepEqual(qrs.map((r) => r.path).sort(), ['/qrs/proxyservice/full', '/qrs/virtualproxyconfig/full']);
    const firstQps = sim.requests.findIndex((r) => r.target !== 'qrs');
    assert.ok(sim.requests.slice(0, firstQps).length === 2, 'both QRS calls come before any QPS call');
    const paths = qpsRequests();
    assert.ok(paths.some((r) => r.target === 'Central' && r.path === '/qps/session'));
    assert.ok(!paths.some((r) => r.path.startsWith('/qps//')), 'no double slash for the default virtual proxy');
    assert.ok(paths.some((r) => r.target === 'dev1' && r.path === '/qps/sales/emea/session'), 'a prefix keeps its own slash');
    // Unlinked virtual proxies are never asked; linked ones only on their own nodes.
    assert.ok(!paths.some((r) => r.path === '/qps/mobile/session'));
    assert.ok(!paths.some((r) => r.target === 'dev1' && r.path === '/qps/win/session'));
    const pairs = new Set(paths.map((r) => `${r.target} ${r.path}`));
    assert.equal(pairs.size, paths.length, 'each pair is asked once');
    // X-Qlik-User carries --auth-user-dir/--auth-user-id on every request.
    for (const r of sim.requests) assert.match(r.user ?? '', /^UserDirectory=INTERNAL; ?UserId=sa_api$/);
  });

  it('filters virtual proxies in QRS with an escaped filter and asks only their pairs', async () => {
    sim.clearRequests();
    const result = await runCli(getArgs(sim.cliArgs(), '--session-virtual-proxy', 'finance', 'win'));
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(json(result).map((r) => r.userId), ['testuser_1', 'testuser_2', 'testuser_3', 'testuser_4']);
    const vpRequest = sim.requests.find((r) => r.path === '/qrs/virtualproxyconfig/full');
    assert.equal(vpRequest?.query.filter, "prefix eq 'finance' or prefix eq 'win'");
    assert.deepEqual(
      qpsRequests().map((r) => `${r.target} ${r.path}`).sort(),
      ['Central /qps/finance/session', 'Central /qps/win/session', 'dev1 /qps/finance/session'],
    );
  });

  it('keys virtual proxies by id: two VPs share prefix hdr, only the linked one is asked', async () => {
    sim.clearRequests();
    const result = await runCli(getArgs(sim.cliArgs(), '--session-virtual-proxy', 'hdr'));
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(json(result), []);
    assert.match(result.stderr, /Prefix="hdr", Session cookie header name="X-Qlik-Session-hdr-dev"/);
    assert.deepEqual(qpsRequests(), [{ target: 'Central', path: '/qps/hdr/session' }]);
  });

  it('limits the listing to --host-proxy nodes', async () => {
    sim.clearRequests();
    const result = await runCli(getArgs(sim.cliArgs(), '--host-proxy', dev1));
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(json(result), []);
    // One list per virtual proxy linked to dev1, and none from Central (sent in parallel: compared sorted).
    assert.deepEqual(
      qpsRequests().map((r) => `${r.target} ${r.path}`).sort(),
      ['dev1 /qps/dev-hdr/session', 'dev1 /qps/dev/session', 'dev1 /qps/finance/session', 'dev1 /qps/jwt/session', 'dev1 /qps/sales/emea/session'],
    );
  });

  it('refuses an unknown --host-proxy with one line naming the valid hosts, before any QPS request', async () => {
    sim.clearRequests();
    const result = await runCli(getArgs(sim.cliArgs(), '--host-proxy', 'pro2-win9.lab'));
    assert.equal(result.code, 2);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, new RegExp(`error: unknown --host-proxy 'pro2-win9.lab': the proxy host names on this site are ${central}, ${dev1}`));
    assert.doesNotMatch(result.stderr, /\n\s+at /);
    assert.deepEqual(qpsRequests(), []);
  });

  it('uses --qps-port for every node when given', async () => {
    sim.clearRequests();
    const result = await runCli(getArgs(sim.cliArgs(), '--qps-port', '1', '--session-virtual-proxy', 'finance'));
    assert.equal(result.code, 1, 'every pair failed: exit 1');
    assert.equal(result.stdout, '');
    assert.match(result.stderr, new RegExp(`cannot connect to QPS at ${central.replace(/\./g, '\\.')}:1: connection refused`));
    assert.deepEqual(qpsRequests(), []);
  });
});

describe('session-get: table output', () => {
  it("prints Ctrl-Q's header block and ten columns on stdout, zero counts included", async () => {
    const result = await runCli(getArgs(sim.cliArgs(), '--output-format', 'table'));
    assert.equal(result.code, 0, result.stderr);
    const out = result.stdout;
    assert.match(out, /Total number of sessions: 5\n/);
    assert.match(out, new RegExp(`Sessions per proxy service:\n {3}Central: ${central}: 5\n {3}dev1: ${dev1}: 0\n`));
    for (const title of [
      'Virtual proxy description',
      'Virtual proxy prefix',
      'Virtual proxy session cookie header',
      'Linked proxy service',
      'Load balancing nodes',
      'Session user directory',
      'Session user ID',
      'Session user name',
      'Session attributes',
      'Session ID',
    ]) {
      assert.ok(out.includes(` ${title} `), title);
    }
    const order = ['goran', 'testuser_1', 'testuser_2', 'testuser_3', 'testuser_4'].map((u) => out.indexOf(` ${u} `));
    assert.deepEqual([...order].sort((a, b) => a - b), order);
    assert.ok(order.every((i) => i > 0));
  });

  it('sorts the table by --sort-by', async () => {
    sim.addSession({ node: 'Central', prefix: '', UserDirectory: 'AAA', UserId: 'zed', SessionId: 'sort-probe' });
    try {
      const result = await runCli(getArgs(sim.cliArgs(), '--output-format', 'table', '-s', 'userdir'));
      assert.equal(result.code, 0, result.stderr);
      assert.ok(result.stdout.indexOf(' zed ') < result.stdout.indexOf(' goran '));
    } finally {
      sim.removeSession('sort-probe');
    }
  });

  it('exits 2 for an --output-format outside json|table, nothing sent', async () => {
    sim.clearRequests();
    const result = await runCli(getArgs(sim.cliArgs(), '--output-format', 'xml'));
    assert.equal(result.code, 2);
    assert.match(result.stderr, /argument 'xml' is invalid/);
    assert.equal(sim.requests.length, 0);
  });
});

describe('session-get: environment variables', () => {
  function envFromArgs(args: readonly string[], names: Record<string, string>): Record<string, string> {
    const env: Record<string, string> = {};
    for (let i = 0; i < args.length; i += 2) {
      const name = names[args[i] as string];
      if (name) env[name] = args[i + 1] as string;
    }
    return env;
  }

  it("accepts session-get's CTRLQ_* names", async () => {
    const env = envFromArgs(sim.cliArgs(), {
      '--host': 'CTRLQ_HOST',
      '--qrs-port': 'CTRLQ_QRS_PORT',
      '--auth-user-dir': 'CTRLQ_USER_DIR',
      '--auth-user-id': 'CTRLQ_USER_ID',
      '--auth-cert-file': 'CTRLQ_CERT_FILE',
      '--auth-cert-key-file': 'CTRLQ_CERT_KEY_FILE',
      '--auth-root-cert-file': 'CTRLQ_ROOT_CERT_FILE',
    });
    const result = await runCli(['qseow', 'session-get'], { env: { ...env, CTRLQ_OUTPUT_FORMAT: 'json', CTRLQ_SORT_BY: 'userid' } });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(json(result).length, 5);
  });

  it("accepts session-delete's CTRLQ_AUTH_* spellings too", async () => {
    const env = envFromArgs(sim.cliArgs(), {
      '--host': 'CTRLQ_HOST',
      '--qrs-port': 'CTRLQ_QRS_PORT',
      '--auth-user-dir': 'CTRLQ_AUTH_USER_DIR',
      '--auth-user-id': 'CTRLQ_AUTH_USER_ID',
      '--auth-cert-file': 'CTRLQ_AUTH_CERT_FILE',
      '--auth-cert-key-file': 'CTRLQ_AUTH_CERT_KEY_FILE',
      '--auth-root-cert-file': 'CTRLQ_AUTH_ROOT_CERT_FILE',
    });
    const result = await runCli(['qseow', 'session-get'], { env });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(json(result).length, 5);
  });

  it('splits multi-value variables like a shell, and the command line beats the environment', async () => {
    sim.clearRequests();
    const viaEnv = await runCli(getArgs(sim.cliArgs()), {
      env: { CTRLQ_SESSION_VIRTUAL_PROXY: 'finance "win"', CTRLQ_HOST_PROXY: `${central} ${dev1}`, CTRLQ_OUTPUT_FORMAT: 'table' },
    });
    assert.equal(viaEnv.code, 0, viaEnv.stderr);
    assert.match(viaEnv.stdout, /Total number of sessions: 4/);
    const filter = sim.requests.find((r) => r.path === '/qrs/virtualproxyconfig/full')?.query.filter;
    assert.equal(filter, "prefix eq 'finance' or prefix eq 'win'");

    const overridden = await runCli(getArgs(sim.cliArgs(), '--session-virtual-proxy', 'win', '--output-format', 'json'), {
      env: { CTRLQ_SESSION_VIRTUAL_PROXY: 'finance', CTRLQ_OUTPUT_FORMAT: 'table' },
    });
    assert.equal(overridden.code, 0, overridden.stderr);
    assert.deepEqual(json(overridden).map((r) => r.userId), ['testuser_3', 'testuser_4']);
  });

  it('validates choices that come from the environment', async () => {
    const result = await runCli(getArgs(sim.cliArgs()), { env: { CTRLQ_SORT_BY: 'colour' } });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /CTRLQ_SORT_BY value 'colour' is invalid/);
  });

  it('reads --secure in any case and warns when it is off', async () => {
    for (const value of ['FALSE', 'no', '0']) {
      const result = await runCli(getArgs(sim.cliArgs(), '--secure', value));
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stderr, /--secure false: server certificates are not checked/);
    }
    const bad = await runCli(getArgs(sim.cliArgs(), '--secure', 'maybe'));
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /option '--secure' must be true or false, got 'maybe'/);
  });
});
