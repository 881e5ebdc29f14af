/**
 * session-delete's plan and execution without a network: planDeletion decides exactly what is
 * deleted, executeDeletion sends it (bounded, every planned session in exactly one result list) and
 * the report keeps Ctrl-Q's wording and the JSON shape scheduled tasks read.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { QpsApi, QpsNode } from '../../src/qlik/qps-client.js';
import type { QpsSession, VirtualProxyConfig } from '../../src/qlik/types.js';
import { executeDeletion, planDeletion, plannedSessions, type DeletePlan, type DeleteResult, type SessionRef } from '../../src/sessions/delete.js';
import type { TargetSessions } from '../../src/sessions/fetch.js';
import type { ProxyNode, Site, Target } from '../../src/sessions/site.js';
import { QlikApiError, UsageError } from '../../src/errors.js';
import { confirmationLines } from '../../src/render/delete-plan.js';
import { deletedLine, describeScope, jsonPlan, jsonReport, notFoundLine, targetKey, unreadLines, type RunInfo } from '../../src/render/delete-report.js';
import { checkRows, parseRows } from '../../src/sessions/from-json.js';

const vp = (id: string, prefix: string): VirtualProxyConfig => ({
  id,
  prefix,
  description: `vp ${prefix}`,
  sessionCookieHeaderName: `X-Qlik-Session-${prefix}`,
  loadBalancingServerNodes: [],
});
const node = (name: string, host: string): ProxyNode => ({ id: `${name}-id`, name, host, port: 4243, linkedVirtualProxyIds: new Set() });
const session = (id: string, dir: string, user: string, name?: string): QpsSession => ({
  UserDirectory: dir,
  UserId: user,
  ...(name === undefined ? {} : { UserName: name }),
  Attributes: [],
  SessionId: id,
});

const central = node('Central', 'central.lab');
const dev1 = node('dev1', 'dev1.lab');
const vpDefault = vp('vp-default', '');
const vpFinance = vp('vp-finance', 'finance');
const financeCentral: Target = { vp: vpFinance, node: central };
const financeDev: Target = { vp: vpFinance, node: dev1 };
const defaultCentral: Target = { vp: vpDefault, node: central };

/** Central has goran on the default VP and two finance users; dev1 has testuser_1 and a service account. */
function listing(): TargetSessions[] {
  return [
    { target: defaultCentral, sessions: [session('s-goran', 'LAB', 'goran', 'Göran')] },
    { target: financeCentral, sessions: [session('s-t1-c', 'LAB', 'testuser_1'), session('s-t2-c', 'LAB', 'testuser_2')] },
    { target: financeDev, sessions: [session('s-t1-d', 'lab', 'TestUser_1'), session('s-sa', 'INTERNAL', 'sa_scheduler')] },
  ];
}

const key = (t: Target, s: QpsSession): string => `${t.vp.prefix}@${t.node.name}/${s.SessionId}`;
const planKeys = (plan: DeletePlan): string[] => plannedSessions(plan).map(({ target, session: s }) => key(target, s));

