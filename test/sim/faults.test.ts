import assert from 'node:assert/strict';
import { Agent } from 'node:https';
import { after, afterEach, before, describe, it } from 'node:test';
import { simRequest, type SimResponse } from '../helpers/qlik-request.js';
import { loadScenario } from '../simulator/scenario.js';
import { startSimulator, type Simulator } from '../simulator/server.js';

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
      await sim.setFault('Central', { kind: 'down' });
      await assert.rejects(simRequest(sim, 'Central', { path: '/qps/session', agent }));
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
    await assert.rejects(simRequest(sim, 'dev1', { path: '/qps/finance/session' }), (e: unknown) =>
      ['ECONNRESET', 'EPIPE'].includes(String(code(e))) || /socket hang up/.test(String(e)),
    );
    assert.equal(sim.requests.length, 1);
    assert.equal(sim.requests[0].status, 0);
    assert.equal((await simRequest(sim, 'dev1', { path: '/qps/finance/session' })).status, 200);
  });

  it('in the middle of a bulk delete: the reset DELETE leaves its session in place', async () => {
    const ids = Array.from({ length: 6 }, (_, i) => sim.addSession({ node: 'dev1', prefix: 'finance', UserDirectory: 'LAB', UserId: `bulk${i}` }).SessionId);
    await sim.setFault('dev1', { kind: 'reset', methods: ['DELETE'], afterRequests: 3, times: 1 });
    const outcome: string[] = [];
    for (const id of ids) {
      try {
        const res = await simRequest(sim, 'dev1', { method: 'DELETE', path: `/qps/finance/session/${id}` });
        outcome.push(String(res.status));
      } catch {
        outcome.push('reset');
      }
    }
    assert.deepEqual(outcome, ['200', '200', '200', 'reset', '200', '200']);
    assert.deepEqual(sim.sessions({ node: 'dev1', prefix: 'finance' }).map((s) => s.SessionId), [ids[3]]);
    sim.removeSession(ids[3]);
  });
});

describe('fault: slow, and the latency knob', () => {
  it('slow adds its delay', async () => {
    await sim.setFault('Central', { kind: 'slow', delayMs: 500, times: 1 });
    let t = Date.now();
    assert.equal((await listFinance()).status, 200);
    assert.ok(Date.now() - t >= 490, `took ${Date.now() - t} ms`);
    t = Date.now();
    await listFinance();
    assert.ok(Date.now() - t < 450, `second request took ${Date.now() - t} ms`);
  });

  it('setLatency delays every request on every target', async () => {
    sim.setLatency(120);
    for (const target of ['qrs', 'Central', 'dev1']) {
      const t = Date.now();
      await simRequest(sim, target, { path: target === 'qrs' ? '/qrs/about' : '/qps/finance/session' });
      assert.ok(Date.now() - t >= 110, `${target}: ${Date.now() - t} ms`);
    }
  });
});

describe('fault: malformed', () => {
  it('html: 200 with an HTML page', async () => {
    await sim.setFault('Central', { kind: 'malformed', body: 'html' });
    const res = await listFinance();
    assert.equal(res.status, 200);
    assert.match(String(res.headers['content-type']), /text\/html/);
    assert.throws(() => res.json());
  });

  it('truncated: 200 with cut-off JSON', async () => {
    await sim.setFault('Central', { kind: 'malformed', body: 'truncated' });
    const res = await listFinance();
    assert.equal(res.status, 200);
    assert.ok(res.text.startsWith('[{"UserDirectory"'));
    assert.throws(() => res.json());
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
    await simRequest(sim, 'qrs', { path: '/qrs/virtualproxyconfig/full', query: { filter: "prefix eq 'hdr'" }, xrfkey: 'abcdefghij987654' });
    await simRequest(sim, 'Central', { path: '/qps//finance/session', user: 'UserDirectory=LAB;UserId=goran' });
    await simRequest(sim, 'dev1', { method: 'DELETE', path: '/qps/finance/session/nope', user: null });
    assert.equal(sim.requests.length, 3);
    const [a, b, c] = sim.requests;
    assert.deepEqual({ ...a, time: 0 }, {
      time: 0,
      target: 'qrs',
      method: 'GET',
      path: '/qrs/virtualproxyconfig/full',
      query: { xrfkey: 'abcdefghij987654', filter: "prefix eq 'hdr'" },
      status: 200,
      user: 'UserDirectory=INTERNAL; UserId=sa_api',
    });
    assert.ok(Math.abs(a.time - Date.now()) < 5000);
    assert.equal(b.target, 'Central');
    assert.equal(b.path, '/qps//finance/session');
    assert.equal(b.user, 'UserDirectory=LAB;UserId=goran');
    assert.deepEqual([c.target, c.method, c.status, c.user], ['dev1', 'DELETE', 403, undefined]);
  });

  it('peakConcurrent counts QPS requests in flight across nodes; resetStats', async () => {
    sim.setLatency(400); // long enough that all 12 TLS handshakes land while the first is still held
    sim.resetStats();
    assert.equal(sim.stats.peakConcurrent, 0);
    const reqs = Array.from({ length: 12 }, (_, i) => simRequest(sim, i % 2 === 0 ? 'Central' : 'dev1', { path: '/qps/finance/session' }));
    reqs.push(simRequest(sim, 'qrs', { path: '/qrs/about' }));
    const res = await Promise.all(reqs);
    assert.ok(res.every((r) => r.status === 200));
    assert.equal(sim.stats.peakConcurrent, 12);
    assert.equal(sim.stats.inFlight, 0);
    assert.equal(sim.stats.qpsRequests, 12);
    sim.resetStats();
    assert.equal(sim.stats.peakConcurrent, 0);
  });

  it('stop() is quick even with open keep-alive connections', async () => {
    const other = await startSimulator({ scenario: loadScenario('seed'), certDir: sim.certDir });
    const agent = new Agent({ keepAlive: true });
    try {
      await simRequest(other, 'Central', { path: '/qps/session', agent });
      await simRequest(other, 'qrs', { path: '/qrs/about', agent });
      const t = Date.now();
      await other.stop();
      assert.ok(Date.now() - t < 500, `stop took ${Date.now() - t} ms`);
      await other.stop(); // idempotent
    } finally {
      agent.destroy();
    }
  });
});
