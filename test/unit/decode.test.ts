/** Every malformed shape QRS or QPS could send, each with the exact message it becomes. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { QlikApiError, type RequestInfo } from '../../src/errors.js';
import { decodeOptionalSession, decodeProxyServices, decodeSessions, decodeVirtualProxies } from '../../src/qlik/decode.js';

const QPS: RequestInfo = { service: 'QPS', method: 'GET', host: 'node1', port: 4243, path: '/qps/session' };
const QRS_VP: RequestInfo = { service: 'QRS', method: 'GET', host: 'central', port: 4242, path: '/qrs/virtualproxyconfig/full' };
const QRS_PS: RequestInfo = { service: 'QRS', method: 'GET', host: 'central', port: 4242, path: '/qrs/proxyservice/full' };

function malformedWith(message: string): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof QlikApiError, `a QlikApiError, got ${String(err)}`);
    assert.equal(err.message, message);
    assert.equal(err.code, 'EMALFORMED');
    assert.equal(err.exitCode, 1);
    assert.equal(err.transient, false);
    return true;
  };
}

const session = (fields: Record<string, unknown>): string => JSON.stringify([fields]);
const ok = { UserDirectory: 'LAB', UserId: 'u1', UserName: 'User One', SessionId: 's1', Attributes: [{ Group: 'a' }] };

describe('decodeSessions: a session list that is not what QPS sends', () => {
  const where = 'QPS GET /qps/session on node1:4243';
  const cases: [string, string, string][] = [
    ['an HTML page', '<html><body>Login</body></html>', `${where} answered with HTML`],
    ['an empty body', '  ', `${where} answered with an empty body`],
    ['text', 'Service Unavailable', `${where} answered with text that is not valid JSON`],
    ['truncated JSON', '[{"UserDirectory":"LAB"', `${where} answered with text that is not valid JSON`],
    ['an object instead of a list', '{"SessionId":"s1"}', `${where} answered with session list that is not a list`],
    ['null', 'null', `${where} answered with session list that is not a list`],
    ['an element that is not an object', '["s1"]', `${where} answered with an unexpected session list: session is not an object`],
    ['no UserDirectory', session({ ...ok, UserDirectory: undefined }), `${where} answered with an unexpected session list: session has no UserDirectory`],
    ['no UserId', session({ ...ok, UserId: undefined }), `${where} answered with an unexpected session list: session has no UserId`],
    ['no SessionId', session({ ...ok, SessionId: undefined }), `${where} answered with an unexpected session list: session has no SessionId`],
    ['a numeric SessionId', session({ ...ok, SessionId: 42 }), `${where} answered with an unexpected session list: session has no SessionId`],
  ];
  for (const [what, body, message] of cases) {
    it(`${what} → "${message}"`, () => {
      assert.throws(() => decodeSessions(body, QPS), malformedWith(message));
    });
  }
});

describe('decodeSessions: what a session may lack or carry', () => {
  it('keeps a complete session as it is', () => {
    assert.deepEqual(decodeSessions(session(ok), QPS), [ok]);
  });

  it('a missing or non-string UserName becomes null', () => {
    assert.equal(decodeSessions(session({ ...ok, UserName: undefined }), QPS)[0]?.UserName, null);
    assert.equal(decodeSessions(session({ ...ok, UserName: 7 }), QPS)[0]?.UserName, null);
  });

  it('missing or null Attributes are an empty list (Ctrl-Q crashes there)', () => {
    assert.deepEqual(decodeSessions(session({ ...ok, Attributes: undefined }), QPS)[0]?.Attributes, []);
    assert.deepEqual(decodeSessions(session({ ...ok, Attributes: null }), QPS)[0]?.Attributes, []);
  });

  it('attribute values that are not strings become text; elements that are not objects are dropped', () => {
    const body = session({ ...ok, Attributes: [{ n: 1 }, 'stray', { empty: null }, { list: ['a', 'b'] }, { s: 'x' }] });
    assert.deepEqual(decodeSessions(body, QPS)[0]?.Attributes, [{ n: '1' }, { empty: '' }, { list: '["a","b"]' }, { s: 'x' }]);
  });
});

describe('decodeOptionalSession: the answer to a DELETE', () => {
  const del: RequestInfo = { ...QPS, method: 'DELETE', path: '/qps/session/s1' };
  it('an empty body or null is "no such session"', () => {
    assert.equal(decodeOptionalSession('', del), null);
    assert.equal(decodeOptionalSession('null', del), null);
  });
  it('a session is returned', () => {
    assert.deepEqual(decodeOptionalSession(JSON.stringify(ok), del), ok);
  });
  it('a session without its id is malformed, with the request named', () => {
    assert.throws(
      () => decodeOptionalSession(JSON.stringify({ ...ok, SessionId: undefined }), del),
      malformedWith('QPS DELETE /qps/session/s1 on node1:4243 answered with an unexpected session: session has no SessionId'),
    );
  });
  it('HTML is malformed', () => {
    assert.throws(() => decodeOptionalSession('<html/>', del), malformedWith('QPS DELETE /qps/session/s1 on node1:4243 answered with HTML'));
  });
});

describe('decodeVirtualProxies', () => {
  const where = 'QRS GET /qrs/virtualproxyconfig/full on central:4242';
  const vp = { id: 'v1', prefix: 'finance', description: 'Finance', sessionCookieHeaderName: 'X-Qlik-Session-finance' };
  const cases: [string, unknown, string][] = [
    ['not a list', { id: 'v1' }, `${where} answered with virtual proxy list that is not a list`],
    ['an element that is not an object', [1], `${where} answered with an unexpected virtual proxy list: element is not an object`],
    ['no id', [{ ...vp, id: undefined }], `${where} answered with an unexpected virtual proxy list: virtual proxy has no id`],
    ['no prefix', [{ ...vp, prefix: null }], `${where} answered with an unexpected virtual proxy list: virtual proxy has no prefix`],
    [
      'a load-balancing node without hostName',
      [{ ...vp, loadBalancingServerNodes: [{ id: 'n1', name: 'Central' }] }],
      `${where} answered with an unexpected virtual proxy list: load balancing node has no hostName`,
    ],
  ];
  for (const [what, body, message] of cases) {
    it(`${what} → "${message}"`, () => {
      assert.throws(() => decodeVirtualProxies(JSON.stringify(body), QRS_VP), malformedWith(message));
    });
  }

  it('optional fields default to empty text and false', () => {
    const [decoded] = decodeVirtualProxies(JSON.stringify([{ id: 'v1', prefix: '' }]), QRS_VP);
    assert.deepEqual(
      { description: decoded?.description, cookie: decoded?.sessionCookieHeaderName, isDefault: decoded?.defaultVirtualProxy },
      { description: '', cookie: '', isDefault: false },
    );
  });
});

describe('decodeProxyServices', () => {
  const where = 'QRS GET /qrs/proxyservice/full on central:4242';
  const node = { id: 'n1', name: 'Central', hostName: 'central.lab' };
  const service = (settings: unknown, serverNodeConfiguration: unknown = node): unknown => ({ id: 'p1', serverNodeConfiguration, settings });
  const cases: [string, unknown, string][] = [
    ['no settings', [service(undefined)], `${where} answered with an unexpected proxy service list: proxy service has no settings`],
    ['no server node', [service({}, null)], `${where} answered with an unexpected proxy service list: proxy service node is not an object`],
    ['a server node without hostName', [service({}, { id: 'n1' })], `${where} answered with an unexpected proxy service list: proxy service node has no hostName`],
    ['no id', [{ ...(service({}) as object), id: 3 }], `${where} answered with an unexpected proxy service list: proxy service has no id`],
    [
      'a linked virtual proxy without id',
      [service({ virtualProxies: [{ prefix: 'x' }] })],
      `${where} answered with an unexpected proxy service list: linked virtual proxy has no id`,
    ],
  ];
  for (const [what, body, message] of cases) {
    it(`${what} → "${message}"`, () => {
      assert.throws(() => decodeProxyServices(JSON.stringify(body), QRS_PS), malformedWith(message));
    });
  }

  it('takes restListenPort only when it is a port number', () => {
    const port = (value: unknown): number | undefined =>
      decodeProxyServices(JSON.stringify([service({ restListenPort: value })]), QRS_PS)[0]?.settings.restListenPort;
    assert.equal(port(4243), 4243);
    for (const bad of [0, 65536, 4243.5, '4243', null, -1]) assert.equal(port(bad), undefined, `restListenPort ${JSON.stringify(bad)}`);
  });

  it('linked virtual proxies: a missing list is none, elements that are not objects are skipped', () => {
    assert.deepEqual(decodeProxyServices(JSON.stringify([service({})]), QRS_PS)[0]?.settings.virtualProxies, []);
    const linked = decodeProxyServices(JSON.stringify([service({ virtualProxies: ['v0', { id: 'v1' }, { id: 'v2', prefix: 'f' }] })]), QRS_PS);
    assert.deepEqual(linked[0]?.settings.virtualProxies, [
      { id: 'v1', prefix: '' },
      { id: 'v2', prefix: 'f' },
    ]);
  });
});
