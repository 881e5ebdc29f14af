/**
 * A site whose text attacks the terminal (issue 12, item 1): escape sequences, C1 controls, bidi
 * overrides and newlines in every field (test/simulator/hostile.ts). Every output is checked: the
 * site's sequences never reach it raw, their escaped form is visible, a newline from the site never
 * starts a line, and JSON keeps the exact values with the control characters as \uXXXX. The prompts
 * are checked byte for byte in a pseudo-terminal.
 */
import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deleteArgs, getArgs, runCli } from '../helpers/cli.js';
import { lines, startCli, waitFor } from '../helpers/live.js';
import { startInPty } from '../helpers/pty.js';
import { HOSTILE, HOSTILE_IDS, hostileScenario, rawSiteBytes, visible, visibleLines } from '../simulator/hostile.js';
import { startSimulator, type Simulator } from '../simulator/server.js';

let sim: Simulator;
let central: string;
let dir: string;

before(async () => {
  sim = await startSimulator({ scenario: hostileScenario() });
  central = sim.node(HOSTILE.centralName).address;
  dir = mkdtempSync(join(tmpdir(), 'ctrlq-hostile-'));
});
after(async () => {
  await sim.stop();
  rmSync(dir, { recursive: true, force: true });
});
afterEach(async () => {
  await sim.setFault(HOSTILE.centralName, undefined);
  // Put back what a delete test removed.
  for (const s of sim.scenario.sessions) {
    if (sim.sessions({ node: s.node }).some((live) => live.SessionId === s.SessionId)) continue;
    sim.addSession({ node: s.node, virtualProxyId: s.virtualProxyId, UserDirectory: s.UserDirectory, UserId: s.UserId, UserName: s.UserName, Attributes: s.Attributes, SessionId: s.SessionId });
  }
  sim.clearRequests();
});

/** No site bytes raw, and (off a terminal) no escape character at all. */
function assertClean(text: string, what: string): void {
  assert.deepEqual(rawSiteBytes(text), [], `${what}:\n${text}`);
  assert.ok(!text.includes('\x1b'), `${what} holds an escape character:\n${text}`);
}

const USER = `${visible('dir')}\\${visible('uid')}`;
/** Every raw control character JSON text could carry (it needs none: JSON escapes them all). */
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

