/**
 * session-delete's report as an audit record (issue 11): the run's own fields, unread targets in the
 * report, the dry-run plan and the text report, and the hint for an id that was not found. The built
 * bin against the simulator's seed site; stdin is a pipe.
 */
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { deleteArgs, runCli } from '../helpers/cli.js';
import { parseReport } from '../helpers/delete-report.js';
import { loadScenario } from '../simulator/scenario.js';
import { startSimulator, type Simulator } from '../simulator/server.js';

let sim: Simulator;
let central: string;
let dev1: string;
const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
const ISO_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const T1 = '55142b14-8d2d-43b3-a522-4b2fb46b2798';
const T2 = 'd1b5d953-4312-4cf2-a106-1992a84dd82b';

before(async () => {
  sim = await startSimulator({ scenario: loadScenario('seed') });
  central = sim.node('Central').address;
  dev1 = sim.node('dev1').address;
});
after(async () => {
  await sim.stop();
});
beforeEach(async () => {
  for (const target of ['qrs', ...sim.nodes.map((n) => n.name)]) await sim.setFault(target, undefined);
  for (const s of sim.sessions()) sim.removeSession(s.SessionId, { node: s.node, prefix: s.prefix });
  for (const s of sim.scenario.sessions) {
    sim.addSession({ node: s.node, virtualProxyId: s.virtualProxyId, UserDirectory: s.UserDirectory, UserId: s.UserId, SessionId: s.SessionId });
  }
  sim.clearRequests();
});

const deletes = (): string[] => sim.requests.filter((r) => r.method === 'DELETE').map((r) => `${r.target} ${r.path}`).sort();

describe('the JSON report is an audit record', () => {
  it('names the version, the times (UTC), QRS, the filters, every target with its count, and what happened', async () => {
    const before = Date.now();
    const result = await runCli(
      deleteArgs(sim.cliArgs(), '--host-proxy', central, dev1, '--session-virtual-proxy', 'finance', '--exclude-user', 'LAB\\testuser_2', '--yes', '--output-format', 'json'),
    );
    assert.equal(result.code, 0, result.stderr);
    const r = parseReport(result.stdout);
    assert.equal(r.ctrlqVersion, VERSION);
    assert.equal(r.dryRun, false);
    assert.equal(r.interrupted, null);
    assert.match(r.startTime, ISO_UTC);
    assert.match(r.endTime, ISO_UTC);
    assert.ok(Date.parse(r.startTime) >= before - 1000 && Date.parse(r.startTime) <= Date.parse(r.endTime), `${r.startTime} … ${r.endTime}`);
    assert.deepEqual([r.qrsHost, r.qrsPort], ['127.0.0.1', sim.qrs.port]);
    assert.deepEqual(r.filters, {
      hostProxy: [central, dev1],
      allHostProxies: false,
      sessionVirtualProxy: ['finance'],
      allVirtualProxies: false,
      sessionId: null,
      sessionUserDir: null,
      sessionUserId: null,
      excludeUser: ['LAB\\testuser_2'],
      fromJson: null,
      interactive: false,
    });
    assert.deepEqual(r.targets, [
      { proxyHost: central, proxyName: 'Central', virtualProxy: 'finance', sessions: 2 },
      { proxyHost: dev1, proxyName: 'dev1', virtualProxy: 'finance', sessions: 0 },
    ]);
    assert.deepEqual(r.unread, []);
    assert.deepEqual(r.counts, { deleted: 1, unconfirmed: 0, notFound: 0, failed: 0, notSent: 0, unread: 0 });
    assert.deepEqual(r.deleted.map((e) => e.sessionId), [T1]);
    assert.deepEqual(deletes(), [`Central /qps/finance/session/${T1}`]);
  });

  it('a proxy node that cannot be read: its pairs are in "unread" with the error and "sessions": null, never 0; exit 3', async () => {
    sim.addSession({ node: 'dev1', prefix: 'finance', UserDirectory: 'LAB', UserId: 'kept', SessionId: 'on-dev1' });
    await sim.setFault('dev1', { kind: 'down' });
    const result = await runCli(deleteArgs(sim.cliArgs(), '--host-proxy', central, dev1, '--session-virtual-proxy', 'finance', '--yes', '--output-format', 'json'));
    assert.equal(result.code, 3, result.stderr);
    const r = parseReport(result.stdout);
    assert.deepEqual(r.targets.map((t) => [t.proxyName, t.sessions]), [['Central', 2], ['dev1', null]]);
    assert.match(r.targets[1]?.error ?? '', /^cannot connect to QPS at 127\.0\.0\.3:\d+: connection refused$/);
    assert.deepEqual(r.unread, [{ proxyHost: dev1, virtualProxy: 'finance', error: r.targets[1]?.error }]);
    assert.equal(r.counts.unread, 1);
    assert.equal(r.deleted.length, 2);
    assert.match(result.stderr, /^error: 1 of 2 \(virtual proxy, proxy node\) pairs could not be read: nothing was deleted there$/m);
    assert.equal(sim.sessionCount({ node: 'dev1' }), 1);
  });
});

