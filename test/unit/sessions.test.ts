import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from '../../src/errors.js';
import { silentLog } from '../../src/io/logger.js';
import type { QrsApi } from '../../src/qlik/qrs-client.js';
import type { ProxyService, QpsSession, VirtualProxyConfig } from '../../src/qlik/types.js';
import { perNode, runPool } from '../../src/sessions/pool.js';
import { countByProxy, sortRows, targetRows, type SessionRow } from '../../src/sessions/rows.js';
import { loadSite, planTargets, selectProxies, unlinkedVirtualProxies } from '../../src/sessions/site.js';

const node = (name: string, hostName: string) => ({ id: `${name}-id`, name, hostName });

const vps: VirtualProxyConfig[] = [
  { id: 'vp-default', prefix: '', description: 'Central Proxy (Default)', sessionCookieHeaderName: 'X-Qlik-Session', loadBalancingServerNodes: [node('Central', 'Host-A.lab')] },
  { id: 'vp-hdr-1', prefix: 'hdr', description: 'hdr central', sessionCookieHeaderName: 'X-Qlik-Session-hdr-central', loadBalancingServerNodes: [node('Central', 'Host-A.lab')] },
  { id: 'vp-hdr-2', prefix: 'hdr', description: 'hdr dev', sessionCookieHeaderName: 'X-Qlik-Session-hdr-dev', loadBalancingServerNodes: [node('dev1', 'host-b.lab')] },
  { id: 'vp-lonely', prefix: 'mobile', description: 'unlinked', sessionCookieHeaderName: 'X-Qlik-Session-mob', loadBalancingServerNodes: [] },
];
const services: ProxyService[] = [
  { id: 'p1', serverNodeConfiguration: node('Central', 'Host-A.lab'), settings: { restListenPort: 14243, virtualProxies: [{ id: 'vp-default' }, { id: 'vp-hdr-1' }] } },
  { id: 'p2', serverNodeConfiguration: node('dev1', 'host-b.lab'), settings: { virtualProxies: [{ id: 'vp-hdr-2' }] } },
];
const qrs: QrsApi = {
  listVirtualProxies: async () => vps,
  listProxyServices: async () => services,
};

describe('site and targets', () => {
  it('uses restListenPort, else 4243, unless --qps-port is given', async () => {
    const site = await loadSite(qrs, {}, silentLog);
    assert.deepEqual(site.proxies.map((p) => p.port), [14243, 4243]);
    const forced = await loadSite(qrs, { qpsPort: 5000 }, silentLog);
    assert.deepEqual(forced.proxies.map((p) => p.port), [5000, 5000]);
  });

  it('keys virtual proxies by id: a shared prefix goes only to the node each one is linked to', async () => {
    const site = await loadSite(qrs, {}, silentLog);
    const targets = planTargets(site, site.proxies);
    assert.deepEqual(targets.map((t) => `${t.vp.id}@${t.node.name}`), ['vp-default@Central', 'vp-hdr-1@Central', 'vp-hdr-2@dev1']);
    assert.deepEqual(unlinkedVirtualProxies(site).map((vp) => vp.id), ['vp-lonely']);
  });

  it('matches --host-proxy without regard to case and names the valid hosts otherwise', async () => {
    const site = await loadSite(qrs, {}, silentLog);
    assert.deepEqual(selectProxies(site, ['host-a.LAB']).map((p) => p.name), ['Central']);
    assert.equal(selectProxies(site, undefined).length, 2);
    assert.throws(() => selectProxies(site, ['host-a.lab', 'nope']), (err: unknown) => {
      assert.ok(err instanceof UsageError);
      assert.equal(err.message, "unknown --host-proxy 'nope': the proxy host names on this site are Host-A.lab, host-b.lab");
      return true;
    });
  });
});

