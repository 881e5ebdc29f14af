/**
 * --concurrency (requests in flight to each proxy node) and --max-concurrency (to all nodes
 * together), end to end: the simulator counts what is in flight, per node and in all. The latency
 * only makes requests overlap (all requests of a round are sent at once and held that long); no
 * test here looks at a clock.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { deleteArgs, getArgs, runCli } from '../helpers/cli.js';
import { largeScenario } from '../simulator/scenario.js';
import { startSimulator, type Simulator } from '../simulator/server.js';

let sim: Simulator;

before(async () => {
  // 3 nodes × 2 virtual proxies × 2 sessions: 6 session lists, 12 sessions.
  sim = await startSimulator({ scenario: largeScenario({ virtualProxies: 2, nodes: 3, sessionsPerVpPerNode: 2 }) });
});
after(async () => {
  await sim.stop();
});

function freshCount(): void {
  sim.clearRequests();
  sim.resetStats();
}

describe('--concurrency is per proxy node, --max-concurrency caps all nodes together', () => {
  it('session-get: one list per node at once, so 3 in all under a cap of 4; every list read', async () => {
    // Long enough that a round's TLS handshakes all land while its first request is still held.
    sim.setLatency(2000);
    freshCount();
    try {
      const result = await runCli(getArgs(sim.cliArgs(), '--concurrency', '1', '--max-concurrency', '4', '--timeout', '30'));
      assert.equal(result.code, 0, result.stderr);
      assert.equal((JSON.parse(result.stdout) as unknown[]).length, 12);
    } finally {
      sim.setLatency(0);
    }
    assert.equal(sim.stats.qpsRequests, 6);
    assert.equal(sim.stats.peakPerNode, 1);
    assert.equal(sim.stats.peakConcurrent, 3);
  });

  it('session-delete: the DELETEs too, from the environment (CTRLQ_CONCURRENCY, CTRLQ_MAX_CONCURRENCY)', async () => {
    sim.setLatency(2000);
    freshCount();
    try {
      const result = await runCli(deleteArgs(sim.cliArgs(), '--host-proxy', ...sim.nodes.map((n) => n.address), '--session-virtual-proxy', '', '--yes', '--output-format', 'json', '--timeout', '30'), {
        env: { CTRLQ_CONCURRENCY: '1', CTRLQ_MAX_CONCURRENCY: '2' },
      });
      assert.equal(result.code, 0, result.stderr);
    } finally {
      sim.setLatency(0);
    }
    const deletes = sim.requests.filter((r) => r.method === 'DELETE');
    assert.equal(deletes.length, 6, 'two sessions on each of the three nodes');
    assert.equal(sim.stats.peakPerNode, 1);
    assert.equal(sim.stats.peakConcurrent, 2);
  });

  for (const [name, args, env, message] of [
    ['--max-concurrency 0', ['--max-concurrency', '0'], {}, "option '--max-concurrency' must be a whole number from 1 to 1024, got '0'"],
    ['CTRLQ_MAX_CONCURRENCY=2000', [], { CTRLQ_MAX_CONCURRENCY: '2000' }, "option '--max-concurrency' must be a whole number from 1 to 1024, got '2000'"],
  ] as const) {
    it(`${name} is a usage error (exit 2), nothing sent`, async () => {
      freshCount();
      const result = await runCli(getArgs(sim.cliArgs(), ...args), { env });
      assert.equal(result.code, 2, result.stderr);
      assert.ok(result.stderr.includes(message), result.stderr);
      assert.equal(sim.requests.length, 0);
    });
  }
});

describe('connections to one host after the first resume its TLS session', () => {
  it('session-get: one full handshake per host (QRS and each node), every other connection resumed', async () => {
    // Held long enough that each node's lists all need a connection of their own.
    sim.setLatency(1000);
    freshCount();
    try {
      const result = await runCli(getArgs(sim.cliArgs(), '--concurrency', '2', '--timeout', '30'));
      assert.equal(result.code, 0, result.stderr);
      // The session-delete test above may have run first: what the site has now is what is listed.
      assert.equal((JSON.parse(result.stdout) as unknown[]).length, sim.sessionCount());
    } finally {
      sim.setLatency(0);
    }
    assert.equal(sim.stats.peakPerNode, 2, 'two lists on each node at once: two connections to each');
    const hosts = 1 + sim.nodes.length;
    assert.equal(sim.stats.tlsHandshakes - sim.stats.tlsResumed, hosts, `${sim.stats.tlsHandshakes} handshakes, ${sim.stats.tlsResumed} resumed`);
    assert.ok(sim.stats.tlsResumed >= sim.nodes.length, `${sim.stats.tlsResumed} resumed`);
  });
});
