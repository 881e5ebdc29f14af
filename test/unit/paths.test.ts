import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { encodePrefix, encodeSegment, isAddressablePrefix, qpsPath, qrsPath } from '../../src/qlik/paths.js';
import { prefixFilter, quoteLiteral } from '../../src/qlik/filter.js';

describe('QPS and QRS paths', () => {
  it('puts the default virtual proxy at /qps/session and keeps a prefix’s own slash', () => {
    assert.equal(qpsPath('', 'session'), '/qps/session');
    assert.equal(qpsPath('finance', 'session'), '/qps/finance/session');
    assert.equal(qpsPath('sales/emea', 'session'), '/qps/sales/emea/session');
  });

  it('refuses to build a path from a prefix with an empty, . or .. segment (it would name another route)', () => {
    for (const prefix of ['..', '.', 'a/../b', 'a//b', '/hdr/', 'a/.', '../qrs']) {
      assert.equal(isAddressablePrefix(prefix), false, prefix);
      assert.throws(() => qpsPath(prefix, 'session'), /cannot be addressed in a URL path/, prefix);
    }
    for (const prefix of ['', 'finance', 'sales/emea', '...', '.a', 'a..b', '%2e%2e']) assert.equal(isAddressablePrefix(prefix), true, prefix);
    assert.equal(qpsPath('%2e%2e', 'session'), '/qps/%252e%252e/session');
  });

  it('encodes every other character of a segment, so no value can reach another route', () => {
    assert.equal(qpsPath('a b', 'session', '../x?y#z%'), '/qps/a%20b/session/..%2Fx%3Fy%23z%25');
    assert.equal(qpsPath('', 'user', 'DOMAIN', "o'neil (x)*!"), "/qps/user/DOMAIN/o%27neil%20%28x%29%2A%21");
    assert.equal(encodeSegment('..'), '..');
    assert.equal(encodePrefix('a&b'), '/a%26b');
    assert.equal(qrsPath('', 'proxyservice/full'), '/qrs/proxyservice/full');
    assert.equal(qrsPath('hdr', 'about'), '/hdr/qrs/about');
  });
});

describe('QRS filter', () => {
  it('quotes literals with backslash escapes', () => {
    assert.equal(quoteLiteral("a'b"), "'a\\'b'");
    assert.equal(quoteLiteral('back\\slash'), "'back\\\\slash'");
    assert.equal(quoteLiteral(''), "''");
  });

  it('joins prefixes with or, and gives no filter for no prefixes', () => {
    assert.equal(prefixFilter(['finance', "x'y", '']), "prefix eq 'finance' or prefix eq 'x\\'y' or prefix eq ''");
    assert.equal(prefixFilter([]), undefined);
  });
});