describe('rows', () => {
  const session = (id: string, dir: string, user: string, extra: Partial<QpsSession> = {}): QpsSession => ({
    UserDirectory: dir,
    UserId: user,
    Attributes: [],
    SessionId: id,
    ...extra,
  });

  it("builds Ctrl-Q's row fields and value formats", async () => {
    const site = await loadSite(qrs, {}, silentLog);
    const [target] = planTargets(site, site.proxies);
    assert.ok(target);
    const rows = targetRows(target, [
      session('s1', 'LAB', 'anna', { UserName: null, Attributes: [{ group: 'A' }, { group: 'B' }, { email: '' }] }),
    ]);
    assert.deepEqual(rows[0], {
      vpDescription: 'Central Proxy (Default)',
      vpPrefix: '',
      vpSessionCookieHeaderName: 'X-Qlik-Session',
      proxyHost: 'Host-A.lab',
      proxyName: 'Central',
      proxyFull: 'Central:\nHost-A.lab',
      loadBalancingNodes: 'Central: Host-A.lab',
      userDir: 'LAB',
      userId: 'anna',
      userName: '',
      attributes: 'group: A\ngroup: B\nemail: ',
      sessionId: 's1',
    });
  });

  it('sorts by the chosen column without regard to case, with a full tie-break', () => {
    const base: SessionRow = {
      vpDescription: '', vpPrefix: '', vpSessionCookieHeaderName: '', proxyHost: 'h', proxyName: 'n', proxyFull: '',
      loadBalancingNodes: '', userDir: 'LAB', userId: '', userName: '', attributes: '', sessionId: '',
    };
    const rows: SessionRow[] = [
      { ...base, vpPrefix: 'b', userId: 'zed', sessionId: '3' },
      { ...base, vpPrefix: 'A', userId: 'Bob', sessionId: '2' },
      { ...base, vpPrefix: 'a', userId: 'amy', sessionId: '1' },
      { ...base, vpPrefix: 'ab', userId: 'amy', sessionId: '0' },
    ];
    assert.deepEqual(sortRows(rows, 'prefix').map((r) => r.sessionId), ['1', '2', '0', '3']);
    assert.deepEqual(sortRows(rows, 'userid').map((r) => r.sessionId), ['1', '0', '2', '3']);
    assert.deepEqual(rows.map((r) => r.sessionId), ['3', '2', '1', '0'], 'input left as it was');
  });

  it("builds a virtual proxy's load-balancing text once, however many nodes it is linked to", async () => {
    // A list of N nodes on a virtual proxy linked to N nodes must not be held N times (N² memory).
    const site = await loadSite(qrs, {}, silentLog);
    const vp = site.virtualProxies[0];
    assert.ok(vp);
    let reads = 0;
    const nodes = Array.from({ length: 50 }, (_, i) => ({ id: `n${i}`, name: `node${i}`, hostName: `node${i}.lab` }));
    const counted: VirtualProxyConfig = {
      ...vp,
      get loadBalancingServerNodes() {
        reads++;
        return nodes;
      },
    };
    const rows = site.proxies.flatMap((node) => targetRows({ vp: counted, node }, [session(node.id, 'D', 'u')]));
    assert.equal(rows.length, site.proxies.length);
    assert.ok(site.proxies.length > 1);
    assert.equal(reads, 1);
    assert.ok(rows.every((row) => row.loadBalancingNodes === nodes.map((n) => `${n.name}: ${n.hostName}`).join('\n')));
  });

  it('collates text as Ctrl-Q does (locale-aware), not by code point', () => {
    const base: SessionRow = {
      vpDescription: '', vpPrefix: '', vpSessionCookieHeaderName: '', proxyHost: 'h', proxyName: 'n', proxyFull: '',
      loadBalancingNodes: '', userDir: 'LAB', userId: '', userName: '', attributes: '', sessionId: '',
    };
    const rows: SessionRow[] = ['Zed', 'Åsa', 'Eve', 'Émile', 'anna', 'Bob'].map((userId, i) => ({ ...base, userId, sessionId: String(i) }));
    const ids = (collator?: Intl.Collator): string[] => sortRows(rows, 'userid', collator?.compare).map((r) => r.userId);
    assert.deepEqual(ids(new Intl.Collator('en')), ['anna', 'Åsa', 'Bob', 'Émile', 'Eve', 'Zed']);
    assert.deepEqual(ids(new Intl.Collator('sv')), ['anna', 'Bob', 'Émile', 'Eve', 'Zed', 'Åsa'], 'Swedish puts Å after Z');
    assert.deepEqual(ids(), [...rows].sort((a, b) => a.userId.localeCompare(b.userId)).map((r) => r.userId), "the default is localeCompare's order");
    // Equal under collation but spelt differently (é precomposed and decomposed): still one fixed order.
    const twins = [{ ...base, userId: 'e\u0301', sessionId: 'x' }, { ...base, userId: '\u00e9', sessionId: 'y' }];
    assert.deepEqual(sortRows(twins, 'userid').map((r) => r.sessionId), ['x', 'y']);
    assert.deepEqual(sortRows([...twins].reverse(), 'userid').map((r) => r.sessionId), ['x', 'y']);
  });

  it('counts sessions per proxy, zero counts included, in QRS order', async () => {
    const site = await loadSite(qrs, {}, silentLog);
    const [target] = planTargets(site, site.proxies);
    assert.ok(target);
    const rows = targetRows(target, [session('1', 'D', 'u'), session('2', 'D', 'v')]);
    assert.deepEqual(countByProxy(site.proxies, rows), [
      { name: 'Central', host: 'Host-A.lab', count: 2 },
      { name: 'dev1', host: 'host-b.lab', count: 0 },
    ]);
  });
});