describe('planDeletion', () => {
  it('ids: exactly the listed sessions with those ids, on every target that has them; a missing id is named once', () => {
    const listed = listing();
    // The same id on two targets is deleted on both (QPS ids are per proxy).
    listed[2]?.sessions.push(session('s-goran', 'LAB', 'goran'));
    const plan = planDeletion(listed, { mode: 'ids', sessionIds: ['s-goran', 'nope', 's-t2-c', 'nope'] });
    assert.deepEqual(planKeys(plan), ['@Central/s-goran', 'finance@Central/s-t2-c', 'finance@dev1/s-goran']);
    assert.deepEqual(plan.missingIds, ['nope']);
    assert.ok(plan.items.every((item) => item.kind === 'session'));
  });

  it('ids: never matches by prefix, case or substring', () => {
    const plan = planDeletion(listing(), { mode: 'ids', sessionIds: ['S-GORAN', 's-t1', 's-t1-c '] });
    assert.deepEqual(planKeys(plan), []);
    assert.deepEqual(plan.missingIds, ['S-GORAN', 's-t1', 's-t1-c ']);
  });

  it('user: one user teardown per target where the user has sessions, any case, with the listed spelling', () => {
    const plan = planDeletion(listing(), { mode: 'user', userDir: 'Lab', userIds: ['TESTUSER_1', 'testuser_1', 'ghost'] });
    assert.equal(plan.items.length, 2, 'a repeated user id is one user');
    const [onCentral, onDev] = plan.items;
    assert.ok(onCentral?.kind === 'user' && onDev?.kind === 'user');
    assert.deepEqual([onCentral.target, onCentral.userDir, onCentral.userId], [financeCentral, 'LAB', 'testuser_1']);
    assert.deepEqual([onDev.target, onDev.userDir, onDev.userId], [financeDev, 'lab', 'TestUser_1']);
    assert.deepEqual(planKeys(plan), ['finance@Central/s-t1-c', 'finance@dev1/s-t1-d']);
    assert.deepEqual(plan.missingIds, []);
  });

  it('user: another directory with the same user id is left alone', () => {
    const plan = planDeletion(listing(), { mode: 'user', userDir: 'INTERNAL', userIds: ['testuser_1'] });
    assert.deepEqual(plan.items, []);
  });

  it('all: every listed session, and only those; an exclusion narrows it and is counted', () => {
    const all = planDeletion(listing(), { mode: 'all' });
    assert.deepEqual(planKeys(all), ['@Central/s-goran', 'finance@Central/s-t1-c', 'finance@Central/s-t2-c', 'finance@dev1/s-t1-d', 'finance@dev1/s-sa']);
    const narrowed = planDeletion(listing(), { mode: 'all' }, { exclude: (dir) => dir === 'INTERNAL' });
    assert.deepEqual(planKeys(narrowed), planKeys(all).filter((k) => !k.endsWith('/s-sa')));
    assert.equal(narrowed.excludedSessions, 1);
  });

  it('an empty listing plans nothing for every mode', () => {
    for (const request of [{ mode: 'all' }, { mode: 'ids', sessionIds: ['x'] }, { mode: 'user', userDir: 'LAB', userIds: ['goran'] }] as const) {
      assert.deepEqual(planDeletion([], request).items, []);
    }
  });
});

interface Call {
  method: 'session' | 'user';
  host: string;
  prefix: string;
  args: string[];
}

/** A QPS that deletes from an in-memory site, records every call and can fail chosen ids. */
/** `lostAnswer`: for these ids (or user ids) the first attempt is carried out and its answer lost; the retry finds nothing. */
function fakeQps(site: TargetSessions[], options: { fail?: (id: string) => Error | undefined; delayMs?: number; lostAnswer?: (id: string) => boolean } = {}) {
  const calls: Call[] = [];
  let inFlight = 0;
  let peak = 0;
  const bucket = (n: QpsNode, prefix: string): QpsSession[] =>
    site.find((t) => t.target.node.host === n.host && t.target.vp.prefix === prefix)?.sessions ?? [];
  // Like the transport: a request given an aborted signal fails as cancelled, though the server may have acted.
  const around = async <T>(work: () => T, signal?: AbortSignal): Promise<T> => {
    inFlight++;
    peak = Math.max(peak, inFlight);
    try {
      await new Promise((resolve) => setTimeout(resolve, options.delayMs ?? 1));
      const value = work();
      if (signal?.aborted) throw new Error('request was cancelled');
      return value;
    } finally {
      inFlight--;
    }
  };
  const qps: QpsApi = {
    listSessions: async () => assert.fail('the delete step never lists'),
    deleteSession: (n, prefix, id, signal) =>
      around(() => {
        calls.push({ method: 'session', host: n.host, prefix, args: [id] });
        const failure = options.fail?.(id);
        if (failure) throw failure;
        const list = bucket(n, prefix);
        const at = list.findIndex((s) => s.SessionId === id);
        const deleted = at < 0 ? null : (list.splice(at, 1)[0] ?? null);
        return options.lostAnswer?.(id) ? { value: null, earlierAttemptLost: true } : { value: deleted, earlierAttemptLost: false };
      }, signal),
    deleteUserSessions: (n, prefix, dir, user, signal) =>
      around(() => {
        calls.push({ method: 'user', host: n.host, prefix, args: [dir, user] });
        const list = bucket(n, prefix);
        const mine = list.filter((s) => s.UserDirectory.toLowerCase() === dir.toLowerCase() && s.UserId.toLowerCase() === user.toLowerCase());
        for (const s of mine) list.splice(list.indexOf(s), 1);
        return options.lostAnswer?.(user) ? { value: [], earlierAttemptLost: true } : { value: mine, earlierAttemptLost: false };
      }, signal),
  };
  return { qps, calls, peak: () => peak };
}

