import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from '../../src/errors.js';
import { filterByUser, isUserFilterActive, keepUser, matchesAnyUser, userPattern, wildcardMatch } from '../../src/sessions/filter.js';
import { toUserFilter } from '../../src/cli/user-options.js';

describe('wildcardMatch', () => {
  const cases: [pattern: string, text: string, expected: boolean][] = [
    ['INTERNAL\\*', 'INTERNAL\\sa_api', true],
    ['INTERNAL\\*', 'internal\\SA_ENGINE', true],
    ['INTERNAL\\*', 'INTERNAL\\', true],
    ['INTERNAL\\*', 'LAB\\internal', false],
    ['INTERNAL\\*', 'XINTERNAL\\sa_api', false],
    ['*\\sa_*', 'INTERNAL\\sa_repository', true],
    ['*\\sa_*', 'LAB\\sam', false],
    ['LAB\\goran', 'LAB\\goran', true],
    ['LAB\\goran', 'LAB\\goran2', false],
    ['LAB\\goran', 'xLAB\\goran', false],
    ['LAB\\g*n', 'lab\\GORAN', true],
    ['LAB\\g*n', 'LAB\\gorans', false],
    ['a**b', 'ab', true],
    ['a*b*c', 'aXbYbZc', true],
    ['a*b*c', 'aXbYbZ', false],
    ['*', '', true],
    ['', '', true],
    ['', 'x', false],
  ];
  for (const [pattern, text, expected] of cases) {
    it(`'${pattern}' ${expected ? 'matches' : 'does not match'} '${text}'`, () => {
      assert.equal(wildcardMatch(pattern, text), expected);
    });
  }

  it('gives every character but * its literal meaning (regular expression syntax included)', () => {
    for (const special of ['.', '+', '?', '(', ')', '[', ']', '{', '}', '|', '^', '$', '/', '-', '\\d', '\\w']) {
      const pattern = `LAB\\a${special}b`;
      assert.equal(wildcardMatch(pattern, `LAB\\a${special}b`), true, `${pattern} matches itself`);
    }
    assert.equal(wildcardMatch('LAB\\a.b', 'LAB\\axb'), false, '. is not any character');
    assert.equal(wildcardMatch('LAB\\a+', 'LAB\\aaa'), false, '+ is not repetition');
    assert.equal(wildcardMatch('LAB\\a?', 'LAB\\a'), false, '? is not optional (nor a wildcard)');
    assert.equal(wildcardMatch('LAB\\a|x', 'LAB\\a'), false, '| is not alternation');
    assert.equal(wildcardMatch('LAB\\[ab]', 'LAB\\a'), false, '[] is not a class');
    assert.equal(wildcardMatch('LAB\\\\d', 'LAB\\1'), false, '\\d is not a digit');
    assert.equal(wildcardMatch('^LAB\\x$', 'LAB\\x'), false, '^ and $ are not anchors');
  });

  it('stays linear-ish on a pattern that would make a backtracking regex explode', { timeout: 10_000 }, () => {
    const text = `${'a'.repeat(3000)}\\${'a'.repeat(3000)}`;
    assert.equal(wildcardMatch('*a*a*a*a*a*a*a*a*a*a*b', text), false);
    assert.equal(wildcardMatch('*a*a*a*a*a*a*a*a*a*a*', text), true);
  });
});

describe('user patterns', () => {
  it('matches DIRECTORY\\userid, and a pattern without a backslash is a user id in any directory', () => {
    assert.equal(userPattern('INTERNAL\\sa_*')('INTERNAL', 'sa_scheduler'), true);
    assert.equal(userPattern('sa_api')('INTERNAL', 'sa_api'), true);
    assert.equal(userPattern('sa_api')('LAB', 'SA_API'), true);
    assert.equal(userPattern('sa_api')('INTERNAL', 'sa_api2'), false);
    assert.equal(userPattern('sa_api')('sa_api', 'goran'), false);
    const any = matchesAnyUser(['INTERNAL\\*', 'LAB\\svc_*']);
    assert.equal(any('internal', 'sa_repository'), true);
    assert.equal(any('LAB', 'svc_backup'), true);
    assert.equal(any('LAB', 'goran'), false);
  });
});

describe('keepUser and filterByUser', () => {
  const users: [string, string][] = [
    ['LAB', 'goran'],
    ['LAB', 'testuser_1'],
    ['INTERNAL', 'sa_api'],
    ['lab', 'TESTUSER_2'],
    ['CORP', 'testuser_1'],
  ];
  const keep = (filter: Parameters<typeof keepUser>[0]) => filterByUser(users, filter, (u) => u).map(([d, i]) => `${d}\\${i}`);

  it('keeps everything when no filter is given', () => {
    assert.equal(isUserFilterActive({}), false);
    assert.deepEqual(keep({}), ['LAB\\goran', 'LAB\\testuser_1', 'INTERNAL\\sa_api', 'lab\\TESTUSER_2', 'CORP\\testuser_1']);
  });

  it('leaves out the excluded users, any case', () => {
    assert.deepEqual(keep({ excludeUsers: ['internal\\*', 'LAB\\TESTUSER_*'] }), ['LAB\\goran', 'CORP\\testuser_1']);
  });

  it('selects by directory, by user id, or both, without regard to case', () => {
    assert.deepEqual(keep({ userDir: 'Lab' }), ['LAB\\goran', 'LAB\\testuser_1', 'lab\\TESTUSER_2']);
    assert.deepEqual(keep({ userIds: ['TestUser_1'] }), ['LAB\\testuser_1', 'CORP\\testuser_1']);
    assert.deepEqual(keep({ userDir: 'LAB', userIds: ['testuser_1', 'testuser_2'] }), ['LAB\\testuser_1', 'lab\\TESTUSER_2']);
  });

  it('lets an exclusion win over a selection', () => {
    assert.deepEqual(keep({ userDir: 'LAB', excludeUsers: ['*\\testuser_*'] }), ['LAB\\goran']);
  });
});

describe('toUserFilter (the user options of session-get and session-delete)', () => {
  it('narrows the raw option values, trimmed', () => {
    assert.deepEqual(toUserFilter({}), { excludeUsers: undefined, userDir: undefined, userIds: undefined });
    assert.deepEqual(toUserFilter({ excludeUser: ['INTERNAL\\*'], sessionUserDir: ' LAB ', sessionUserId: ['a', ' b'] }), {
      excludeUsers: ['INTERNAL\\*'],
      userDir: 'LAB',
      userIds: ['a', 'b'],
    });
  });

  it('refuses empty values (an empty variable must not silently select or exclude nobody), naming the option as declared', () => {
    const refused: [Parameters<typeof toUserFilter>[0], string][] = [
      [{ excludeUser: [''] }, "option '--exclude-user <pattern...>' must not be empty"],
      [{ excludeUser: [] }, "option '--exclude-user <pattern...>' must not be empty"],
      [{ sessionUserId: ['a', ' '] }, "option '--session-user-id <userid...>' must not be empty"],
      [{ sessionUserDir: '' }, "option '--session-user-dir <directory>' must not be empty"],
      [{ sessionUserDir: ' \t' }, "option '--session-user-dir <directory>' must not be empty"],
    ];
    for (const [raw, message] of refused) {
      assert.throws(() => toUserFilter(raw), (err: unknown) => err instanceof UsageError && err.message === message, JSON.stringify(raw));
    }
  });
});
