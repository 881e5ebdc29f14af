/**
 * The option declarations (src/cli/options.ts): each key is the attribute commander gives its flag,
 * each flag is declared once (a command's own form is a variant with the same flag and key), and the
 * values read back are typed from the declarations (checked by `npm run typecheck`).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Option } from 'commander';
import { SESSION_DELETE_SPECS, type SessionDeleteValues } from '../../src/cli/commands/session-delete.js';
import { SESSION_GET_SPECS, type SessionGetValues } from '../../src/cli/commands/session-get.js';
import {
  COMMON_OPTIONS,
  SESSION_DELETE_OPTIONS,
  SESSION_GET_OPTIONS,
  TARGET_OPTIONS,
  USER_OPTIONS,
  WATCH_OPTIONS,
  type OptionSpec,
} from '../../src/cli/options.js';

const DECLARED: OptionSpec[] = [COMMON_OPTIONS, TARGET_OPTIONS, USER_OPTIONS, WATCH_OPTIONS, SESSION_GET_OPTIONS, SESSION_DELETE_OPTIONS].flatMap(
  (group) => Object.values(group),
);

// Typed from the declarations: a misspelt key does not compile, and each value has its option's shape.
export function typedValues(get: SessionGetValues, del: SessionDeleteValues): [string[] | undefined, string | undefined, boolean | string | undefined] {
  // @ts-expect-error: no option has the key sessionUserDri
  void get.sessionUserDri;
  // @ts-expect-error: --all-host-proxies is session-delete's, not session-get's
  void get.allHostProxies;
  // @ts-expect-error: --host-proxy takes several values: a list, not a string
  const one: string | undefined = del.hostProxy;
  void one;
  return [del.hostProxy, get.watch, del.yes];
}

describe('option declarations', () => {
  it("each key is the attribute commander gives the option's long flag", () => {
    for (const spec of DECLARED) assert.equal(new Option(spec.flags).attributeName(), spec.key, spec.flags);
  });

  it('each long flag is declared once: the same flag in two groups is a variant with the same key', () => {
    const byFlag = new Map<string, OptionSpec[]>();
    for (const spec of DECLARED) byFlag.set(spec.flags, [...(byFlag.get(spec.flags) ?? []), spec]);
    const shared = [...byFlag].filter(([, specs]) => specs.length > 1).map(([flags]) => flags);
    assert.deepEqual(shared.sort(), ['--host-proxy <host...>', '--output-format <format>', '--session-virtual-proxy <prefix...>']);
    assert.equal(SESSION_DELETE_OPTIONS.hostProxy.env, TARGET_OPTIONS.hostProxy.env);
    assert.equal(SESSION_DELETE_OPTIONS.sessionVirtualProxy.env, TARGET_OPTIONS.sessionVirtualProxy.env);
  });

  it("each command's options have distinct flags and keys", () => {
    for (const specs of [SESSION_GET_SPECS, SESSION_DELETE_SPECS]) {
      const list: readonly OptionSpec[] = specs;
      assert.equal(new Set(list.map((s) => s.flags)).size, list.length);
      assert.equal(new Set(list.map((s) => s.key)).size, list.length);
    }
  });

  it("session-delete's forms keep session-get's names and Ctrl-Q's choices, defaults and variables", () => {
    assert.deepEqual(
      { ...SESSION_GET_OPTIONS.outputFormat, description: undefined },
      { key: 'outputFormat', flags: '--output-format <format>', description: undefined, choices: ['json', 'table', 'summary', 'summary-json'], defaultValue: 'json', env: ['CTRLQ_OUTPUT_FORMAT'] },
    );
    assert.deepEqual(
      { ...SESSION_DELETE_OPTIONS.outputFormat, description: undefined },
      { key: 'outputFormat', flags: '--output-format <format>', description: undefined, choices: ['text', 'json'], defaultValue: 'text', env: ['CTRLQ_DELETE_OUTPUT_FORMAT'] },
    );
    assert.equal(SESSION_DELETE_OPTIONS.sessionVirtualProxy.defaultDescription, '"", the default virtual proxy');
  });
});