function outcomeKeys(result: DeleteResult): { deleted: string[]; notFound: string[]; failed: string[] } {
  return {
    deleted: result.deleted.map((o) => key(o.target, o.session)).sort(),
    notFound: result.notFound.map((o) => key(o.target, o.session)).sort(),
    failed: result.failed.map((o) => key(o.target, o.session)).sort(),
  };
}

const transient = (id: string): QlikApiError =>
  new QlikApiError(`connection to QPS was reset (DELETE /qps/finance/session/${id})`, {
    service: 'QPS',
    method: 'DELETE',
    host: 'central.lab',
    port: 4243,
    path: `/qps/finance/session/${id}`,
  }, { code: 'ECONNRESET', transient: true });

describe('executeDeletion', () => {
  it('sends one DELETE per planned session, never more than --concurrency at a time, and reports each once', async () => {
    const many: TargetSessions[] = [{ target: financeCentral, sessions: Array.from({ length: 40 }, (_, i) => session(`s${i}`, 'LAB', `u${i}`)) }];
    const plan = planDeletion(many.map((t) => ({ ...t, sessions: [...t.sessions] })), { mode: 'all' });
    const fake = fakeQps(many, { delayMs: 5 });
    const progress: number[] = [];
    const result = await executeDeletion(fake.qps, plan, { concurrency: 4, onProgress: (done) => progress.push(done) });
    assert.equal(result.deleted.length, 40);
    assert.equal(fake.calls.length, 40);
    assert.equal(new Set(fake.calls.map((c) => c.args[0])).size, 40, 'no id twice');
    assert.ok(fake.peak() <= 4, `peak ${fake.peak()} > 4`);
    assert.ok(fake.peak() > 1, 'it does run in parallel');
    assert.deepEqual(progress, Array.from({ length: 40 }, (_, i) => i + 1));
    assert.equal(many[0]?.sessions.length, 0);
  });

  it('a 404 is "not found", a failure keeps its reason, the rest goes on', async () => {
    const site = listing();
    const plan = planDeletion(listing(), { mode: 'all' });
    site[1]?.sessions.splice(0, 1); // s-t1-c ended on its own after planning
    const fake = fakeQps(site, { fail: (id) => (id === 's-t2-c' ? transient(id) : undefined) });
    const events: string[] = [];
    const result = await executeDeletion(fake.qps, plan, { concurrency: 2, onEvent: (e) => events.push(`${e.type}:${e.outcome.session.SessionId}`) });
    assert.deepEqual(outcomeKeys(result), {
      deleted: ['@Central/s-goran', 'finance@dev1/s-sa', 'finance@dev1/s-t1-d'],
      notFound: ['finance@Central/s-t1-c'],
      failed: ['finance@Central/s-t2-c'],
    });
    assert.match(result.failed[0]?.reason ?? '', /connection to QPS was reset \(DELETE \/qps\/finance\/session\/s-t2-c\)/);
    assert.ok(result.failed[0]?.error instanceof QlikApiError);
    assert.deepEqual(events.sort(), ['deleted:s-goran', 'deleted:s-sa', 'deleted:s-t1-d', 'failed:s-t2-c', 'notFound:s-t1-c'], 'one event per planned session');
  });

  it('a user teardown reports what QPS returned as deleted and the planned rest as not found', async () => {
    const site = listing();
    const plan = planDeletion(listing(), { mode: 'user', userDir: 'LAB', userIds: ['testuser_1'] });
    site[2]?.sessions.splice(0, 1); // s-t1-d already gone on dev1
    const fake = fakeQps(site);
    const result = await executeDeletion(fake.qps, plan, { concurrency: 8 });
    assert.deepEqual(
      fake.calls.map((c) => `${c.method} ${c.host} ${c.prefix} ${c.args.join('/')}`).sort(),
      ['user central.lab finance LAB/testuser_1', 'user dev1.lab finance lab/TestUser_1'],
    );
    assert.deepEqual(outcomeKeys(result), { deleted: ['finance@Central/s-t1-c'], notFound: ['finance@dev1/s-t1-d'], failed: [] });
    // Nobody else was touched.
    assert.deepEqual(site.map((t) => t.sessions.map((s) => s.SessionId)), [['s-goran'], ['s-t2-c'], ['s-sa']]);
  });

  it('a DELETE whose first answer was lost and whose retry found nothing is deleted, unconfirmed; a plain 404 stays "not found"', async () => {
    const site = listing();
    const plan = planDeletion(listing(), { mode: 'all' });
    site[1]?.sessions.splice(1, 1); // s-t2-c ended on its own after planning
    const fake = fakeQps(site, { lostAnswer: (id) => id === 's-t1-c' || id === 's-t2-c' });
    const result = await executeDeletion(fake.qps, plan, { concurrency: 2 });
    assert.deepEqual(
      result.deleted.map((o) => `${key(o.target, o.session)}${o.unconfirmed ? ' unconfirmed' : ''}`).sort(),
      ['@Central/s-goran', 'finance@Central/s-t1-c unconfirmed', 'finance@Central/s-t2-c unconfirmed', 'finance@dev1/s-sa', 'finance@dev1/s-t1-d'],
    );
    assert.deepEqual(result.notFound, []);
    const plain = await executeDeletion(fakeQps([{ target: financeCentral, sessions: [] }]).qps, planDeletion(listing(), { mode: 'ids', sessionIds: ['s-t1-c'] }), { concurrency: 1 });
    assert.deepEqual([plain.deleted.length, plain.notFound.length], [0, 1]);
  });

  it('a user teardown retried after a lost answer: the planned sessions are deleted, unconfirmed', async () => {
    const site = listing();
    const plan = planDeletion(listing(), { mode: 'user', userDir: 'LAB', userIds: ['testuser_1'] });
    const fake = fakeQps(site, { lostAnswer: (user) => user === 'testuser_1' });
    const result = await executeDeletion(fake.qps, plan, { concurrency: 2 });
    assert.deepEqual(result.deleted.map((o) => `${key(o.target, o.session)} ${o.unconfirmed === true}`).sort(), [
      'finance@Central/s-t1-c true',
      'finance@dev1/s-t1-d false',
    ]);
    assert.deepEqual(deletedLine(result.deleted.find((o) => o.unconfirmed) ?? assert.fail()),
      'Session ID "s-t1-c" deleted, unconfirmed: the answer to its DELETE was lost and the retry found it gone. User: LAB\\testuser_1');
  });

  it('once aborted, sends nothing new, lets the DELETEs in flight finish (reported deleted), and puts the unsent in notSent without an event each', async () => {
    const many: TargetSessions[] = [{ target: financeCentral, sessions: Array.from({ length: 10 }, (_, i) => session(`s${i}`, 'LAB', `u${i}`)) }];
    const plan = planDeletion(many.map((t) => ({ ...t, sessions: [...t.sessions] })), { mode: 'all' });
    const fake = fakeQps(many, { delayMs: 10 });
    const controller = new AbortController();
    const events: string[] = [];
    const result = await executeDeletion(fake.qps, plan, {
      concurrency: 2,
      signal: controller.signal,
      onEvent: (e) => {
        events.push(e.type);
        if (e.type === 'deleted') controller.abort();
      },
    });
    assert.equal(result.deleted.length, fake.calls.length, 'everything sent was deleted (in-flight requests finish)');
    assert.ok(fake.calls.length >= 1 && fake.calls.length <= 3, `sent ${fake.calls.length}`);
    assert.deepEqual(result.failed, []);
    assert.equal(result.notSent.length, 10 - fake.calls.length);
    assert.deepEqual(events, result.deleted.map(() => 'deleted'), 'no event for an unsent session');
    assert.equal(many[0]?.sessions.length, 10 - fake.calls.length);
  });

  it('refuses, without sending, an id or user that is a "." or ".." path segment (URL parsing would change the path)', async () => {
    const site: TargetSessions[] = [
      { target: financeCentral, sessions: [session('..', 'LAB', 'a'), session('.', 'LAB', 'b'), session('...', 'LAB', 'c'), session('a/../b', 'LAB', 'd')] },
      { target: financeDev, sessions: [session('s-dots', 'LAB', '..')] },
    ];
    const all = planDeletion(site.map((t) => ({ ...t, sessions: [...t.sessions] })), { mode: 'all' });
    const byUser = planDeletion(site, { mode: 'user', userDir: 'LAB', userIds: ['..'] });
    const fake = fakeQps(site);
    const result = await executeDeletion(fake.qps, { ...all, items: [...all.items.filter((i) => i.target === financeCentral), ...byUser.items] }, { concurrency: 4 });
    assert.deepEqual(outcomeKeys(result), {
      deleted: ['finance@Central/...', 'finance@Central/a/../b'],
      notFound: [],
      failed: ['finance@Central/.', 'finance@Central/..', 'finance@dev1/s-dots'],
    });
    assert.deepEqual(fake.calls.map((c) => c.args.join('/')).sort(), ['...', 'a/../b']);
    const unaddressable = (what: string, dots: string): string => `not sent: the ${what} "${dots}" cannot be addressed in a URL path (it would be read as a relative path)`;
    assert.deepEqual(
      result.failed.map((f) => [f.session.SessionId, f.reason]).sort(),
      [
        ['.', unaddressable('session id', '.')],
        ['..', unaddressable('session id', '..')],
        ['s-dots', unaddressable('user directory or user id', '..')],
      ],
    );
  });
});

