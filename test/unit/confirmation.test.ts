/** session-delete's one confirmation rule (asksFirst), used before anything is sent and once the plan is known. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { asksFirst, type DeleteWhat } from '../../src/cli/commands/session-delete.js';

const ids: DeleteWhat = { mode: 'ids', sessionIds: ['s1'] };
const all: DeleteWhat = { mode: 'all' };
const user: DeleteWhat = { mode: 'user', userDir: 'LAB', userIds: ['a'] };
const fromJson: DeleteWhat = { mode: 'fromJson', source: 'rows.json' };
const plain = { yes: false, interactive: false, dryRun: false };

describe('asksFirst', () => {
  const cases: [string, Parameters<typeof asksFirst>[0], number | undefined, boolean][] = [
    ['ids on one pair', { ...plain, what: ids }, 1, false],
    ['ids on two pairs', { ...plain, what: ids }, 2, true],
    ['ids on pairs not known yet (every node or virtual proxy)', { ...plain, what: ids }, undefined, true],
    ['everything on one pair', { ...plain, what: all }, 1, true],
    ["a user's sessions on one pair", { ...plain, what: user }, 1, true],
    ['the rows of --from-json', { ...plain, what: fromJson }, 1, true],
    ['everything, --yes', { ...plain, yes: true, what: all }, undefined, false],
    ['everything, --interactive (the checklist is the question)', { ...plain, interactive: true, what: all }, undefined, false],
    ['everything, --dry-run', { ...plain, dryRun: true, what: all }, undefined, false],
  ];
  for (const [what, opts, pairs, expected] of cases) {
    it(`${what}: ${expected ? 'asks' : 'does not ask'}`, () => assert.equal(asksFirst(opts, pairs), expected));
  }
});
