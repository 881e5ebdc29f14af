import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Agent } from 'node:https';
import { after, afterEach, before, describe, it } from 'node:test';
import { simRequest, type SimResponse } from '../helpers/qlik-request.js';
import { loadScenario } from '../simulator/scenario.js';
import { startSimulator, type Simulator } from '../simulator/server.js';
import { at } from '../simulator/at.js';

let sim: Simulator;
before(async () => {
  sim = await startSimulator({ scenario: loadScenario('seed') });
});
after(() => sim.stop());
afterEach(async () => {
  sim.setLatency(0);
  for (const t of ['qrs', ...sim.nodes.map((n) => n.name)]) await sim.setFault(t, undefined);
});

const code = (err: unknown): unknown => (err as { code?: unknown }).code;
const listFinance = (): Promise<SimResponse> => simRequest(sim, 'Central', { path: '/qps/finance/session' });

describe('fault: down', () => {
  it('a node stops listening (ECONNREFUSED) and comes back on the same address and port', async () => {
    const before = sim.node('dev1');
    await sim.setFault('dev1', { kind: 'down' });
    await assert.rejects(simRequest(sim, 'dev1', { path: '/qps/finance/session' }), (e: unknown) => code(e) === 'ECONNREFUSED');
    assert.equal((await listFinance()).status, 200, 'other nodes keep working');
    assert.equal((await simRequest(sim, 'qrs', { path: '/qrs/about' })).status, 200);
    await sim.setFault('dev1', undefined);
    assert.deepEqual(sim.node('dev1'), before);
    assert.equal((await simRequest(sim, 'dev1', { path: '/qps/finance/session' })).status, 200);
  });

  it('QRS can go down too', async () => {
    await sim.setFault('qrs', { kind: 'down' });
    await assert.rejects(simRequest(sim, 'qrs', { path: '/qrs/about' }), (e: unknown) => code(e) === 'ECONNREFUSED');
    await sim.setFault('qrs', undefined);
    assert.equal((await simRequest(sim, 'qrs', { path: '/qrs/about' })).status, 200);
  });

  it('going down drops open keep-alive connections', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      assert.equal((await simRequest(sim, 'Central', { path: '/qps/session', agent })).status, 200);
      const kept = Object.values(agent.freeSockets).flat();
      assert.equal(kept.length, 1, 'one idle keep-alive connection');
      const closed = once(kept[0] as NonNullable<(typeof kept)[number]>, 'close');
      await sim.setFault('Central', { kind: 'down' });
      // The server closes the idle connection; the deadline only guards against a hang.
      let guard: NodeJS.Timeout | undefined;
      await Promise.race([
        closed,
        new Promise((_, reject) => (guard = setTimeout(() => reject(new Error('the keep-alive connection was not closed')), 10_000))),
      ]).finally(() => clearTimeout(guard));
      // So the next request needs a new connection, and nothing listens any more.
      await assert.rejects(simRequest(sim, 'Central', { path: '/qps/session', agent }), (e: unknown) => code(e) === 'ECONNREFUSED');
    } finally {
      agent.destroy();
    }
  });

  it('unknown targets are refused', async () => {
    await assert.rejects(sim.setFault('nope', { kind: 'down' }), /unknown fault target/);
  });
});

describe('fault: status', () => {
  it('answers with the given status and body', async () => {
    await sim.setFault('Central', { kind: 'status', status: 503, body: 'Service Unavailable' });
    const res = await listFinance();
    assert.equal(res.status, 503);
    assert.equal(res.text, 'Service Unavailable');
    // faults win over the auth checks (the server is broken before it looks at the request)
    assert.equal((await simRequest(sim, 'Central', { path: '/qps/session', xrfkey: null })).status, 503);
  });

  it('methods limits the fault to those methods', async () => {
    await sim.setFault('Central', { kind: 'status', status: 500, methods: ['delete'] });
    assert.equal((await listFinance()).status, 200);
    const id = sim.addSession({ node: 'Central', prefix: 'finance', UserDirectory: 'LAB', UserId: 'x' }).SessionId;
    const del = await simRequest(sim, 'Central', { method: 'DELETE', path: `/qps/finance/session/${id}` });
    assert.equal(del.status, 500);
    assert.equal(sim.removeSession(id), 1, 'the failed DELETE did not remove the session');
  });

  it('afterRequests + times: healthy, then N failures, then healthy (retry testing)', async () => {
    await sim.setFault('Central', { kind: 'status', status: 500, afterRequests: 2, times: 2 });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await listFinance()).status);
    assert.deepEqual(statuses, [200, 200, 500, 500, 200, 200]);
  });

  it('QRS faults', async () => {
    await sim.setFault('qrs', { kind: 'status', status: 401, times: 1 });
    assert.equal((await simRequest(sim, 'qrs', { path: '/qrs/about' })).status, 401);
    assert.equal((await simRequest(sim, 'qrs', { path: '/qrs/about' })).status, 200);
  });
});

