/**
 * The exit code when nothing could be read, in process against the simulator: every (virtual
 * proxy, proxy node) pair failing ends with the first pair's error and its exit code (4 for a
 * refusal, 1 for a server error), and a usage error met by --wait-until-empty ends the run at once
 * instead of being retried until the deadline.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { runMain } from '../helpers/in-process.js';
import { loadScenario } from '../simulator/scenario.js';
import { startSimulator, type Simulator } from '../simulator/server.js';

let sim: Simulator;
before(async () => {
  sim = await startSimulator({ scenario: loadScenario('seed') });
});
after(() => sim.stop());
beforeEach(async () => {
  for (const target of ['qrs', ...sim.nodes.map((n) => n.name)]) await sim.setFault(target, undefined);
  sim.clearRequests();
});

/** session-get on the `finance` virtual proxy: two pairs, Central then dev1. */
const getFinance = (...extra: string[]): string[] => ['qseow', 'session-get', ...sim.cliArgs(), '--session-virtual-proxy', 'finance', ...extra];
const lastLines = (stderr: string, n: number): string[] => stderr.trimEnd().split('\n').slice(-n);

describe('every pair failed: the first error decides the exit code', () => {
  it('every node refusing with 403: exit 4, the refusal and its hint', async () => {
    for (const node of sim.nodes) await sim.setFault(node.name, { kind: 'status', status: 403, body: 'Forbidden' });
    const r = await runMain(getFinance());
    const central = sim.node('Central');
    assert.equal(r.code, 4, r.stderr);
    assert.equal(r.stdout, '');
    assert.deepEqual(lastLines(r.stderr, 2), [
      `error: QPS GET /qps/finance/session on ${central.address}:${central.port} was refused: HTTP 403 (Forbidden)`,
      'Check that the client certificate was exported from this Qlik Sense site and that --auth-user-dir/--auth-user-id name a user that may do this.',
    ]);
  });

  it('every node answering 500: exit 1', async () => {
    for (const node of sim.nodes) await sim.setFault(node.name, { kind: 'status', status: 500, body: 'boom' });
    const r = await runMain(getFinance());
    const central = sim.node('Central');
    assert.equal(r.code, 1, r.stderr);
    assert.deepEqual(lastLines(r.stderr, 1), [`error: QPS GET /qps/finance/session on ${central.address}:${central.port} failed: HTTP 500 (boom)`]);
  });
});

describe('--wait-until-empty and a usage error', () => {
  it('an unknown virtual proxy ends the wait at the first check: exit 2, one reading of QRS', async () => {
    const r = await runMain(['qseow', 'session-get', ...sim.cliArgs(), '--wait-until-empty', '3', '--watch', '0.5', '--session-virtual-proxy', 'nosuch']);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(
      r.stderr,
      'error: unknown --session-virtual-proxy \'nosuch\': the virtual proxy prefixes on this site are "" (default), anon, api, audit, dev, dev-hdr, ' +
        'extranet, finance, hdr, hdr-access1, hdr-access2, hr, it, jwt, marketing, mashup, mobile, monitor, oidc, ops, partner, sales, sales/emea, ' +
        'saml, test, ticket, training, win\n',
    );
    // The virtual proxies asked for, the proxy services, then all virtual proxies to name them: once.
    assert.deepEqual(
      sim.requests.map((q) => `${q.target} ${q.method} ${q.path}`),
      ['qrs GET /qrs/virtualproxyconfig/full', 'qrs GET /qrs/proxyservice/full', 'qrs GET /qrs/virtualproxyconfig/full'],
    );
  });
});
