import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { simRequest } from '../helpers/qlik-request.js';
import { resetToScenario } from '../helpers/site.js';
import { cloneScenario, loadScenario, type Scenario } from '../simulator/scenario.js';
import { startSimulator, type Simulator } from '../simulator/server.js';

let sim: Simulator;

const DUP_CENTRAL = 'aaaaaaaa-0000-4000-8000-000000000001';
const DUP_DEV = 'aaaaaaaa-0000-4000-8000-000000000002';

/** The seed plus two VPs sharing the prefix `dup`, one per node, each with one session. */
function scenarioWithDuplicates(): Scenario {
  const s = cloneScenario(loadScenario('seed'));
  for (const [id, node] of [[DUP_CENTRAL, 'Central'], [DUP_DEV, 'dev1']] as const) {
    s.virtualProxies.push({
      id,
      prefix: 'dup',
      description: `dup on ${node}`,
      sessionCookieHeaderName: `X-Qlik-Session-dup-${node}`,
      defaultVirtualProxy: false,
      linkedNodes: [node],
      loadBalancingServerNodes: [node],
    });
    s.sessions.push({
      node,
      virtualProxyId: id,
      UserDirectory: 'LAB',
      UserId: `dup_${node}`,
      Attributes: [{ node }],
      SessionId: `dup-session-${node}`,
    });
  }
  return s;
}

before(async () => {
  sim = await startSimulator({ scenario: scenarioWithDuplicates() });
});
after(() => sim.stop());
// Every test starts from the scenario's own sessions, whatever an earlier one added or deleted: no
// test depends on the order they run in (shown by running them reversed and one at a time).
beforeEach(() => resetToScenario(sim));

type Obj = Record<string, unknown>;
function objArray(v: unknown): Obj[] {
  assert.ok(Array.isArray(v), `expected an array, got ${JSON.stringify(v)}`);
  return v as Obj[];
}
const userIds = (v: unknown): string[] => objArray(v).map((s) => String(s.UserId)).sort();

async function get(target: string, path: string): Promise<{ status: number; text: string; json(): unknown }> {
  return simRequest(sim, target, { path });
}