describe('fault: reset', () => {
  it('destroys the socket without answering; logged with status 0', async () => {
    await sim.setFault('dev1', { kind: 'reset', times: 1 });
    sim.clearRequests();
    // The socket is closed after the whole request was read, so the client sees an end without an
    // answer: Node's "socket hang up", code ECONNRESET (an RST with unread data would be "read ECONNRESET").
    await assert.rejects(simRequest(sim, 'dev1', { path: '/qps/finance/session' }), (e: unknown) => code(e) === 'ECONNRESET' && (e as Error).message === 'socket hang up');
    assert.equal(sim.requests.length, 1);
    assert.equal(sim.requests[0]?.status, 0);
    assert.equal((await simRequest(sim, 'dev1', { path: '/qps/finance/session' })).status, 200);
  });

  it('in the middle of a bulk delete: the reset DELETE leaves its session in place', async () => {
    const ids = Array.from({ length: 6 }, (_, i) => sim.addSession({ node: 'dev1', prefix: 'finance', UserDirectory: 'LAB', UserId: `bulk${i}` }).SessionId);
    await sim.setFault('dev1', { kind: 'reset', methods: ['DELETE'], afterRequests: 3, times: 1 });
    const outcome: string[] = [];
    for (const id of ids) {
      const res = await simRequest(sim, 'dev1', { method: 'DELETE', path: `/qps/finance/session/${id}` }).catch((e: unknown) => {
        // Only the reset is an outcome; any other failure fails the test.
        if (code(e) !== 'ECONNRESET') throw e;
        return 'reset' as const;
      });
      outcome.push(res === 'reset' ? res : String(res.status));
    }
    assert.deepEqual(outcome, ['200', '200', '200', 'reset', '200', '200']);
    assert.deepEqual(sim.sessions({ node: 'dev1', prefix: 'finance' }).map((s) => s.SessionId), [ids[3]]);
    sim.removeSession(at(ids, 3));
  });
});

describe('fault: slow, and the latency knob', () => {
  /** Resolve with the labels of `requests` in the order they completed. */
  async function completionOrder(requests: Record<string, Promise<SimResponse>>): Promise<string[]> {
    const order: string[] = [];
    await Promise.all(Object.entries(requests).map(async ([label, p]) => {
      assert.equal((await p).status, 200, label);
      order.push(label);
    }));
    return order;
  }
  const listOn = (target: string, s: Simulator = sim): Promise<SimResponse> =>
    simRequest(s, target, { path: target === 'qrs' ? '/qrs/about' : '/qps/finance/session' });

  it('a slowed node answers after a normal one; once its `times` are used up, before a slowed other node', async () => {
    // The delay only orders the answers; it is long so that a busy machine cannot reorder them.
    await sim.setFault('Central', { kind: 'slow', delayMs: 2000, times: 1 });
    assert.deepEqual(await completionOrder({ Central: listOn('Central'), dev1: listOn('dev1') }), ['dev1', 'Central']);
    await sim.setFault('dev1', { kind: 'slow', delayMs: 2000, times: 1 });
    assert.deepEqual(await completionOrder({ dev1: listOn('dev1'), Central: listOn('Central') }), ['Central', 'dev1']);
  });

  it('setLatency delays every request on every target', async () => {
    const plain = await startSimulator({ scenario: loadScenario('seed'), certDir: sim.certDir });
    try {
      sim.setLatency(2000);
      const targets = ['qrs', 'Central', 'dev1'];
      const order = await completionOrder(Object.fromEntries(targets.flatMap((t) => [[`slow ${t}`, listOn(t)], [`plain ${t}`, listOn(t, plain)]])));
      assert.deepEqual(order.slice(0, 3).sort(), ['plain Central', 'plain dev1', 'plain qrs']);
      assert.deepEqual(order.slice(3).sort(), ['slow Central', 'slow dev1', 'slow qrs']);
    } finally {
      await plain.stop();
    }
  });
});

