import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { encodePrefix, encodeSegment, qpsPath, qrsPath } from '../../src/qlik/paths.js';
import { prefixFilter, quoteLiteral } from '../../src/qlik/filter.js';

describe('QPS and QRS paths', () => {
  it('puts the default virtual proxy at /qps/session and keeps a prefix’s own slash', () => {
    assert.equal(qpsPath('', 'session'), '/qps/session');
    assert.equal(qpsPath('finance', 'session'), '/qps/finance/session');
    assert.equal(qpsPath('sales/emea', 'session'), '/qps/sales/emea/session');
    assert.equal(qpsPath('/hdr/', 'session'), '/qps/hdr/session');
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
