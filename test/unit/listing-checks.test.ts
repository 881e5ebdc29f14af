/** The small checks under issue 11/12's listing: env lists, user patterns, directories, host names. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadEnvListSplitter, splitEnvList } from '../../src/cli/options.js';
import { isHostNameOrAddress } from '../../src/qlik/paths.js';
import { unseenDirectories, userPattern } from '../../src/sessions/filter.js';

describe('splitEnvList', () => {
  it('splits on LF, CRLF and a lone CR as on spaces, skipping blank lines; quotes end with their line', async () => {
    await loadEnvListSplitter({ CTRLQ_SESSION_VIRTUAL_PROXY: '"sales emea"' });
    assert.deepEqual(splitEnvList('a\nb\r\nc\rd e\n\n'), ['a', 'b', 'c', 'd', 'e']);
    assert.deepEqual(splitEnvList('"sales emea"\r\nfinance'), ['sales emea', 'finance']);
    assert.deepEqual(splitEnvList('\r\n'), [''], 'set but blank is still one empty value');
  });
});

describe('userPattern', () => {
  it('matches directory and user id each on its own: * stops at the backslash between them', () => {
    assert.equal(userPattern('A*\\y')('AB', 'x\\y'), false);
    assert.equal(userPattern('A*\\y')('AB\\x', 'y'), true, "a directory's own backslash is matched by *");
    assert.equal(userPattern('*')('ANY', 'one'), true);
    assert.equal(userPattern('sa_*')('INTERNAL', 'SA_API'), true);
    assert.equal(userPattern('INTERNAL\\sa_*')('internal', 'x\\sa_api'), false);
  });
});

describe('unseenDirectories', () => {
  it('names --session-user-dir and pattern directories that match no directory seen, once each', () => {
    const seen = ['INTERNAL', 'LAB'];
    assert.deepEqual(unseenDirectories({ userDir: 'labb', excludeUsers: ['INTRNAL\\*', 'intrnal\\x', 'L*\\x', 'sa_api'] }, seen), ['labb', 'INTRNAL']);
    assert.deepEqual(unseenDirectories({ userDir: 'lab', excludeUsers: ['*\\x', 'INT*\\y'] }, seen), []);
  });
});

describe('isHostNameOrAddress', () => {
  it('takes host names, IPv4 and bare IPv6 addresses; nothing that changes a URL', () => {
    for (const ok of ['qlik1', 'pro2-win1.lab.ptarmiganlabs.net', 'qlik_node.corp.', '127.0.0.3', '::1', 'fe80::1', '2001:db8::a']) {
      assert.equal(isHostNameOrAddress(ok), true, ok);
    }
    for (const bad of ['evil@127.0.0.9', '127.0.0.9#x', 'a/b', 'a\\b', 'a?b', 'host:4243', '[::1]', 'fe80::1%eth0', 'a b', '', 'a..b', '.a', `${'a'.repeat(64)}.b`]) {
      assert.equal(isHostNameOrAddress(bad), false, bad);
    }
  });
});