describe('fault: malformed', () => {
  it('html: 200 with an HTML page', async () => {
    await sim.setFault('Central', { kind: 'malformed', body: 'html' });
    const res = await listFinance();
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'text/html; charset=utf-8');
    assert.throws(() => res.json(), SyntaxError);
  });

  it('truncated: 200 with cut-off JSON', async () => {
    await sim.setFault('Central', { kind: 'malformed', body: 'truncated' });
    const res = await listFinance();
    assert.equal(res.status, 200);
    assert.ok(res.text.startsWith('[{"UserDirectory"'));
    assert.throws(() => res.json(), SyntaxError);
  });

  it('no-attributes: valid JSON sessions without Attributes, for lists and single sessions', async () => {
    await sim.setFault('Central', { kind: 'malformed', body: 'no-attributes' });
    const list = (await listFinance()).json();
    assert.ok(Array.isArray(list) && list.length === 2);
    for (const s of list) assert.ok(typeof s === 'object' && s !== null && !('Attributes' in s) && 'SessionId' in s);
    const one = (await simRequest(sim, 'Central', { path: '/qps/finance/session/55142b14-8d2d-43b3-a522-4b2fb46b2798' })).json();
    assert.ok(typeof one === 'object' && one !== null && !('Attributes' in one));
  });

  it('errors are left alone', async () => {
    await sim.setFault('Central', { kind: 'malformed', body: 'html' });
    assert.equal((await simRequest(sim, 'Central', { path: '/qps/nope/session' })).status, 404);
  });
});

describe('request log and stats', () => {
  it('logs target, method, raw path, decoded query, status and X-Qlik-User', async () => {
    sim.clearRequests();
    const start = Date.now();
    await simRequest(sim, 'qrs', { path: '/qrs/virtualproxyconfig/full', query: { filter: "prefix eq 'hdr'" }, xrfkey: 'abcdefghij987654' });
    const end = Date.now();
    await simRequest(sim, 'Central', { path: '/qps//finance/session', user: 'UserDirectory=LAB;UserId=goran' });
    await simRequest(sim, 'dev1', { method: 'DELETE', path: '/qps/finance/session/nope', user: null });
    assert.equal(sim.requests.length, 3);
    const [a, b, c] = sim.requests;
    assert.ok(a && b && c);
    assert.deepEqual({ ...a, time: 0 }, {
      time: 0,
      target: 'qrs',
      method: 'GET',
      path: '/qrs/virtualproxyconfig/full',
      query: { xrfkey: 'abcdefghij987654', filter: "prefix eq 'hdr'" },
      status: 200,
      user: 'UserDirectory=INTERNAL; UserId=sa_api',
    });
    assert.ok(a.time >= start && a.time <= end, `logged at ${a.time}, asked between ${start} and ${end}`);
    assert.equal(b.target, 'Central');
    assert.equal(b.path, '/qps//finance/session');
    assert.equal(b.user, 'UserDirectory=LAB;UserId=goran');
    assert.deepEqual([c.target, c.method, c.status, c.user], ['dev1', 'DELETE', 403, undefined]);
  });

  it('peakConcurrent counts QPS requests in flight across nodes, peakPerNode on one node; resetStats', async () => {
    // Long enough that all 12 TLS handshakes land while the first is still held, even on a busy machine.
    sim.setLatency(5000);
    sim.resetStats();
    assert.equal(sim.stats.peakConcurrent, 0);
    const reqs = Array.from({ length: 12 }, (_, i) => simRequest(sim, i % 2 === 0 ? 'Central' : 'dev1', { path: '/qps/finance/session' }));
    reqs.push(simRequest(sim, 'qrs', { path: '/qrs/about' }));
    const res = await Promise.all(reqs);
    assert.ok(res.every((r) => r.status === 200));
    assert.equal(sim.stats.peakConcurrent, 12);
    assert.equal(sim.stats.peakPerNode, 6);
    assert.equal(sim.stats.inFlight, 0);
    assert.equal(sim.stats.qpsRequests, 12);
    sim.resetStats();
    assert.equal(sim.stats.peakConcurrent, 0);
    assert.equal(sim.stats.peakPerNode, 0);
  });

  // The timeout only guards against a hang: stop() must not wait for idle keep-alive sockets to time out.
  it('stop() returns even with open keep-alive connections', { timeout: 60_000 }, async () => {
    const other = await startSimulator({ scenario: loadScenario('seed'), certDir: sim.certDir });
    const agent = new Agent({ keepAlive: true });
    try {
      await simRequest(other, 'Central', { path: '/qps/session', agent });
      await simRequest(other, 'qrs', { path: '/qrs/about', agent });
      await other.stop();
      await other.stop(); // idempotent
    } finally {
      agent.destroy();
    }
  });
});