describe('runPool', () => {
  it('never runs more than the limit at once and keeps input order', async () => {
    let inFlight = 0;
    let peak = 0;
    const results = await runPool(Array.from({ length: 40 }, (_, i) => i), 5, async (i) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, (i * 7) % 5));
      inFlight--;
      if (i === 13) throw new Error('thirteen');
      return i * 2;
    });
    assert.equal(peak, 5);
    assert.deepEqual(results.map((r) => (r.ok ? r.value : 'error' in r ? 'err' : 'skip')), Array.from({ length: 40 }, (_, i) => (i === 13 ? 'err' : i * 2)));
  });

  it('with a per-group limit: never more than perKey in one group nor total in all, and both are reached', async () => {
    const groups = ['a', 'b', 'c'];
    const items = Array.from({ length: 30 }, (_, i) => ({ i, group: groups[Math.floor(i / 10)] as string }));
    const inFlight = new Map<string, number>();
    const peaks = new Map<string, number>();
    let all = 0;
    let peak = 0;
    const results = await runPool(items, { perKey: 2, total: 5, key: (item) => item.group }, async (item) => {
      inFlight.set(item.group, (inFlight.get(item.group) ?? 0) + 1);
      peaks.set(item.group, Math.max(peaks.get(item.group) ?? 0, inFlight.get(item.group) ?? 0));
      peak = Math.max(peak, ++all);
      await new Promise((r) => setImmediate(r));
      inFlight.set(item.group, (inFlight.get(item.group) ?? 0) - 1);
      all--;
      return item.i;
    });
    assert.deepEqual([...peaks.values()], [2, 2, 2]);
    assert.equal(peak, 5);
    assert.deepEqual(results.map((r) => (r.ok ? r.value : -1)), items.map((item) => item.i));
  });

  it('lets later items of other groups start while a full group waits, else keeps input order', async () => {
    const items = ['a1', 'a2', 'a3', 'b1', 'a4', 'b2'];
    const started: string[] = [];
    const release: (() => void)[] = [];
    const done = runPool(items, { perKey: 2, total: 3, key: (item) => item.charAt(0) }, (item) => {
      started.push(item);
      return new Promise<string>((resolve) => release.push(() => resolve(item)));
    });
    // a1, a2 fill group a; a3 waits; b1 takes the last of the 3 slots.
    assert.deepEqual(started, ['a1', 'a2', 'b1']);
    release.shift()?.(); // a1 ends: a3 is the lowest index with room
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(started, ['a1', 'a2', 'b1', 'a3']);
    while (release.length > 0) {
      release.shift()?.();
      await new Promise((r) => setImmediate(r));
    }
    const results = await done;
    assert.deepEqual(started, ['a1', 'a2', 'b1', 'a3', 'a4', 'b2']);
    assert.deepEqual(results.map((r) => (r.ok ? r.value : '')), items);
  });

  it('perNode groups by host (any case) and port; a plain number is one limit over all nodes', () => {
    const limit = perNode({ perNode: 3, total: 10 }, (item: { host: string; port: number }) => item);
    assert.ok(typeof limit === 'object');
    assert.equal(limit.key({ host: 'Central.Lab', port: 4243 }), limit.key({ host: 'central.lab', port: 4243 }));
    assert.notEqual(limit.key({ host: 'central.lab', port: 4243 }), limit.key({ host: 'central.lab', port: 4244 }));
    assert.deepEqual([limit.perKey, limit.total], [3, 10]);
    assert.equal(perNode(7, (item: { host: string; port: number }) => item), 7);
  });

  it('an empty list settles at once; a worker that throws before its promise is a failed item', async () => {
    assert.deepEqual(await runPool([], 4, () => Promise.resolve(1)), []);
    const results = await runPool([1, 2], 1, (i) => {
      if (i === 1) throw new Error('sync');
      return Promise.resolve(i);
    });
    assert.deepEqual(results.map((r) => (r.ok ? r.value : 'error' in r ? String(r.error) : 'skip')), ['Error: sync', 2]);
  });

  it('starts nothing new once aborted', async () => {
    const controller = new AbortController();
    const started: number[] = [];
    const results = await runPool(Array.from({ length: 10 }, (_, i) => i), 2, async (i) => {
      started.push(i);
      if (i === 3) controller.abort();
      await new Promise((r) => setTimeout(r, 5));
      return i;
    }, controller.signal);
    assert.ok(started.length <= 5, `started ${started.join(',')}`);
    assert.ok(results.filter((r) => !r.ok && 'skipped' in r).length >= 5);
  });
});
