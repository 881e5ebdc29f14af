/**
 * Issue 12 item 2 end to end: QRS answers are checked against the question. Virtual proxies not
 * asked for are dropped, proxy host names that are not host names are never connected to, prefixes
 * that cannot be addressed are never sent, and --host refuses a backslash.
 */
import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { deleteArgs, getArgs, runCli } from '../helpers/cli.js';
import { cloneScenario, loadScenario, type Scenario } from '../simulator/scenario.js';
import { startSimulator, type Simulator } from '../simulator/server.js';

let sim: Simulator;
let central: string;

before(async () => {
  sim = await startSimulator({ scenario: loadScenario('seed') });
  central = sim.node('Central').address;
});
after(async () => {
  await sim.stop();
});

/** Back to the seed sessions, a well-behaved QRS, an empty request log. */
afterEach(() => {
  sim.setQrsQuirks({});
  for (const s of sim.sessions()) sim.removeSession(s.SessionId, { node: s.node, prefix: s.prefix });
  for (const s of sim.scenario.sessions) {
    sim.addSession({ node: s.node, virtualProxyId: s.virtualProxyId, UserDirectory: s.UserDirectory, UserId: s.UserId, SessionId: s.SessionId });
  }
  sim.clearRequests();
});

const qpsRequests = (s: Simulator = sim): string[] =>
  s.requests.filter((r) => r.target !== 'qrs').map((r) => `${r.target} ${r.method} ${r.path}`).sort();

describe('a QRS that ignores the filter', () => {
  const DROPPED = /warn: QRS returned 28 virtual proxies that were not asked for \(it did not apply the filter\); they are left alone, not read: "" \(default\), win, mobile, hdr, hdr, hdr-access1, sales\/emea, jwt, /;

  it('session-get: only the asked virtual proxy is read, the others are dropped with one warning', async () => {
    sim.setQrsQuirks({ ignoreFilter: true });
    const result = await runCli(getArgs(sim.cliArgs(), '--session-virtual-proxy', 'finance'));
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual((JSON.parse(result.stdout) as { vpPrefix: string }[]).map((r) => r.vpPrefix), ['finance', 'finance']);
    assert.match(result.stderr, DROPPED);
    assert.deepEqual(qpsRequests(), ['Central GET /qps/finance/session', 'dev1 GET /qps/finance/session']);
  });

  it('session-delete --session-virtual-proxy finance --yes deletes finance only, never the whole node', async () => {
    sim.setQrsQuirks({ ignoreFilter: true });
    const result = await runCli(deleteArgs(sim.cliArgs(), '--host-proxy', central, '--session-virtual-proxy', 'finance', '--yes'));
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, DROPPED);
    assert.deepEqual(sim.sessions().map((s) => s.prefix).sort(), ['', 'win', 'win']);
    assert.deepEqual(
      qpsRequests().filter((r) => r.includes(' DELETE ')),
      sim.scenario.sessions
        .filter((s) => s.virtualProxyId === '93c63d37-5f74-4bbd-8019-b9ca13368b36')
        .map((s) => `Central DELETE /qps/finance/session/${s.SessionId}`)
        .sort(),
    );
  });

  it('one virtual proxy not asked for: the warning says "1 virtual proxy"', async () => {
    sim.setQrsQuirks({ ignoreFilter: true });
    // Every prefix of the site but mobile's (an unlinked one), so QRS's unfiltered answer holds one extra.
    const asked = [...new Set(sim.scenario.virtualProxies.map((vp) => vp.prefix))].filter((prefix) => prefix !== 'mobile');
    const result = await runCli(getArgs(sim.cliArgs(), '--session-virtual-proxy', ...asked));
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stderr,
      /^warn: QRS returned 1 virtual proxy that was not asked for \(it did not apply the filter\); it is left alone, not read: mobile$/m,
    );
  });
});

describe('proxy host names from QRS that are not host names', () => {
  for (const hostile of ['evil@127.0.0.3', '127.0.0.3#x', '127.0.0.3/x', '127.0.0.3\\x', '127.0.0.3:1', 'a b', '[::1]']) {
    it(`'${hostile}': that node is unread (exit 3), no connection is made to it, the other node is read`, async () => {
      sim.setQrsQuirks({ hostNames: { dev1: hostile } });
      const result = await runCli(getArgs(sim.cliArgs(), '--session-virtual-proxy', 'finance', 'win'));
      assert.equal(result.code, 3, result.stderr);
      assert.equal((JSON.parse(result.stdout) as unknown[]).length, 4, 'Central read in full');
      const port = sim.node('dev1').port;
      assert.ok(
        result.stderr.includes(
          `error: Could not get sessions for virtual proxy 'finance' on dev1 (${hostile}:${port}): not read: its host name from QRS, '${hostile}', is not a host name or IP address; no connection was made\n`,
        ),
        result.stderr,
      );
      assert.deepEqual(qpsRequests(), ['Central GET /qps/finance/session', 'Central GET /qps/win/session']);
    });
  }

  it('session-delete on both nodes: Central is done, the hostile node is reported unread, exit 3', async () => {
    sim.setQrsQuirks({ hostNames: { dev1: 'evil@127.0.0.3' } });
    const result = await runCli(
      deleteArgs(sim.cliArgs(), '--host-proxy', central, 'evil@127.0.0.3', '--session-virtual-proxy', 'finance', '--yes'),
    );
    assert.equal(result.code, 3, result.stderr);
    assert.match(result.stderr, /not read: its host name from QRS, 'evil@127\.0\.0\.3', is not a host name or IP address; no connection was made/);
    assert.equal(sim.sessionCount({ prefix: 'finance' }), 0);
    assert.deepEqual(qpsRequests().filter((r) => r.startsWith('dev1 ')), []);
  });
});

