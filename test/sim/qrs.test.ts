import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { simGetJson, simRequest } from '../helpers/qlik-request.js';
import { useSeedSite } from '../helpers/site.js';
import { at } from '../simulator/at.js';

const site = useSeedSite();

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
function objArray(v: unknown): Obj[] {
  assert.ok(Array.isArray(v), 'expected an array');
  return v.map((x) => {
    assert.ok(isObj(x));
    return x;
  });
}
function obj(v: unknown): Obj {
  assert.ok(isObj(v), 'expected an object');
  return v;
}

describe('QRS /qrs/about', () => {
  it('returns the About object', async () => {
    const about = obj(await simGetJson(site.sim, 'qrs', '/qrs/about'));
    assert.equal(about.buildVersion, '25.15.2.0');
    assert.equal(about.nodeType, 1);
    assert.equal(about.schemaPath, 'About');
  });
});

describe('QRS /qrs/virtualproxyconfig', () => {
  it('full: 29 VPs with the seed topology', async () => {
    const vps = objArray(await simGetJson(site.sim, 'qrs', '/qrs/virtualproxyconfig/full'));
    assert.equal(vps.length, 29);
    const def = vps.find((v) => v.prefix === '');
    assert.ok(def);
    assert.equal(def.description, 'Central Proxy (Default)');
    assert.equal(def.sessionCookieHeaderName, 'X-Qlik-Session');
    assert.equal(def.defaultVirtualProxy, true);
    assert.equal(def.schemaPath, 'VirtualProxyConfig');
    const lb = objArray(def.loadBalancingServerNodes);
    assert.equal(lb.length, 1);
    assert.equal(lb[0]?.name, 'Central');
    assert.equal(lb[0]?.hostName, site.sim.node('Central').address);
    assert.ok(isObj(lb[0]?.serviceCluster));

    const finance = vps.find((v) => v.prefix === 'finance');
    assert.ok(finance);
    assert.deepEqual(objArray(finance.loadBalancingServerNodes).map((n) => [n.name, n.hostName]), [
      ['Central', '127.0.0.2'],
      ['dev1', '127.0.0.3'],
    ]);
    for (const pfx of ['mobile', 'hdr-access1', 'win', 'sales/emea']) assert.ok(vps.some((v) => v.prefix === pfx), pfx);
    assert.equal(new Set(vps.map((v) => v.id)).size, 29);
  });

  it('condensed list has the same VPs with condensed fields', async () => {
    const vps = objArray(await simGetJson(site.sim, 'qrs', '/qrs/virtualproxyconfig'));
    assert.equal(vps.length, 29);
    const first = at(vps, 0, 'virtual proxy');
    assert.ok(!('loadBalancingServerNodes' in first));
    assert.deepEqual(Object.keys(first).filter((k) => ['id', 'prefix', 'description', 'sessionCookieHeaderName', 'defaultVirtualProxy'].includes(k)).length, 5);
  });

  it("filter prefix eq 'hdr' returns both hdr VPs (like the seed's --session-virtual-proxy hdr)", async () => {
    const vps = objArray(await simGetJson(site.sim, 'qrs', '/qrs/virtualproxyconfig/full', { filter: "prefix eq 'hdr'" }));
    assert.deepEqual(vps.map((v) => v.sessionCookieHeaderName).sort(), ['X-Qlik-Session-hdr-central', 'X-Qlik-Session-hdr-dev']);
  });

  it("Ctrl-Q's encodeURI form of a multi-prefix filter", async () => {
    const filter = encodeURI("prefix eq 'finance' or prefix eq 'win'");
    const res = await simRequest(site.sim, 'qrs', { path: `/qrs/virtualproxyconfig/full?filter=${filter}` });
    assert.equal(res.status, 200);
    assert.deepEqual(objArray(res.json()).map((v) => v.prefix).sort(), ['finance', 'win']);
  });

  it('filters on nested properties and on condensed lists', async () => {
    const onDev = objArray(await simGetJson(site.sim, 'qrs', '/qrs/virtualproxyconfig/full', { filter: "loadBalancingServerNodes.name eq 'dev1'" }));
    assert.ok(onDev.length >= 5);
    const c = objArray(await simGetJson(site.sim, 'qrs', '/qrs/virtualproxyconfig', { filter: "prefix eq 'sales/emea'" }));
    assert.equal(c.length, 1);
    assert.equal(c[0]?.prefix, 'sales/emea');
  });

  it('no match → 200 []', async () => {
    const res = await simRequest(site.sim, 'qrs', { path: '/qrs/virtualproxyconfig/full', query: { filter: "prefix eq 'nope'" } });
    assert.equal(res.status, 200);
    assert.equal(res.text, '[]');
  });

  it('bad filter → 400 "Cannot parse the expression: …"; () → 400 "Invalid expression"', async () => {
    let res = await simRequest(site.sim, 'qrs', { path: '/qrs/virtualproxyconfig/full', query: { filter: "prefix eq 'hdr" } });
    assert.equal(res.status, 400);
    assert.equal(res.text, "Cannot parse the expression: prefix eq 'hdr");
    res = await simRequest(site.sim, 'qrs', { path: '/qrs/virtualproxyconfig/full', query: { filter: '()' } });
    assert.equal(res.status, 400);
    assert.equal(res.text, 'Invalid expression');
  });

  it('an unencoded & in a filter value → 400 "Missing parameter value(s)"', async () => {
    const res = await simRequest(site.sim, 'qrs', { path: "/qrs/virtualproxyconfig/full?filter=description%20eq%20'A&B'" });
    assert.equal(res.status, 400);
    assert.equal(res.text, 'Missing parameter value(s)');
    const ok = await simRequest(site.sim, 'qrs', { path: '/qrs/virtualproxyconfig/full', query: { filter: "description eq 'A&B'" } });
    assert.equal(ok.status, 200);
    assert.equal(ok.text, '[]');
  });

  it('count and get-by-id', async () => {
    assert.deepEqual(await simGetJson(site.sim, 'qrs', '/qrs/virtualproxyconfig/count', { filter: "prefix eq 'hdr'" }), { value: 2 });
    const id = at(site.sim.scenario.virtualProxies, 1, 'virtual proxy').id;
    assert.equal(obj(await simGetJson(site.sim, 'qrs', `/qrs/virtualproxyconfig/${id}`)).id, id);
    const res = await simRequest(site.sim, 'qrs', { path: '/qrs/virtualproxyconfig/00000000-0000-0000-0000-000000000000' });
    assert.equal(res.status, 404);
  });
});