/** A run as the report step describes it: dev1's finance unread. */
const run = (overrides: Partial<RunInfo> = {}): RunInfo => ({
  version: '9.9.9',
  dryRun: false,
  interrupted: null,
  startTime: new Date('2026-05-01T02:00:00.000Z'),
  endTime: new Date('2026-05-01T02:00:03.250Z'),
  qrsHost: 'qlik.lab',
  qrsPort: 4242,
  filters: {
    hostProxy: ['central.lab', 'dev1.lab'], allHostProxies: false, sessionVirtualProxy: ['', 'finance'], allVirtualProxies: false,
    sessionId: null, sessionUserDir: null, sessionUserId: null, excludeUser: ['INTERNAL\\*'], fromJson: null, interactive: false,
  },
  targets: [defaultCentral, financeCentral, financeDev],
  unread: [{ target: financeDev, error: new Error('x'), reason: 'connection refused' }],
  listed: new Map([[targetKey(defaultCentral), 1], [targetKey(financeCentral), 0]]),
  ...overrides,
});

describe('delete report', () => {
  it("keeps Ctrl-Q's wording", () => {
    assert.equal(deletedLine({ target: financeCentral, session: session('x1', 'LAB', 'testuser_3') }), 'Session ID "x1" successfully deleted. User: LAB\\testuser_3');
    assert.equal(deletedLine({ target: financeCentral, session: session('x2', 'LAB', 'goran', 'Göran') }), 'Session ID "x2" successfully deleted. User: LAB\\goran (Göran)');
    assert.equal(notFoundLine('nope'), 'Session ID "nope" not found');
  });

  it('JSON: the run (version, times in UTC, QRS, filters, targets with counts or null, unread), counts, then the four lists', () => {
    const report = jsonReport(
      run({ interrupted: 'SIGTERM' }),
      {
        deleted: [{ target: defaultCentral, session: session('a', 'LAB', 'goran', 'Göran') }, { target: financeCentral, session: session('u', 'LAB', 'x'), unconfirmed: true }],
        notFound: [{ target: financeDev, session: session('b', 'LAB', 'testuser_1') }],
        failed: [{ target: financeCentral, session: session('c', 'LAB', 'testuser_2'), reason: 'HTTP 500' }],
        notSent: [{ target: financeCentral, session: session('d', 'LAB', 'testuser_3') }],
      },
      ['missing'],
    );
    assert.deepEqual(JSON.parse(JSON.stringify(report)), {
      ctrlqVersion: '9.9.9',
      dryRun: false,
      interrupted: 'SIGTERM',
      startTime: '2026-05-01T02:00:00.000Z',
      endTime: '2026-05-01T02:00:03.250Z',
      qrsHost: 'qlik.lab',
      qrsPort: 4242,
      filters: run().filters,
      targets: [
        { proxyHost: 'central.lab', proxyName: 'Central', virtualProxy: '', sessions: 1 },
        { proxyHost: 'central.lab', proxyName: 'Central', virtualProxy: 'finance', sessions: 0 },
        { proxyHost: 'dev1.lab', proxyName: 'dev1', virtualProxy: 'finance', sessions: null, error: 'connection refused' },
      ],
      unread: [{ proxyHost: 'dev1.lab', virtualProxy: 'finance', error: 'connection refused' }],
      counts: { deleted: 2, unconfirmed: 1, notFound: 2, failed: 1, notSent: 1, unread: 1 },
      deleted: [
        { sessionId: 'a', userDirectory: 'LAB', userId: 'goran', userName: 'Göran', virtualProxy: '', proxyHost: 'central.lab' },
        { sessionId: 'u', userDirectory: 'LAB', userId: 'x', userName: null, virtualProxy: 'finance', proxyHost: 'central.lab', unconfirmed: true },
      ],
      notFound: [
        { sessionId: 'missing', userDirectory: null, userId: null, userName: null, virtualProxy: null, proxyHost: null },
        { sessionId: 'b', userDirectory: 'LAB', userId: 'testuser_1', userName: null, virtualProxy: 'finance', proxyHost: 'dev1.lab' },
      ],
      failed: [{ sessionId: 'c', userDirectory: 'LAB', userId: 'testuser_2', userName: null, virtualProxy: 'finance', proxyHost: 'central.lab', reason: 'HTTP 500' }],
      notSent: [{ sessionId: 'd', userDirectory: 'LAB', userId: 'testuser_3', userName: null, virtualProxy: 'finance', proxyHost: 'central.lab', reason: 'interrupted' }],
    });
  });

  it('the dry-run plan names the method per session, and the scope names nodes and virtual proxies', () => {
    const plan = planDeletion(listing(), { mode: 'user', userDir: 'LAB', userIds: ['testuser_1'] });
    const json = jsonPlan(run({ dryRun: true }), plan) as { dryRun: boolean; counts: unknown; wouldDelete: { method: string; virtualProxy: string; proxyHost: string; sessionId: string }[] };
    assert.equal(json.dryRun, true);
    assert.deepEqual(json.counts, { wouldDelete: 2, notFound: 0, unread: 1 });
    assert.deepEqual(
      json.wouldDelete.map((e) => `${e.method} ${e.virtualProxy}@${e.proxyHost} ${e.sessionId}`),
      ['user finance@central.lab s-t1-c', 'user finance@dev1.lab s-t1-d'],
    );
    assert.equal(
      describeScope(3, [defaultCentral, financeCentral, financeDev]),
      '3 sessions on 2 proxy nodes (central.lab, dev1.lab) and 2 virtual proxies (the default one, finance)',
    );
    assert.equal(describeScope(1, [financeCentral]), '1 session on 1 proxy node (central.lab) and 1 virtual proxy (finance)');
    assert.equal(describeScope(0, []), '0 sessions', 'no empty brackets when nothing is planned');
  });

  it('an unread pair is named with its reason, never counted as 0', () => {
    assert.deepEqual(unreadLines(run().unread), [
      'Not read, so its sessions are unknown and none is deleted there (1 pair):',
      "  virtual proxy 'finance' on dev1 (dev1.lab:4243): connection refused",
    ]);
    assert.deepEqual(unreadLines([]), []);
  });
});