describe('the text report', () => {
  it('totals with the right number words', async () => {
    const one = await runCli(deleteArgs(sim.cliArgs(), '--host-proxy', central, '--session-virtual-proxy', 'finance', '--session-id', T1, 'gone-1'));
    assert.equal(one.code, 0, one.stderr);
    assert.match(one.stderr, /^Deleted 1 session\n1 not found\n$/m);
    const two = await runCli(deleteArgs(sim.cliArgs(), '--host-proxy', central, '--session-virtual-proxy', 'win', '--yes'));
    assert.match(two.stderr, /^Deleted 2 sessions$/m);
  });

  it('a node that cannot be read is named with its reason and in the closing error, never as 0 sessions', async () => {
    await sim.setFault('dev1', { kind: 'down' });
    const result = await runCli(deleteArgs(sim.cliArgs(), '--host-proxy', central, dev1, '--session-virtual-proxy', 'finance', '--yes'));
    assert.equal(result.code, 3, result.stderr);
    assert.match(result.stderr, /^error: Could not get sessions for virtual proxy 'finance' on dev1 \(127\.0\.0\.3:\d+\): cannot connect to QPS/m);
    assert.match(result.stderr, /^Deleted 2 sessions\nerror: 1 of 2 \(virtual proxy, proxy node\) pairs could not be read: nothing was deleted there\n$/m);
  });
});

describe('--dry-run with a node that cannot be read', () => {
  it('text: the table, then the unread pair with its reason on stdout; exit 3', async () => {
    await sim.setFault('dev1', { kind: 'down' });
    const result = await runCli(deleteArgs(sim.cliArgs(), '--host-proxy', central, dev1, '--session-virtual-proxy', 'finance', '--dry-run'));
    assert.equal(result.code, 3, result.stderr);
    // The plan's rows are finance on Central, T1 and T2, and no other session.
    assert.deepEqual(result.stdout.match(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g)?.sort(), [T1, T2].sort());
    assert.match(
      result.stdout,
      /┘\nNot read, so its sessions are unknown and none is deleted there \(1 pair\):\n {2}virtual proxy 'finance' on dev1 \(127\.0\.0\.3:\d+\): cannot connect to QPS at 127\.0\.0\.3:\d+: connection refused\n$/,
    );
    assert.deepEqual(deletes(), []);
  });

  it('JSON: the plan carries the unread pair (sessions null, error) and dryRun true; exit 3', async () => {
    await sim.setFault('dev1', { kind: 'status', status: 503, body: 'busy' });
    const result = await runCli(deleteArgs(sim.cliArgs(), '--host-proxy', central, dev1, '--session-virtual-proxy', 'finance', '--dry-run', '--output-format', 'json'));
    assert.equal(result.code, 3, result.stderr);
    const plan = JSON.parse(result.stdout) as { dryRun: boolean; targets: { proxyName: string; sessions: number | null; error?: string }[]; unread: { error: string }[]; counts: Record<string, number>; wouldDelete: unknown[] };
    assert.equal(plan.dryRun, true);
    assert.deepEqual(plan.targets.map((t) => [t.proxyName, t.sessions]), [['Central', 2], ['dev1', null]]);
    assert.match(plan.unread[0]?.error ?? '', /HTTP 503 \(busy\)/);
    assert.deepEqual(plan.counts, { wouldDelete: 2, notFound: 0, unread: 1 });
    assert.deepEqual(deletes(), []);
  });
});

describe('an --session-id that is not found', () => {
  it('gets a hint naming the virtual proxy it was looked for on ("" by default) and session-get\'s vpPrefix', async () => {
    const result = await runCli(deleteArgs(sim.cliArgs(), '--host-proxy', central, '--session-id', T1));
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, new RegExp(`^warn: Session ID "${T1}" not found\\n`, 'm'));
    assert.ok(
      result.stderr.includes(
        `\nLooked for on virtual proxy "" (the default virtual proxy) of ${central}. session-get's vpPrefix tells which virtual proxy a session is on: name it with --session-virtual-proxy\n`,
      ),
      result.stderr,
    );
    assert.deepEqual(deletes(), []);
  });

  it('names every virtual proxy it was looked for on, once however many ids are missing', async () => {
    const result = await runCli(deleteArgs(sim.cliArgs(), '--host-proxy', central, '--session-virtual-proxy', 'win', 'jwt', '--session-id', 'nope-1', 'nope-2', '--yes'));
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr.split(`Looked for on virtual proxies "win", "jwt" of ${central}.`).length - 1, 1, result.stderr);
  });

  it('no hint when every id is found', async () => {
    const result = await runCli(deleteArgs(sim.cliArgs(), '--host-proxy', central, '--session-virtual-proxy', 'finance', '--session-id', T1));
    assert.equal(result.code, 0, result.stderr);
    assert.doesNotMatch(result.stderr, /Looked for on/);
  });
});