describe('session-get on a site with escapes in every field', () => {
  it('json: the exact values, every control character written as \\uXXXX', async () => {
    const { code, stdout, stderr } = await runCli(getArgs(sim.cliArgs(), '--output-format', 'json'));
    assert.equal(code, 3, stderr); // the node with the hostile host name is not read
    assert.doesNotMatch(stdout, RAW_CONTROL);
    assert.ok(stdout.includes('\\u009b') && stdout.includes('\\u001b') && stdout.includes('\\u202e'), stdout);
    const rows = JSON.parse(stdout) as Record<string, string>[];
    const hostile = rows.find((r) => r.sessionId === HOSTILE_IDS.hostile);
    assert.deepEqual(
      hostile && [hostile.userDir, hostile.userId, hostile.userName, hostile.attributes, hostile.vpDescription, hostile.proxyName],
      [HOSTILE.userDir, HOSTILE.userId, HOSTILE.userName, `${HOSTILE.attributeKey}: ${HOSTILE.attributeValue}\ngroup: Sales`, HOSTILE.defaultDescription, HOSTILE.centralName],
    );
    const onPrefix = rows.find((r) => r.sessionId === HOSTILE.sessionId);
    assert.deepEqual(
      onPrefix && [onPrefix.vpPrefix, onPrefix.vpSessionCookieHeaderName, onPrefix.loadBalancingNodes],
      [HOSTILE.prefix, HOSTILE.cookieHeader, `${HOSTILE.centralName}: 127.0.0.2\nfar: ${HOSTILE.farHost}`],
    );
    assertClean(stderr, 'stderr');
  });

  it('table: every field shown escaped, a newline from the site as \\n inside its cell', async () => {
    const { code, stdout, stderr } = await runCli(getArgs(sim.cliArgs(), '--output-format', 'table'));
    assert.equal(code, 3, stderr);
    assertClean(stdout, 'the table');
    for (const text of [
      visibleLines('desc'),
      visible('pfx'),
      visible('hdr'),
      visibleLines('node'),
      `far: ${visibleLines('host')}`,
      visible('dir'),
      visible('uid'),
      visibleLines('name'),
      `${visible('key')}: ${visibleLines('val')}`,
      visible('sid'),
    ]) {
      assert.ok(stdout.includes(text), `the table shows ${text}`);
    }
    // The site's newlines did not break the box: every line of the table is as long as its top line.
    const table = stdout.split('\n').filter((line) => /^[┌│├└]/.test(line));
    assert.ok(table.length > 10);
    assert.deepEqual(new Set(table.map((line) => line.length)).size, 1, stdout);
  });

  it('summary and summary-json: names escaped in the table, exact in the JSON', async () => {
    const summary = await runCli(getArgs(sim.cliArgs(), '--output-format', 'summary'));
    assert.equal(summary.code, 3, summary.stderr);
    assertClean(summary.stdout, 'the summary');
    for (const text of [visibleLines('node'), visibleLines('host'), visible('pfx'), USER]) assert.ok(summary.stdout.includes(text), text);

    const json = await runCli(getArgs(sim.cliArgs(), '--output-format', 'summary-json'));
    assert.equal(json.code, 3, json.stderr);
    assert.doesNotMatch(json.stdout, RAW_CONTROL);
    const doc = JSON.parse(json.stdout) as { perProxyNode: { name: string; host: string }[]; users: { user: string }[]; perVirtualProxy: { prefix: string }[] };
    assert.deepEqual(doc.perProxyNode.map((p) => p.name), [HOSTILE.centralName, HOSTILE.farName]);
    assert.equal(doc.perProxyNode[1]?.host, HOSTILE.farHost);
    assert.ok(doc.users.some((u) => u.user === `${HOSTILE.userDir}\\${HOSTILE.userId}`));
    assert.ok(doc.perVirtualProxy.some((vp) => vp.prefix === HOSTILE.prefix));
  });

  it('warnings, errors with a server body and a host name, and the log file: escaped, one line each', async () => {
    await sim.setFault(HOSTILE.centralName, { kind: 'status', status: 500, body: HOSTILE.errorBody });
    const logFile = join(dir, 'get.log');
    const { code, stderr } = await runCli(getArgs(sim.cliArgs(), '--output-format', 'json', '--log-file', logFile));
    assert.equal(code, 1, stderr); // nothing could be read
    const log = readFileSync(logFile, 'utf8');
    for (const [what, text] of [['stderr', stderr], ['the log file', log]] as const) {
      assertClean(text, what);
      assert.match(text, new RegExp(`warn: Virtual proxy is not linked to any proxy\\. Prefix="${escapeRe(visible('lonely'))}", Session cookie header name="${escapeRe(visible('lonelyhdr'))}"`), what);
      assert.ok(text.includes(`HTTP 500 (${visible('body')})`), `${what} names the server's answer`);
      assert.ok(text.includes(`on far (${visibleLines('host')}:`), `${what} names the host`);
    }
    assert.ok(log.includes(visibleLines('node')), 'the proxy-service table in the log');
  });

  it('an error naming the hostile host name stays one line, on stderr and in the log file', async () => {
    const logFile = join(dir, 'far.log');
    const { code, stderr } = await runCli(getArgs(sim.cliArgs(), '--session-virtual-proxy', 'far', '--log-file', logFile));
    assert.ok(code === 1 || code === 3, `exit ${code}: ${stderr}`); // the only node asked for cannot be read
    const log = readFileSync(logFile, 'utf8');
    for (const [what, text] of [['stderr', stderr], ['the log file', log]] as const) {
      assertClean(text, what);
      const errors = text.split('\n').filter((line) => /error: /.test(line));
      assert.ok(errors.length > 0 && errors.some((line) => line.includes(visibleLines('host'))), `${what}:\n${text}`);
    }
  });
});

