import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyFilter, FilterError, matchesFilter, parseFilter } from '../simulator/filter.js';

const vps = [
  { id: 'a', prefix: '', description: 'Central Proxy (Default)', defaultVirtualProxy: true, sessionInactivityTimeout: 30 },
  { id: 'b', prefix: 'finance', description: 'finance virtual proxy', defaultVirtualProxy: false, sessionInactivityTimeout: 30 },
  { id: 'c', prefix: 'hdr', description: 'Header auth, central', defaultVirtualProxy: false, sessionInactivityTimeout: 60 },
  { id: 'd', prefix: 'hdr', description: "Bob's header proxy", defaultVirtualProxy: false, sessionInactivityTimeout: 30 },
  { id: 'e', prefix: 'sales/emea', description: 'Sales EMEA', defaultVirtualProxy: false, sessionInactivityTimeout: 30 },
];
const ids = (expr: string): string => applyFilter(vps, expr).map((v) => v.id).join('');

function parseError(expr: string): string {
  try {
    parseFilter(expr);
  } catch (err) {
    assert.ok(err instanceof FilterError);
    return err.body;
  }
  assert.fail(`expected "${expr}" to be rejected`);
}

describe('QRS filter parser', () => {
  it('eq / ne / sw / ew / so', () => {
    assert.equal(ids("prefix eq 'hdr'"), 'cd');
    assert.equal(ids("prefix ne 'hdr'"), 'abe');
    assert.equal(ids("prefix sw 'hd'"), 'cd');
    assert.equal(ids("description ew '(default)'"), 'a');
    assert.equal(ids("description so 'PROXY'"), 'abd');
    assert.equal(ids("prefix eq ''"), 'a');
  });

  it('compares strings and property names case-insensitively; keywords too', () => {
    assert.equal(ids("PREFIX EQ 'FINANCE'"), 'b');
    assert.equal(ids("Prefix Eq 'Hdr' Or prefix eq 'finance'"), 'bcd');
  });

  it('and binds tighter than or', () => {
    // a or (b and c) — not (a or b) and c
    assert.equal(ids("prefix eq 'finance' or prefix eq 'hdr' and sessionInactivityTimeout eq 60"), 'bc');
    assert.equal(ids("prefix eq 'hdr' and sessionInactivityTimeout eq 60 or prefix eq ''"), 'ac');
  });

  it('parentheses group and can nest', () => {
    assert.equal(ids("(prefix eq 'finance' or prefix eq 'hdr') and sessionInactivityTimeout eq 30"), 'bd');
    assert.equal(ids("(prefix eq 'finance')"), 'b');
    assert.equal(ids("((prefix eq 'finance') or ((prefix eq 'sales/emea')))"), 'be');
  });

  it("\\' escapes a quote inside a literal", () => {
    assert.equal(ids("description eq 'Bob\\'s header proxy'"), 'd');
    assert.equal(ids("description so '\\''"), 'd');
  });

  it('bare words: numbers, booleans, null', () => {
    assert.equal(ids('defaultVirtualProxy eq true'), 'a');
    assert.equal(ids('sessionInactivityTimeout eq 60'), 'c');
    assert.equal(ids('missingProperty eq null'), 'abcde');
    assert.equal(ids('prefix ne null'), 'abcde');
  });

  it('dotted paths, through arrays too', () => {
    const proxies = [
      { id: 'p1', serverNodeConfiguration: { hostName: '127.0.0.2', name: 'Central' }, tags: [{ name: 'A' }, { name: 'B' }] },
      { id: 'p2', serverNodeConfiguration: { hostName: '127.0.0.3', name: 'dev1' }, tags: [] },
    ];
    const f = (e: string): string => applyFilter(proxies, e).map((p) => p.id).join('');
    assert.equal(f("serverNodeConfiguration.hostName eq '127.0.0.3'"), 'p2');
    assert.equal(f("servernodeconfiguration.NAME eq 'central'"), 'p1');
    assert.equal(f("tags.name eq 'b'"), 'p1');
    assert.equal(f("tags.name ne 'b'"), 'p2');
  });

  it('bad expressions give "Cannot parse the expression: <expr>"', () => {
    for (const bad of [
      "prefix eq 'hdr",
      "prefix eq 'Q1''25'",
      'prefix eq "hdr"',
      "prefix eq 'a' or",
      "prefix gt 'a'",
      "prefix 'a'",
      "eq 'a'",
      "(prefix eq 'a'",
      "prefix eq 'a')",
      "prefix eq 'a' prefix eq 'b'",
      'prefix eq',
      "and prefix eq 'a'",
      ' ',
    ]) {
      assert.equal(parseError(bad), `Cannot parse the expression: ${bad}`, bad);
    }
  });

  it('an empty group is "Invalid expression"', () => {
    assert.equal(parseError('()'), 'Invalid expression');
    assert.equal(parseError("prefix eq 'a' or ()"), 'Invalid expression');
  });

  it('empty filter keeps everything; matchesFilter works on single entities', () => {
    assert.equal(applyFilter(vps, '').length, 5);
    assert.equal(applyFilter(vps, undefined).length, 5);
    assert.equal(matchesFilter(parseFilter("prefix eq 'finance'"), vps[1]), true);
    assert.equal(matchesFilter(parseFilter("prefix eq 'finance'"), 'not an object'), false);
  });
});