const hostile = vp('vp-evil', 'x\x1b[2J\x1b[Hy');
const evilTarget: Target = { vp: hostile, node: node('ev\u202eil', 'evil\r.lab') };

describe('the confirmation: who is cut off', () => {
  it('up to 20 sessions: one line each with the user, the name, the virtual proxy and the node', () => {
    const planned = plannedSessions(planDeletion(listing(), { mode: 'all' }));
    assert.deepEqual(confirmationLines(planned, []), [
      '5 sessions of 4 users will be ended:',
      "  LAB\\goran (Göran)      on '(default)' at Central (central.lab)",
      "  LAB\\testuser_1         on 'finance' at Central (central.lab)",
      "  LAB\\testuser_2         on 'finance' at Central (central.lab)",
      "  lab\\TestUser_1         on 'finance' at dev1 (dev1.lab)",
      "  INTERNAL\\sa_scheduler  on 'finance' at dev1 (dev1.lab)",
    ]);
  });

  it('more than 20: counts per proxy node and virtual proxy, and the five users with most sessions', () => {
    const many: TargetSessions[] = [
      { target: financeCentral, sessions: Array.from({ length: 15 }, (_, i) => session(`f${i}`, 'LAB', `u${i % 7}`)) },
      { target: defaultCentral, sessions: Array.from({ length: 4 }, (_, i) => session(`d${i}`, 'LAB', 'u0')) },
      { target: financeDev, sessions: Array.from({ length: 3 }, (_, i) => session(`x${i}`, 'LAB', 'anna', 'Anna')) },
    ];
    const planned = plannedSessions(planDeletion(many, { mode: 'all' }));
    assert.deepEqual(confirmationLines(planned, run().unread), [
      '22 sessions of 8 users will be ended:',
      'Per proxy node:',
      '  Central (central.lab)  19',
      '  dev1 (dev1.lab)         3',
      'Per virtual proxy:',
      '  finance    18',
      '  (default)   4',
      'Users with most sessions (5 of 8):',
      '  LAB\\u0           7',
      '  LAB\\anna (Anna)  3',
      '  LAB\\u1           2',
      '  LAB\\u2           2',
      '  LAB\\u3           2',
      'Not read, so its sessions are unknown and none is deleted there (1 pair):',
      "  virtual proxy 'finance' on dev1 (dev1.lab:4243): connection refused",
    ]);
  });

  it('site text cannot redraw the question: every control character is shown escaped', () => {
    const evil = session('id\x1b[1A', 'LAB\x07', 'u\u202e', 'Name\r\x1b[2K');
    const text = [...confirmationLines([{ target: evilTarget, session: evil }], [{ target: evilTarget, error: 0, reason: 'down\x1b[0m' }]), describeScope(1, [evilTarget])].join('\n');
    // eslint-disable-next-line no-control-regex
    assert.doesNotMatch(text, /[\x00-\x09\x0b-\x1f\x7f\u202e]/);
    assert.match(text, /LAB\\x07\\u\\u202e \(Name\\r\\x1b\[2K\)/);
    assert.match(text, /x\\x1b\[2J\\x1b\[Hy/);
    assert.match(describeScope(1, [evilTarget]), /^1 session on 1 proxy node \(evil\\r\.lab\) and 1 virtual proxy \(x\\x1b\[2J\\x1b\[Hy\)$/);
  });
});

describe('--from-json rows', () => {
  const site: Site = {
    virtualProxies: [vpDefault, vpFinance],
    proxies: [{ ...central, linkedVirtualProxyIds: new Set(['vp-default', 'vp-finance']) }, { ...dev1, linkedVirtualProxyIds: new Set(['vp-finance']) }],
    unasked: [],
  };
  const row = (proxyHost: string, vpPrefix: string, sessionId: string): SessionRef => ({ proxyHost, vpPrefix, sessionId });

  it('plans exactly the rows, matching host and prefix without case, never the same id on another pair', () => {
    const listed = listing();
    listed[2]?.sessions.push(session('s-t2-c', 'LAB', 'same-id-elsewhere'));
    const plan = planDeletion(listed, { mode: 'rows', rows: [row('CENTRAL.lab', 'Finance', 's-t2-c'), row('dev1.lab', 'finance', 's-sa'), row('dev1.lab', 'finance', 's-sa')] });
    assert.deepEqual(planKeys(plan), ['finance@Central/s-t2-c', 'finance@dev1/s-sa']);
  });

  it('parses session-get rows, using only proxyHost, vpPrefix and sessionId', () => {
    const text = JSON.stringify([{ vpPrefix: '', proxyHost: 'central.lab', userId: 'goran', sessionId: 's-goran', extra: 1 }]);
    assert.deepEqual(parseRows(text, 'rows.json'), [row('central.lab', '', 's-goran')]);
    assert.deepEqual(parseRows('[]', 'stdin'), []);
  });

  const bad: [string, string, RegExp][] = [
    ['not JSON', '[{', /^--from-json: rows\.json is not JSON \(/],
    ['an object', '{"sessionId":"x"}', /^--from-json: rows\.json holds JSON but not an array of session-get rows$/],
    ['a row that is not an object', '["x"]', /^--from-json: row 1 is not an object with proxyHost, vpPrefix and sessionId$/],
    ['no sessionId', '[{"proxyHost":"a","vpPrefix":""}]', /^--from-json: row 1: "sessionId" must be a non-empty string, as in session-get's JSON rows$/],
    ['an empty proxyHost', '[{"proxyHost":"","vpPrefix":"","sessionId":"x"}]', /^--from-json: row 1: "proxyHost" must be a non-empty string/],
    ['a numeric vpPrefix', '[{"proxyHost":"a","vpPrefix":1,"sessionId":"x"}]', /^--from-json: row 1: "vpPrefix" must be a string/],
  ];
  for (const [what, text, message] of bad) {
    it(`${what}: a usage error`, () => {
      assert.throws(() => parseRows(text, 'rows.json'), (err: unknown) => err instanceof UsageError && message.test(err.message));
    });
  }

  it('checks every row against the site: node, link, id present; an unread pair is not a bad row', () => {
    const listed = listing().filter((t) => t.target !== financeDev);
    const unread = [{ target: financeDev, error: 0, reason: 'down' }];
    assert.doesNotThrow(() => checkRows([row('central.lab', 'finance', 's-t1-c'), row('dev1.lab', 'finance', 'anything')], site, listed, unread));
    assert.throws(
      () => checkRows([row('central.lab', 'finance', 's-t1-c'), row('nowhere.lab', '', 'a'), row('dev1.lab', '', 'b'), row('central.lab', 'finance', 'gone\x1b')], site, listed, unread),
      (err: unknown) =>
        err instanceof UsageError &&
        err.message ===
          "not deleting: 3 of 4 --from-json rows do not match the site: row 2: proxyHost 'nowhere.lab' is not a proxy node of this site; " +
            "row 3: virtual proxy '' is not linked to proxy node 'dev1.lab'; row 4: session 'gone\\x1b' is not on virtual proxy 'finance' of 'central.lab' (it may have ended since it was listed)",
    );
  });

  it('names five bad rows and counts the rest', () => {
    const rows = Array.from({ length: 8 }, (_, i) => row('central.lab', 'finance', `nope${i}`));
    assert.throws(() => checkRows(rows, site, listing(), []), /row 5: session 'nope4' .*; and 3 more$/);
  });
});