function escapeRe(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('--watch on a pipe', () => {
  it('one line per refresh names the nodes escaped; NDJSON keeps the exact values as \\uXXXX', async () => {
    for (const format of ['summary', 'summary-json'] as const) {
      const run = startCli(getArgs(sim.cliArgs(), '--watch', '0.5', '--output-format', format));
      await waitFor(run, () => lines(run.stdout()).length >= 1, 'a first refresh');
      run.child.kill('SIGINT');
      const { code, stdout, stderr } = await run.result;
      assert.equal(code, 0, stderr);
      assertClean(stdout, format);
      const first = lines(stdout)[0] ?? '';
      if (format === 'summary') {
        // Whitespace in a node name becomes _ (the line splits on spaces); the rest is escaped.
        assert.ok(first.includes(` ${visible('node')}_FAKE-node=3 far=unread`), first); // far's host name is refused: unread, never 0
      } else {
        assert.doesNotMatch(stdout, RAW_CONTROL);
        const doc = JSON.parse(first) as { perProxyNode: { name: string }[]; users: { user: string }[] };
        assert.deepEqual(doc.perProxyNode.map((p) => p.name), [HOSTILE.centralName, HOSTILE.farName]);
        assert.ok(doc.users.some((u) => u.user === `${HOSTILE.userDir}\\${HOSTILE.userId}`));
      }
    }
  });
});

describe('values given on the command line', () => {
  it('an error line repeating a value with escapes shows them escaped (exit 2)', async () => {
    const logFile = join(dir, 'missing', `run${HOSTILE.errorBody}\nFAKE-file.log`);
    const bad = await runCli(getArgs(sim.cliArgs(), '--log-file', logFile));
    assert.equal(bad.code, 2, bad.stderr);
    assertClean(bad.stderr, 'stderr');
    assert.ok(bad.stderr.includes(`error: cannot open log file ${join(dir, 'missing', `run${visible('body')}\\nFAKE-file.log`)}: folder does not exist\n`), bad.stderr);

    // Commander's own message (its lines are its layout: only the escapes are shown).
    const choice = await runCli(getArgs(sim.cliArgs(), '--output-format', HOSTILE.errorBody));
    assert.equal(choice.code, 2, choice.stderr);
    assertClean(choice.stderr, 'stderr');
    assert.ok(choice.stderr.includes(visible('body')), choice.stderr);
  });
});

describe('session-delete on a site with escapes in every field', () => {
  const TARGETS = ['--host-proxy', '127.0.0.2', '--session-virtual-proxy', '', HOSTILE.prefix];

  it('the dry-run plan table shows the values escaped', async () => {
    const { code, stdout, stderr } = await runCli(deleteArgs(sim.cliArgs(), ...TARGETS, '--dry-run'));
    assert.equal(code, 0, stderr);
    assertClean(stdout, 'the plan');
    assertClean(stderr, 'stderr');
    for (const text of [visible('pfx'), USER, visibleLines('name'), visible('sid')]) assert.ok(stdout.includes(text), text);
    assert.ok(stderr.includes(`virtual proxies (the default one, ${visible('pfx')})`), stderr);
  });

  it('deleted and failed sessions are reported escaped on stderr and in the log file', async () => {
    await sim.setFault(HOSTILE.centralName, { kind: 'status', status: 500, body: HOSTILE.errorBody, methods: ['DELETE'], afterRequests: 1 });
    const logFile = join(dir, 'delete.log');
    const { code, stderr } = await runCli(
      deleteArgs(sim.cliArgs(), '--host-proxy', central, '--session-id', HOSTILE_IDS.hostile, HOSTILE.sessionId, '--session-virtual-proxy', '', HOSTILE.prefix, '--concurrency', '1', '--yes', '--log-file', logFile),
    );
    assert.equal(code, 3, stderr);
    const log = readFileSync(logFile, 'utf8');
    for (const [what, text] of [['stderr', stderr], ['the log file', log]] as const) {
      assertClean(text, what);
      assert.ok(text.includes(`Session ID "${HOSTILE_IDS.hostile}" successfully deleted. User: ${USER} (${visibleLines('name')})`), what);
      assert.ok(text.includes(`Session ID "${visible('sid')}" could not be deleted: `), what);
      assert.ok(text.includes(`HTTP 500 (${visible('body')})`), what);
    }
  });
});

describe('the prompts in a pseudo-terminal, byte for byte', () => {
  const TARGETS = ['--host-proxy', '127.0.0.2', '--session-virtual-proxy', '', HOSTILE.prefix];
  const ENTER = '\r';
  const deletes = (): number => sim.requests.filter((r) => r.method === 'DELETE').length;

  it('the confirmation holds no raw escape from the site and shows the prefix escaped; "n" deletes nothing', async () => {
    const run = startInPty(deleteArgs(sim.cliArgs(), ...TARGETS));
    await waitFor(run, () => run.screen().includes('(y/N)'), 'the confirmation');
    assert.deepEqual(rawSiteBytes(run.raw()), [], run.raw());
    assert.ok(run.screen().includes(visible('pfx')), run.screen());
    run.type(`n${ENTER}`);
    const { code, raw } = await run.result;
    assert.equal(code, 1, raw);
    assert.deepEqual(rawSiteBytes(raw), [], raw);
    assert.equal(deletes(), 0);
  });

  it('the --interactive checklist holds no raw escape from the site and shows users, prefix and ids escaped', async () => {
    const run = startInPty(deleteArgs(sim.cliArgs(), ...TARGETS, '--interactive'));
    await waitFor(run, () => run.screen().includes(visible('sid')) && run.screen().includes(USER), 'the checklist');
    assert.deepEqual(rawSiteBytes(run.raw()), [], run.raw());
    assert.ok(run.screen().includes(`${visible('pfx')}@127.0.0.2`), run.screen());
    run.type(ENTER);
    const { code, raw } = await run.result;
    assert.equal(code, 0, raw);
    assert.deepEqual(rawSiteBytes(raw), [], raw);
    assert.equal(deletes(), 0);
  });

  it('--watch frames on a terminal hold no raw escape from the site', async () => {
    const run = startInPty(getArgs(sim.cliArgs(), '--watch', '0.5', '--output-format', 'table'));
    const frames = (): number => run.raw().split('\x1b[H').length - 1;
    await waitFor(run, () => frames() >= 2 && run.screen().includes(visible('uid')), 'two frames');
    run.type('\x03');
    const { code, raw } = await run.result;
    assert.equal(code, 0, raw);
    assert.deepEqual(rawSiteBytes(raw), [], raw);
    for (const text of [visibleLines('name'), visible('pfx'), `far: ${visibleLines('host')}`]) assert.ok(raw.includes(text), text);
  });
});
