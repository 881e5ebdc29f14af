/**
 * The wording of messages a user reads when something is off: each one pinned, exactly.
 */
import { beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { deleteArgs, getArgs, runCli } from '../helpers/cli.js';
import { resetToScenario, useSeedSite } from '../helpers/site.js';

const site = useSeedSite();
beforeEach(() => resetToScenario(site.sim));

/** The simulator's connection with another --host / --qrs-port. */
function connectTo(host: string, port: number): string[] {
  const args = site.sim.cliArgs();
  args[args.indexOf('--host') + 1] = host;
  args[args.indexOf('--qrs-port') + 1] = String(port);
  return args;
}

describe('messages', () => {
  it('a host name the server certificate does not cover: the name used and every name it covers', async () => {
    // The simulator's own server certificate, served from a loopback address it does not name.
    const stranger = createServer({ key: site.sim.siteCerts.pem.serverKey, cert: site.sim.siteCerts.pem.server }, (_req, res) => res.end());
    await new Promise<void>((resolve) => stranger.listen(0, '127.0.0.9', resolve));
    try {
      const port = (stranger.address() as AddressInfo).port;
      const result = await runCli(getArgs(connectTo('127.0.0.9', port)));
      assert.equal(result.code, 4, result.stderr);
      assert.equal(result.stdout, '');
      assert.deepEqual(result.stderr.trimEnd().split('\n'), [
        `error: host name '127.0.0.9' is not in the server certificate of QRS at 127.0.0.9:${port}; the certificate covers ` +
          'localhost, pro2-win1.lab.ptarmiganlabs.net, pro2-win2.lab.ptarmiganlabs.net, 127.0.0.1, 127.0.0.2, 127.0.0.3',
        'Connect with a name the certificate covers (for proxy nodes, the host names QRS lists), or skip the check with --secure false.',
      ]);
    } finally {
      stranger.closeAllConnections();
      await new Promise((resolve) => stranger.close(resolve));
    }
  });

  it('HTTP 404 from QRS hints that --host/--qrs-port may point at a proxy node (QPS) instead', async () => {
    const qps = site.sim.node('Central');
    const result = await runCli(getArgs(connectTo(qps.address, qps.port)));
    assert.equal(result.code, 1, result.stderr);
    const lines = result.stderr.trimEnd().split('\n');
    assert.match(lines.at(-2) ?? '', new RegExp(`^error: QRS GET /qrs/\\S+ on ${qps.address.replace(/\./g, '\\.')}:${qps.port} failed: HTTP 404`));
    assert.equal(
      lines.at(-1),
      `QRS has these paths, so ${qps.address}:${qps.port} may not be QRS: check that --host and --qrs-port point at the repository service (QRS, port 4242), not at a proxy node (QPS, port 4243).`,
    );
  });

  it('a 404 from a proxy node has no such hint', async () => {
    await site.sim.setFault('dev1', { kind: 'status', status: 404, body: 'Not Found' });
    const result = await runCli(getArgs(site.sim.cliArgs(), '--host-proxy', site.dev1));
    assert.doesNotMatch(result.stderr, /QRS has these paths/);
  });

  it('one session is "1 session"; the default virtual proxy is named without double brackets', async () => {
    const result = await runCli(deleteArgs(site.sim.cliArgs(), '--host-proxy', site.central, '--session-virtual-proxy', '', '--dry-run'));
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /^Dry run: would delete 1 session on 1 proxy node \(127\.0\.0\.2\) and 1 virtual proxy \(the default one\); nothing was deleted$/m);
  });

  it('an empty plan is "0 sessions", without empty brackets', async () => {
    const result = await runCli(deleteArgs(site.sim.cliArgs(), '--host-proxy', site.dev1, '--session-virtual-proxy', 'dev', '--dry-run'));
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /^Dry run: would delete 0 sessions; nothing was deleted$/m);
    assert.doesNotMatch(result.stderr, /\(\)/);
  });

  it('a partial delete says how many failed, were deleted and were not found, in one complete sentence', async () => {
    await site.sim.setFault('Central', { kind: 'status', status: 500, body: 'boom', methods: ['DELETE'], times: 1 });
    const result = await runCli(deleteArgs(site.sim.cliArgs(), '--host-proxy', site.central, '--session-virtual-proxy', 'win', '--yes', '--concurrency', '1'));
    assert.equal(result.code, 3, result.stderr);
    assert.match(result.stderr, /^Deleted 1 session$/m);
    assert.match(result.stderr, /^error: 1 of 2 sessions could not be deleted \(1 deleted, 0 not found\)$/m);
  });

  it('--wait-until-empty counts in the singular and shows durations in one format', async () => {
    const result = await runCli(getArgs(site.sim.cliArgs(), '--session-virtual-proxy', '', '--wait-until-empty', '0.05', '--watch', '2'));
    assert.equal(result.code, 5, result.stderr);
    assert.match(result.stderr, /^Still connected: 1 session of 1 user \(LAB\\goran\); next check in (\d|\d\.\d) s, (\d|\d\.\d) s left$/m);
    assert.match(result.stderr, /^error: still connected after 3 s: 1 session of 1 user: LAB\\goran$/m);
  });
});