describe('prefixes from QRS that cannot be addressed', () => {
  let hostile: Simulator;
  /** Three unaddressable prefixes beside `b`, which `a/../b` would reach, all on Central. */
  function hostileScenario(): Scenario {
    const s = cloneScenario(loadScenario('seed'));
    const vp = (id: string, prefix: string): Scenario['virtualProxies'][number] => ({
      id,
      prefix,
      description: `prefix ${prefix}`,
      sessionCookieHeaderName: `X-Qlik-Session-${id}`,
      defaultVirtualProxy: false,
      linkedNodes: ['Central'],
      loadBalancingServerNodes: ['Central'],
    });
    s.virtualProxies.push(vp('aaaaaaaa-0000-4000-8000-000000000001', '..'), vp('aaaaaaaa-0000-4000-8000-000000000002', 'a/../b'));
    s.virtualProxies.push(vp('aaaaaaaa-0000-4000-8000-000000000003', 'a//b'), vp('aaaaaaaa-0000-4000-8000-000000000004', 'b'));
    s.sessions.push({ node: 'Central', virtualProxyId: 'aaaaaaaa-0000-4000-8000-000000000004', UserDirectory: 'LAB', UserId: 'bea', Attributes: [], SessionId: 'b-1' });
    return s;
  }
  before(async () => {
    hostile = await startSimulator({ scenario: hostileScenario() });
  });
  after(async () => {
    await hostile.stop();
  });
  afterEach(() => hostile.clearRequests());

  it('session-get: each is reported, none is sent, the rest is read (exit 3)', async () => {
    const result = await runCli(getArgs(hostile.cliArgs(), '--output-format', 'summary-json'));
    assert.equal(result.code, 3, result.stderr);
    const where = `on Central (${hostile.node('Central').address}:${hostile.node('Central').port})`;
    for (const prefix of ['..', 'a/../b', 'a//b']) {
      assert.ok(
        result.stderr.includes(
          `error: Could not get sessions for virtual proxy '${prefix}' ${where}: not read: the prefix '${prefix}' from QRS has an empty, '.' or '..' segment and cannot be addressed in a URL path; nothing was sent\n`,
        ),
        `${prefix}\n${result.stderr}`,
      );
    }
    const doc = JSON.parse(result.stdout) as { total: number; complete: boolean; perVirtualProxy: { prefix: string; sessions: number | null }[] };
    assert.equal(doc.total, 6);
    assert.equal(doc.complete, false);
    assert.deepEqual(doc.perVirtualProxy.filter((vp) => vp.sessions === null).map((vp) => vp.prefix), ['..', 'a/../b', 'a//b']);
    const paths = qpsRequests(hostile);
    assert.equal(paths.filter((p) => p === 'Central GET /qps/b/session').length, 1, 'only b itself reads b');
    assert.deepEqual(paths.filter((p) => !/^(Central|dev1) GET \/qps\/[\w/-]*session$/.test(p) || p.includes('//') || p.includes('/.')), []);
    assert.equal(paths.filter((p) => p === 'Central GET /qps/session').length, 1, '.. never reaches the default virtual proxy');
  });

  it("session-delete --session-virtual-proxy 'a/../b' --yes: nothing sent, b's session stays (exit 1)", async () => {
    const result = await runCli(deleteArgs(hostile.cliArgs(), '--host-proxy', hostile.node('Central').address, '--session-virtual-proxy', 'a/../b', '--yes'));
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /error: not read: the prefix 'a\/\.\.\/b' from QRS has an empty, '\.' or '\.\.' segment and cannot be addressed in a URL path; nothing was sent\n/);
    assert.deepEqual(qpsRequests(hostile), []);
    assert.equal(hostile.sessionCount({ prefix: 'b' }), 1);
  });
});

describe('--host', () => {
  it("refuses '\\' as it refuses '/': exit 2, nothing sent", async () => {
    const args = sim.cliArgs();
    args[args.indexOf('--host') + 1] = '127.0.0.1\\evil';
    const result = await runCli(getArgs(args));
    assert.equal(result.code, 2, result.stderr);
    assert.equal(result.stderr, "error: option '--host <host>' must be a host name or IP address, got '127.0.0.1\\evil'\n");
    assert.deepEqual(sim.requests, []);
  });
});