describe('QPS session list', () => {
  it('default VP answers at /qps/session and /qps//session (seed: LAB\\goran on Central)', async () => {
    for (const path of ['/qps/session', '/qps//session', '//qps///session/']) {
      const res = await get('Central', path);
      assert.equal(res.status, 200, path);
      assert.deepEqual(res.json(), [
        { UserDirectory: 'LAB', UserId: 'goran', Attributes: [], SessionId: 'a906ee6b-a8da-4c66-9700-48036c96de7b' },
      ]);
      assert.match(res.text, /^\[\{"UserDirectory":"LAB","UserId":"goran","Attributes":\[\],"SessionId":/);
    }
  });

  it('finance and win hold testuser_1..4 on Central; dev1 has none', async () => {
    assert.deepEqual(userIds((await get('Central', '/qps/finance/session')).json()), ['testuser_1', 'testuser_2']);
    assert.deepEqual(userIds((await get('Central', '/qps/win/session')).json()), ['testuser_3', 'testuser_4']);
    const dev = await get('dev1', '/qps/finance/session');
    assert.equal(dev.status, 200);
    assert.equal(dev.text, '[]');
  });

  it('prefix match ignores case; repeated slashes collapse', async () => {
    assert.deepEqual(userIds((await get('Central', '/qps/FINANCE/session')).json()), ['testuser_1', 'testuser_2']);
    assert.deepEqual(userIds((await get('Central', '/qps//finance//session')).json()), ['testuser_1', 'testuser_2']);
  });

  it('a prefix containing "/" (sales/emea) on both nodes', async () => {
    sim.addSession({ node: 'dev1', prefix: 'sales/emea', UserDirectory: 'CORP', UserId: 'anna', UserName: 'Anna Andersson', SessionId: 'emea-1' });
    const res = await get('dev1', '/qps/sales/emea/session');
    assert.equal(res.status, 200);
    assert.deepEqual(res.json(), [{ UserDirectory: 'CORP', UserId: 'anna', UserName: 'Anna Andersson', Attributes: [], SessionId: 'emea-1' }]);
    assert.equal((await get('Central', '/qps/sales/emea/session')).text, '[]');
    assert.equal((await get('dev1', '/qps/sales/emea/session/emea-1')).status, 200);
    assert.equal((await get('dev1', '/qps/emea/session')).status, 404);
    assert.equal((await get('dev1', '/qps/sales/session')).status, 404);
  });

  it('a VP not linked to this node → 404 (win on dev1, unlinked mobile/hdr-access1, no default VP on dev1)', async () => {
    for (const [node, path] of [
      ['dev1', '/qps/win/session'],
      ['dev1', '/qps/session'],
      ['Central', '/qps/mobile/session'],
      ['Central', '/qps/hdr-access1/session'],
      ['Central', '/qps/dev/session'],
      ['Central', '/qps/nope/session'],
      ['dev1', '/qps/hdr/session'],
    ] as const) {
      const res = await get(node, path);
      assert.equal(res.status, 404, `${node} ${path}`);
    }
  });

  it('duplicate prefixes: each node answers for the VP linked to it', async () => {
    assert.deepEqual(userIds((await get('Central', '/qps/dup/session')).json()), ['dup_Central']);
    assert.deepEqual(userIds((await get('dev1', '/qps/dup/session')).json()), ['dup_dev1']);
    // seed: two VPs with prefix hdr; only the Central one is linked
    sim.addSession({ node: 'Central', prefix: 'hdr', UserDirectory: 'LAB', UserId: 'hdruser', SessionId: 'hdr-1' });
    const hdr = sim.sessions({ prefix: 'hdr' });
    assert.equal(hdr.length, 1);
    assert.equal(hdr[0]?.virtualProxyId, sim.scenario.virtualProxies.find((v) => v.sessionCookieHeaderName === 'X-Qlik-Session-hdr-central')?.id);
    assert.deepEqual(userIds((await get('Central', '/qps/hdr/session')).json()), ['hdruser']);
  });

  it('non-GUID and slash-containing session ids (%2F stays in its segment)', async () => {
    sim.addSession({ node: 'Central', prefix: 'win', UserDirectory: 'LAB', UserId: 'odd', SessionId: 'abc/def' });
    sim.addSession({ node: 'Central', prefix: 'win', UserDirectory: 'LAB', UserId: 'odd2', SessionId: 'session' });
    const res = await get('Central', '/qps/win/session/abc%2Fdef');
    assert.equal(res.status, 200);
    assert.equal((res.json() as Obj).SessionId, 'abc/def');
    assert.equal((await get('Central', '/qps/win/session/abc/def')).status, 404);
    assert.equal(((await get('Central', '/qps/win/session/session')).json() as Obj).UserId, 'odd2');
    assert.equal(sim.removeSession('abc/def'), 1);
    assert.equal(sim.removeSession('session'), 1);
  });
});

describe('QPS single session', () => {
  it('GET by id → 200 object; unknown id → 404 with an empty body', async () => {
    const res = await get('Central', '/qps/finance/session/55142b14-8d2d-43b3-a522-4b2fb46b2798');
    assert.equal(res.status, 200);
    assert.deepEqual(res.json(), { UserDirectory: 'LAB', UserId: 'testuser_1', Attributes: [], SessionId: '55142b14-8d2d-43b3-a522-4b2fb46b2798' });
    const miss = await get('Central', '/qps/finance/session/00000000-0000-0000-0000-000000000000');
    assert.equal(miss.status, 404);
    assert.equal(miss.text, '');
    // a session on another VP of the same node is not found through this VP
    assert.equal((await get('Central', '/qps/win/session/55142b14-8d2d-43b3-a522-4b2fb46b2798')).status, 404);
  });

  it('unknown-id status and body are configurable', async () => {
    sim.setUnknownSessionResponse(200, 'null');
    try {
      const res = await get('Central', '/qps/finance/session/nope');
      assert.equal(res.status, 200);
      assert.equal(res.text, 'null');
    } finally {
      sim.setUnknownSessionResponse(404);
    }
    assert.equal((await get('Central', '/qps/finance/session/nope')).status, 404);
  });

  it('DELETE → 200 with the deleted session, and it is really gone', async () => {
    const id = 'e9a9c1d3-2d75-4559-9a68-48d1180b3859';
    const res = await simRequest(sim, 'Central', { method: 'DELETE', path: `/qps/win/session/${id}` });
    assert.equal(res.status, 200);
    assert.deepEqual(res.json(), { UserDirectory: 'LAB', UserId: 'testuser_3', Attributes: [], SessionId: id });
    assert.equal((await get('Central', `/qps/win/session/${id}`)).status, 404);
    assert.deepEqual(userIds((await get('Central', '/qps/win/session')).json()), ['testuser_4']);
    assert.equal(sim.sessions().some((s) => s.SessionId === id), false);
    const again = await simRequest(sim, 'Central', { method: 'DELETE', path: `/qps/win/session/${id}` });
    assert.equal(again.status, 404);
  });

  it('other methods → 405', async () => {
    const res = await simRequest(sim, 'Central', { method: 'PUT', path: '/qps/session/x', body: {} });
    assert.equal(res.status, 405);
  });
});

describe('QPS user routes', () => {
  it('GET /user/{dir}/{uid} → 200 array, case-insensitive; none → []', async () => {
    const res = await get('Central', '/qps/finance/user/lab/TESTUSER_1');
    assert.equal(res.status, 200);
    assert.deepEqual(userIds(res.json()), ['testuser_1']);
    assert.equal((await get('Central', '/qps/finance/user/LAB/nobody')).text, '[]');
    assert.deepEqual(userIds((await get('Central', '/qps/user/LAB/goran')).json()), ['goran']);
  });

  it('DELETE /user/{dir}/{uid} → 200 array of the removed sessions', async () => {
    sim.addSession({ node: 'dev1', prefix: 'finance', UserDirectory: 'LAB', UserId: 'multi', SessionId: 'm1' });
    sim.addSession({ node: 'dev1', prefix: 'finance', UserDirectory: 'LAB', UserId: 'multi', SessionId: 'm2' });
    sim.addSession({ node: 'dev1', prefix: 'finance', UserDirectory: 'LAB', UserId: 'other', SessionId: 'm3' });
    const res = await simRequest(sim, 'dev1', { method: 'DELETE', path: '/qps/finance/user/LAB/Multi' });
    assert.equal(res.status, 200);
    assert.deepEqual(objArray(res.json()).map((s) => s.SessionId).sort(), ['m1', 'm2']);
    assert.deepEqual(sim.sessions({ node: 'dev1', prefix: 'finance' }).map((s) => s.SessionId), ['m3']);
  });

  it('directory and user id with encoded characters', async () => {
    sim.addSession({ node: 'Central', prefix: 'finance', UserDirectory: 'LAB', UserId: 'first last', SessionId: 'sp-1' });
    const res = await get('Central', '/qps/finance/user/LAB/first%20last');
    assert.deepEqual(userIds(res.json()), ['first last']);
  });
});

describe('QPS POST session', () => {
  it('201 with the created session; request keys are case-insensitive, response is PascalCase', async () => {
    const res = await simRequest(sim, 'dev1', {
      method: 'POST',
      path: '/qps/finance/session',
      body: { userDirectory: 'LAB', userId: 'newbie', sessionId: 'post-1', attributes: [{ group: 'Finance' }, { group: 'Sales' }, { email: '' }] },
    });
    assert.equal(res.status, 201);
    assert.deepEqual(res.json(), {
      UserDirectory: 'LAB',
      UserId: 'newbie',
      Attributes: [{ group: 'Finance' }, { group: 'Sales' }, { email: '' }],
      SessionId: 'post-1',
    });
    assert.deepEqual(userIds((await get('dev1', '/qps/finance/session')).json()), ['newbie']);
    assert.equal(sim.sessions({ node: 'dev1' }).find((s) => s.SessionId === 'post-1')?.prefix, 'finance');
  });

  it('generates a SessionId when none is given; PascalCase input works too', async () => {
    const res = await simRequest(sim, 'Central', { method: 'POST', path: '/qps/session', body: { UserDirectory: 'LAB', UserId: 'auto', UserName: 'Auto Matic' } });
    assert.equal(res.status, 201);
    const s = res.json() as Obj;
    assert.match(String(s.SessionId), /^[0-9a-f-]{36}$/);
    assert.equal(s.UserName, 'Auto Matic');
    assert.equal(sim.removeSession(String(s.SessionId)), 1);
  });

  it('bad bodies → 400', async () => {
    for (const body of ['not json', '[]', { userId: 'x' }, { userDirectory: 'LAB', userId: 'x', attributes: 'nope' }]) {
      const res = await simRequest(sim, 'Central', { method: 'POST', path: '/qps/session', body });
      assert.equal(res.status, 400, JSON.stringify(body));
    }
  });
});

describe('inspection API', () => {
  it('sessions() / sessionCount() / addSession() / removeSession()', () => {
    const all = sim.sessions();
    assert.equal(sim.sessionCount(), all.length);
    assert.equal(sim.sessionCount({ node: 'Central', prefix: '' }), 1);
    const goran = all.find((s) => s.UserId === 'goran');
    assert.deepEqual(goran, {
      node: 'Central',
      virtualProxyId: '0f6d0c3a-1111-4a8e-9c1e-000000000001',
      prefix: '',
      UserDirectory: 'LAB',
      UserId: 'goran',
      Attributes: [],
      SessionId: 'a906ee6b-a8da-4c66-9700-48036c96de7b',
    });
    assert.throws(() => sim.addSession({ node: 'dev1', prefix: 'win', UserDirectory: 'LAB', UserId: 'x' }), /no virtual proxy/);
    assert.throws(() => sim.addSession({ node: 'nope', UserDirectory: 'LAB', UserId: 'x' }), /unknown node/);
    const added = sim.addSession({ node: 'Central', virtualProxyId: DUP_CENTRAL, UserDirectory: 'LAB', UserId: 'x' });
    assert.equal(added.prefix, 'dup');
    assert.equal(sim.removeSession(added.SessionId, { node: 'dev1' }), 0);
    assert.equal(sim.removeSession(added.SessionId), 1);
  });
});