describe('QRS /qrs/proxyservice', () => {
  it('full: both nodes with loopback hostName, actual restListenPort and linked VPs', async () => {
    const ps = objArray(await simGetJson(site.sim, 'qrs', '/qrs/proxyservice/full'));
    assert.equal(ps.length, 2);
    const byName = new Map(ps.map((p) => [obj(p.serverNodeConfiguration).name, p]));
    const central = byName.get('Central');
    const dev1 = byName.get('dev1');
    assert.ok(central && dev1);
    assert.equal(central.id, '9d5d7900-3e52-4f22-b6b9-51f38a3afe86');
    assert.equal(dev1.id, 'd0510bbe-c686-459b-b10e-713fcf3951e8');
    assert.equal(obj(central.serverNodeConfiguration).hostName, '127.0.0.2');
    assert.equal(obj(dev1.serverNodeConfiguration).hostName, '127.0.0.3');
    const cs = obj(central.settings);
    assert.equal(cs.restListenPort, site.sim.node('Central').port);
    assert.equal(obj(dev1.settings).restListenPort, site.sim.node('dev1').port);
    // seed: Central has 24 linked VPs, dev1 has 5
    assert.equal(objArray(cs.virtualProxies).length, 24);
    assert.equal(objArray(obj(dev1.settings).virtualProxies).length, 5);
    const vp = at(objArray(cs.virtualProxies), 0, 'virtual proxy');
    for (const k of ['id', 'prefix', 'description', 'sessionCookieHeaderName', 'defaultVirtualProxy']) assert.ok(k in vp, k);
    assert.equal(central.schemaPath, 'ProxyService');
  });

  it('three VPs are linked to no proxy (mobile, hdr-dev, hdr-access1)', async () => {
    const ps = objArray(await simGetJson(site.sim, 'qrs', '/qrs/proxyservice/full'));
    const linked = new Set(ps.flatMap((p) => objArray(obj(p.settings).virtualProxies).map((v) => v.id)));
    const vps = objArray(await simGetJson(site.sim, 'qrs', '/qrs/virtualproxyconfig/full'));
    const unlinked = vps.filter((v) => !linked.has(v.id)).map((v) => v.sessionCookieHeaderName).sort();
    assert.deepEqual(unlinked, ['X-Qlik-Session-hdr-access1', 'X-Qlik-Session-hdr-dev', 'X-Qlik-Session-mob']);
  });

  it('condensed list, local, count, filter on serverNodeConfiguration.hostName', async () => {
    const c = objArray(await simGetJson(site.sim, 'qrs', '/qrs/proxyservice'));
    assert.deepEqual(c.map((p) => p.id).sort(), ['9d5d7900-3e52-4f22-b6b9-51f38a3afe86', 'd0510bbe-c686-459b-b10e-713fcf3951e8']);
    const local = obj(await simGetJson(site.sim, 'qrs', '/qrs/proxyservice/local'));
    assert.equal(obj(local.serverNodeConfiguration).name, 'Central');
    assert.deepEqual(await simGetJson(site.sim, 'qrs', '/qrs/proxyservice/count'), { value: 2 });
    const f = objArray(await simGetJson(site.sim, 'qrs', '/qrs/proxyservice/full', { filter: "serverNodeConfiguration.hostName eq '127.0.0.3'" }));
    assert.deepEqual(f.map((p) => obj(p.serverNodeConfiguration).name), ['dev1']);
  });
});

describe('QRS routing', () => {
  it('accepts a leading virtual-proxy prefix (the CLI --virtual-proxy form), repeated slashes and any case', async () => {
    for (const path of ['/myvp/qrs/about', '/a/b/qrs/virtualproxyconfig/full', '//qrs//about', '/QRS/About', '/qrs/VirtualProxyConfig/Full']) {
      const res = await simRequest(site.sim, 'qrs', { path });
      assert.equal(res.status, 200, path);
    }
  });

  it('unknown route → 404, other methods → 405', async () => {
    assert.equal((await simRequest(site.sim, 'qrs', { path: '/qrs/app/full' })).status, 404);
    assert.equal((await simRequest(site.sim, 'qrs', { path: '/nothing' })).status, 404);
    assert.equal((await simRequest(site.sim, 'qrs', { path: '/qrs/about', method: 'POST', body: {} })).status, 405);
  });

  it('QPS routes are not served on the QRS port', async () => {
    assert.equal((await simRequest(site.sim, 'qrs', { path: '/qps/session' })).status, 404);
  });
});
