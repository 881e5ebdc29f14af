/**
 * session-delete under faults (issue 5's matrix, delete side): nodes failing mid-run, resets, slow and
 * malformed answers, QRS down or refusing, Ctrl-C — and a randomized run of plans and faults. Each
 * time the simulator's state must show that every session reported deleted is gone, that no session
 * outside the plan was touched, and that no DELETE went to any path but a planned one.
 */
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { deleteArgs, runCli } from '../helpers/cli.js';
import { deleteReport as report, type DeleteReport as Report, type DeleteReportEntry as ReportEntry } from '../helpers/output.js';
import { clearFaults, removeAllSessions, startSeedSite } from '../helpers/site.js';
import { startCli, waitFor } from '../helpers/live.js';
import type { Fault, Simulator } from '../simulator/server.js';

let sim: Simulator;
let central: string;
let dev1: string;

before(async () => {
  ({ sim, central, dev1 } = await startSeedSite());
});
after(async () => {
  await sim.stop();
});

/** No sessions, no faults, no latency, an empty request log. */
async function emptySite(): Promise<void> {
  await clearFaults(sim);
  removeAllSessions(sim);
  sim.clearRequests();
}
beforeEach(emptySite);

/** Adds `count` sessions of distinct users on one (node, prefix); returns their ids. */
function addMany(node: string, prefix: string, count: number, tag: string): string[] {
  return Array.from({ length: count }, (_, i) => sim.addSession({ node, prefix, UserDirectory: 'LAB', UserId: `${tag}_user${i}`, SessionId: `${tag}-${i}` }).SessionId);
}

const keyOf = (node: string, prefix: string, id: string): string => `${prefix}@${node}/${id}`;
function state(): Set<string> {
  return new Set(sim.sessions().map((s) => keyOf(s.node, s.prefix, s.SessionId)));
}
const nodeName = (host: string | null): string => sim.nodes.find((n) => n.address === host)?.name ?? `?${host}`;

const entryKey = (e: ReportEntry): string => keyOf(nodeName(e.proxyHost), e.virtualProxy ?? '', e.sessionId);

function deletesSent(): string[] {
  return sim.requests.filter((r) => r.method === 'DELETE').map((r) => `${r.target} ${r.path}`);
}

/** The invariants of every delete: what was reported deleted is gone, nothing outside `planned` changed. */
function assertInvariant(beforeRun: ReadonlySet<string>, planned: ReadonlySet<string>, r: Report | undefined, context: string): void {
  const now = state();
  for (const e of r?.deleted ?? []) assert.ok(!now.has(entryKey(e)), `${context}: reported deleted but still there: ${entryKey(e)}`);
  for (const e of [...(r?.deleted ?? []), ...(r?.failed ?? [])]) {
    assert.ok(planned.has(entryKey(e)), `${context}: reported but never planned: ${entryKey(e)}`);
  }
  for (const k of beforeRun) {
    if (!planned.has(k)) assert.ok(now.has(k), `${context}: touched outside the plan: ${k}`);
  }
}

const ENCODED_PREFIX = (prefix: string): string => prefix.split('/').filter(Boolean).map((p) => `/${encodeURIComponent(p)}`).join('');

describe('session-delete: a node failing in the middle of a bulk delete', () => {
  it('HTTP 500 after two deletes: exit 3, the failures listed with their reason, the rest deleted', async () => {
    const ids = addMany('Central', 'finance', 6, 'f500');
    addMany('Central', 'win', 2, 'win');
    addMany('dev1', 'finance', 2, 'dev');
    const beforeRun = state();
    await sim.setFault('Central', { kind: 'status', status: 500, body: 'Internal Server Error', methods: ['DELETE'], afterRequests: 2 });
    const result = await runCli(
      deleteArgs(sim.cliArgs(), '--host-proxy', central, '--session-virtual-proxy', 'finance', '--yes', '--concurrency', '1', '--output-format', 'json'),
    );
    assert.equal(result.code, 3, result.stderr);
    const r = report(result);
    assert.equal(r.deleted.length, 2);
    assert.equal(r.failed.length, 4);
    assert.deepEqual([...r.deleted, ...r.failed].map((e) => e.sessionId).sort(), [...ids].sort());
    for (const f of r.failed) {
      assert.match(f.reason ?? '', /QPS DELETE \/qps\/finance\/session\/f500-\d on 127\.0\.0\.2:\d+ failed: HTTP 500 \(Internal Server Error\)/);
      assert.equal(f.userDirectory, 'LAB');
      assert.equal(f.proxyHost, central);
      assert.ok(state().has(keyOf('Central', 'finance', f.sessionId)), 'a refused delete leaves the session');
    }
    assert.equal((result.stderr.match(/error: Session ID "f500-\d" could not be deleted: .*HTTP 500/g) ?? []).length, 4, result.stderr);
    assert.match(result.stderr, /^Deleted 2 sessions$/m);
    assert.match(result.stderr, /^error: 4 of 6 sessions could not be deleted \(2 deleted, 0 not found\)$/m);
    assert.equal(deletesSent().length, 6, 'a 500 is not retried');
    assertInvariant(beforeRun, new Set(ids.map((id) => keyOf('Central', 'finance', id))), r, '500');
  });

  it('connection resets after two deletes: each is retried twice, then reported; exit 3', async () => {
    const ids = addMany('Central', 'finance', 5, 'reset');
    addMany('Central', '', 2, 'default');
    const beforeRun = state();
    await sim.setFault('Central', { kind: 'reset', methods: ['DELETE'], afterRequests: 2 });
    const result = await runCli(
      deleteArgs(sim.cliArgs(), '--host-proxy', central, '--session-virtual-proxy', 'finance', '--yes', '--concurrency', '1', '--output-format', 'json'),
    );
    assert.equal(result.code, 3, result.stderr);
    const r = report(result);
    assert.equal(r.deleted.length, 2);
    assert.equal(r.failed.length, 3);
    for (const f of r.failed) {
      // Central answered the listing, so a reset is a reset (not explained as a refused certificate);
      // Node reports the closed socket as ECONNRESET, so it is never "closed without an answer".
      assert.equal(f.reason, `connection to QPS at 127.0.0.2:${sim.node('Central').port} was reset (DELETE /qps/finance/session/${f.sessionId})`);
      const attempts = deletesSent().filter((d) => d.endsWith(`/session/${f.sessionId}`)).length;
      assert.equal(attempts, 3, `${f.sessionId}: one try and two retries`);
    }
    assertInvariant(beforeRun, new Set(ids.map((id) => keyOf('Central', 'finance', id))), r, 'reset');
  });

  for (const fault of [{ kind: 'reset' }, { kind: 'status', status: 503 }] as const) {
    it(`a single transient ${fault.kind === 'reset' ? 'connection reset' : 'HTTP 503'} is retried and the delete succeeds: exit 0`, async () => {
      const ids = addMany('Central', 'win', 4, 'transient');
      await sim.setFault('Central', { ...fault, methods: ['DELETE'], afterRequests: 1, times: 1 });
      const result = await runCli(deleteArgs(sim.cliArgs(), '--host-proxy', central, '--session-virtual-proxy', 'win', '--yes', '--output-format', 'json'));
      assert.equal(result.code, 0, result.stderr);
      const r = report(result);
      assert.deepEqual(r.deleted.map((e) => e.sessionId).sort(), [...ids].sort());
      assert.deepEqual(r.failed, []);
      assert.equal(sim.sessionCount(), 0);
      const sent = deletesSent();
      assert.equal(sent.length, 5, 'four deletes and one retry');
      assert.equal(new Set(sent).size, 4);
    });
  }

  it('a DELETE carried out whose answer is lost: the retry is answered 404, and the session is deleted, unconfirmed; exit 0', async () => {
    const ids = addMany('Central', 'win', 3, 'lost');
    await sim.setFault('Central', { kind: 'reset', afterHandling: true, methods: ['DELETE'], afterRequests: 1, times: 1 });
    const beforeRun = state();
    const result = await runCli(deleteArgs(sim.cliArgs(), '--host-proxy', central, '--session-virtual-proxy', 'win', '--yes', '--concurrency', '1', '--output-format', 'json'));
    assert.equal(result.code, 0, result.stderr);
    const r = report(result);
    assert.deepEqual(r.deleted.map((e) => `${e.sessionId}${e.unconfirmed ? ' unconfirmed' : ''}`), ['lost-0', 'lost-1 unconfirmed', 'lost-2']);
    assert.deepEqual([r.notFound, r.failed], [[], []]);
    assert.deepEqual([r.counts.deleted, r.counts.unconfirmed, r.counts.notFound], [3, 1, 0]);
    // The lost attempt did delete it: the simulator saw it twice, the second time answered 404.
    assert.deepEqual(
      sim.requests.filter((q) => q.method === 'DELETE' && q.path.endsWith('/lost-1')).map((q) => q.status),
      [0, 404],
    );
    assert.match(result.stderr, /^warn: Session ID "lost-1" deleted, unconfirmed: the answer to its DELETE was lost and the retry found it gone\. User: LAB\\lost_user1$/m);
    assert.match(result.stderr, /^Deleted 3 sessions \(1 of them unconfirmed\)$/m);
    assert.doesNotMatch(result.stderr, /not found/);
    assertInvariant(beforeRun, new Set(ids.map((id) => keyOf('Central', 'win', id))), r, 'lost answer');
  });

  it("a user teardown whose answer is lost: the retry finds nothing, and the user's planned sessions are deleted, unconfirmed", async () => {
    sim.addSession({ node: 'Central', prefix: 'finance', UserDirectory: 'LAB', UserId: 'anna', SessionId: 'anna-1' });
    sim.addSession({ node: 'Central', prefix: 'finance', UserDirectory: 'LAB', UserId: 'anna', SessionId: 'anna-2' });
    await sim.setFault('Central', { kind: 'reset', afterHandling: true, methods: ['DELETE'], times: 1 });
    const result = await runCli(
      deleteArgs(sim.cliArgs(), '--host-proxy', central, '--session-virtual-proxy', 'finance', '--session-user-dir', 'LAB', '--session-user-id', 'anna', '--yes', '--output-format', 'json'),
    );
    assert.equal(result.code, 0, result.stderr);
    const r = report(result);
    assert.deepEqual(r.deleted.map((e) => `${e.sessionId} ${e.unconfirmed === true}`).sort(), ['anna-1 true', 'anna-2 true']);
    assert.deepEqual(r.notFound, []);
    assert.deepEqual(deletesSent(), ['Central /qps/finance/user/LAB/anna', 'Central /qps/finance/user/LAB/anna']);
    assert.equal(sim.sessionCount(), 0);
  });

  it('every delete refused: the report lists them all and the exit code is 1', async () => {
    const ids = addMany('Central', 'win', 3, 'all500');
    const beforeRun = state();
    await sim.setFault('Central', { kind: 'status', status: 500, methods: ['DELETE'] });
    const result = await runCli(deleteArgs(sim.cliArgs(), '--host-proxy', central, '--session-virtual-proxy', 'win', '--yes', '--output-format', 'json'));
    assert.equal(result.code, 1, result.stderr);
    const r = report(result);
    assert.deepEqual(r.failed.map((e) => e.sessionId).sort(), ids);
    assert.deepEqual(r.deleted, []);
    assert.deepEqual([...state()].sort(), [...beforeRun].sort());
  });

  it('a delete answered with a truncated body: the session is gone on the server but unconfirmed, so it is reported failed, never deleted', async () => {
    const ids = addMany('Central', 'win', 2, 'trunc');
    await sim.setFault('Central', { kind: 'malformed', body: 'truncated', methods: ['DELETE'], afterRequests: 1 });
    const beforeRun = state();
    const result = await runCli(deleteArgs(sim.cliArgs(), '--host-proxy', central, '--session-virtual-proxy', 'win', '--yes', '--concurrency', '1', '--output-format', 'json'));
    assert.equal(result.code, 3, result.stderr);
    const r = report(result);
    assert.equal(r.deleted.length, 1);
    assert.equal(r.failed.length, 1);
    // The DELETE after the first is answered with half its body: not valid JSON, so not confirmed.
    assert.deepEqual(
      r.failed.map((e) => [e.sessionId, e.reason]),
      [['trunc-1', `QPS DELETE /qps/win/session/trunc-1 on 127.0.0.2:${sim.node('Central').port} answered with text that is not valid JSON`]],
    );
    assertInvariant(beforeRun, new Set(ids.map((id) => keyOf('Central', 'win', id))), r, 'truncated');
  });
});

describe('session-delete: faults while listing', () => {
  const listingFaults: [string, Fault, string[]][] = [
    ['down', { kind: 'down' }, []],
    ['answering 500', { kind: 'status', status: 500, methods: ['GET'] }, []],
    // A node that never answers, and a timeout that healthy answers meet even on a busy machine.
    ['slower than --timeout', { kind: 'slow', delayMs: 120_000, methods: ['GET'] }, ['--timeout', '5']],
    ['sending HTML', { kind: 'malformed', body: 'html', methods: ['GET'] }, []],
    ['sending truncated JSON', { kind: 'malformed', body: 'truncated', methods: ['GET'] }, []],
  ];
  for (const [what, fault, extra] of listingFaults) {
    it(`dev1 ${what}: Central's sessions are deleted, dev1's are not touched, dev1 is named, exit 3`, async () => {
      const onCentral = addMany('Central', 'finance', 3, 'c');
      const onDev = addMany('dev1', 'finance', 3, 'd');
      const beforeRun = state();
      await sim.setFault('dev1', fault);
      const result = await runCli(
        deleteArgs(sim.cliArgs(), '--host-proxy', central, dev1, '--session-virtual-proxy', 'finance', '--yes', '--output-format', 'json', ...extra),
      );
      assert.equal(result.code, 3, result.stderr);
      assert.match(result.stderr, /error: Could not get sessions for virtual proxy 'finance' on dev1 \(127\.0\.0\.3:\d+\): /);
      const r = report(result);
      assert.deepEqual(r.deleted.map((e) => e.sessionId).sort(), onCentral);
      assert.deepEqual(deletesSent().filter((d) => d.startsWith('dev1 ')), []);
      for (const id of onDev) assert.ok(state().has(keyOf('dev1', 'finance', id)));
      assertInvariant(beforeRun, new Set(onCentral.map((id) => keyOf('Central', 'finance', id))), r, what);
    });
  }

  it('a session without Attributes is still listed and deleted', async () => {
    const ids = addMany('Central', 'win', 2, 'noattr');
    await sim.setFault('Central', { kind: 'malformed', body: 'no-attributes', methods: ['GET'] });
    const result = await runCli(deleteArgs(sim.cliArgs(), '--host-proxy', central, '--session-virtual-proxy', 'win', '--yes', '--output-format', 'json'));
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(report(result).deleted.map((e) => e.sessionId).sort(), ids);
    assert.equal(sim.sessionCount(), 0);
  });

  it('an id on a node that could not be read is "not found on the proxies that could be read", and exit 3', async () => {
    addMany('dev1', 'finance', 1, 'only-dev');
    await sim.setFault('dev1', { kind: 'down' });
    const result = await runCli(deleteArgs(sim.cliArgs(), '--host-proxy', central, dev1, '--session-virtual-proxy', 'finance', '--session-id', 'only-dev-0', '--yes'));
    assert.equal(result.code, 3, result.stderr);
    assert.match(result.stderr, /warn: Session ID "only-dev-0" not found on the proxies that could be read/);
    assert.deepEqual(deletesSent(), []);
    assert.equal(sim.sessionCount(), 1);
  });

  it('every node unreadable: nothing is deleted, the exit code is 1, and the report names the unread pair', async () => {
    addMany('Central', 'win', 2, 'w');
    await sim.setFault('Central', { kind: 'down' });
    const result = await runCli(deleteArgs(sim.cliArgs(), '--host-proxy', central, '--session-virtual-proxy', 'win', '--yes', '--output-format', 'json'));
    assert.equal(result.code, 1, result.stderr);
    const r = report(result);
    assert.deepEqual(r.unread.map((u) => `${u.virtualProxy}@${u.proxyHost}`), [`win@${central}`]);
    assert.match(r.unread[0]?.error ?? '', /^cannot connect to QPS at 127\.0\.0\.2:\d+: connection refused$/);
    assert.deepEqual(r.targets.map((t) => t.sessions), [null]);
    assert.deepEqual([r.deleted, r.failed, r.notSent], [[], [], []]);
    assert.match(result.stderr, /^error: cannot connect to QPS at 127\.0\.0\.2:\d+: connection refused$/m);
    assert.equal(sim.sessionCount(), 2);
  });

  it('QRS down: exit 1, one error line and a hint, no request to any proxy', async () => {
    addMany('Central', 'win', 2, 'w');
    await sim.setFault('qrs', { kind: 'down' });
    const result = await runCli(deleteArgs(sim.cliArgs(), '--host-proxy', central, '--session-virtual-proxy', 'win', '--yes'));
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /^error: cannot connect to QRS at 127\.0\.0\.1:\d+: connection refused\nCheck that the QRS service is running/m);
    assert.doesNotMatch(result.stderr, /^\s+at /m);
    assert.deepEqual(sim.requests.filter((r) => r.target !== 'qrs'), []);
    assert.equal(sim.sessionCount(), 2);
  });

  it('QRS answering 403: exit 4, nothing deleted, no request to any proxy', async () => {
    addMany('Central', 'win', 2, 'w');
    await sim.setFault('qrs', { kind: 'status', status: 403 });
    const result = await runCli(deleteArgs(sim.cliArgs(), '--host-proxy', central, '--session-virtual-proxy', 'win', '--yes'));
    assert.equal(result.code, 4, result.stderr);
    assert.match(result.stderr, /error: QRS GET \/qrs\/\S+ on 127\.0\.0\.1:\d+ was refused: HTTP 403/);
    assert.deepEqual(sim.requests.filter((r) => r.target !== 'qrs'), []);
    assert.equal(sim.sessionCount(), 2);
  });
});

/** The wording the product must use, written out here: "1 session", "2 sessions" (never "1 sessions"). */
const sessions = (n: number): string => (n === 1 ? '1 session' : `${n} sessions`);

const SIGNAL_EXIT = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;
const NOTICE = {
  SIGINT: 'Interrupted: no new requests are sent; waiting for the ones in flight (Ctrl-C again to quit now)',
  SIGTERM: 'Interrupted by SIGTERM: no new requests are sent; waiting for the ones in flight (a second signal to quit now)',
  SIGHUP: 'Interrupted by SIGHUP: no new requests are sent; waiting for the ones in flight (a second signal to quit now)',
} as const;

describe('session-delete: Ctrl-C, SIGTERM and SIGHUP during a bulk delete', () => {
  /** 30 sessions, slow enough that the signal comes while most are still to be sent. */
  function startBulk(format: 'json' | 'text') {
    const ids = addMany('Central', 'win', 30, 'int');
    sim.setLatency(150);
    const run = startCli(deleteArgs(sim.cliArgs(), '--host-proxy', central, '--session-virtual-proxy', 'win', '--yes', '--concurrency', '2', '--output-format', format));
    return { ids, run, beforeRun: state() };
  }

  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    it(`${signal}: stops sending, finishes what is in flight, writes the whole JSON report with the unsent in notSent, exits ${SIGNAL_EXIT[signal]}`, async () => {
      const { ids, run, beforeRun } = startBulk('json');
      await waitFor(run, () => /successfully deleted/.test(run.stderr()), 'the first delete');
      run.child.kill(signal);
      const result = await run.result;
      assert.equal(result.code, SIGNAL_EXIT[signal], result.stderr);
      assert.ok(result.stderr.includes(`\n${NOTICE[signal]}\n`), result.stderr);
      const r = report(result);
      assert.equal(r.interrupted, signal);
      assert.ok(r.deleted.length >= 1 && r.deleted.length < 30, `deleted ${r.deleted.length}`);
      assert.deepEqual(r.failed, []);
      assert.equal(r.deleted.length + r.notSent.length, 30, 'every planned session is accounted for');
      assert.deepEqual([r.counts.deleted, r.counts.notSent], [r.deleted.length, r.notSent.length]);
      assert.ok(r.notSent.every((e) => e.reason === 'interrupted' && e.userDirectory === 'LAB' && e.proxyHost === central));
      // One line sums up the unsent sessions; none gets a line of its own.
      assert.match(result.stderr, new RegExp(`^error: ${sessions(r.notSent.length)} not sent: interrupted$`, 'm'));
      assert.doesNotMatch(result.stderr, /could not be deleted/);
      // Nothing was sent after the interruption: exactly the deleted sessions were requested.
      assert.deepEqual(deletesSent().map((d) => d.split('/').pop()).sort(), r.deleted.map((e) => e.sessionId).sort());
      for (const e of r.notSent) assert.ok(state().has(keyOf('Central', 'win', e.sessionId)));
      assertInvariant(beforeRun, new Set(ids.map((id) => keyOf('Central', 'win', id))), r, signal);
    });
  }

  it('SIGTERM with the text report: every deletion line, the total, and one line for the unsent; exit 143', async () => {
    const { run } = startBulk('text');
    await waitFor(run, () => /successfully deleted/.test(run.stderr()), 'the first delete');
    run.child.kill('SIGTERM');
    const result = await run.result;
    assert.equal(result.code, 143, result.stderr);
    assert.equal(result.stdout, '');
    const left = sim.sessionCount();
    const deleted = 30 - left;
    assert.equal((result.stderr.match(/^Session ID "int-\d+" successfully deleted\. User: LAB\\int_user\d+$/gm) ?? []).length, deleted);
    assert.match(result.stderr, new RegExp(`^Deleted ${sessions(deleted)}$`, 'm'));
    assert.match(result.stderr, new RegExp(`^error: ${sessions(left)} not sent: interrupted$`, 'm'));
    assert.ok(left > 0, 'the signal came before the end');
  });

  it('a second signal quits at once, without waiting for the DELETEs in flight', async () => {
    addMany('Central', 'win', 4, 'hang');
    await sim.setFault('Central', { kind: 'slow', delayMs: 20_000, methods: ['DELETE'] });
    const run = startCli(deleteArgs(sim.cliArgs(), '--host-proxy', central, '--session-virtual-proxy', 'win', '--yes', '--concurrency', '2', '--output-format', 'json'));
    await waitFor(run, () => sim.requests.some((r) => r.method === 'DELETE'), 'a DELETE in flight');
    run.child.kill('SIGTERM');
    await waitFor(run, () => run.stderr().includes(NOTICE.SIGTERM), 'the notice');
    run.child.kill('SIGTERM');
    const result = await run.result;
    assert.equal(result.code, 143, result.stderr);
    // The DELETEs in flight never answer while the client is there: a report would mean it had waited.
    assert.equal(result.stdout, '', 'no report: it did not wait for the DELETEs in flight');
    assert.doesNotMatch(result.stderr, /Deleted \d+ session/);
  });
});

// ---------------------------------------------------------------------------------------------
// Randomized: many runs with random plans and random faults, the invariant checked after each.

/** mulberry32: small, seeded, good enough to pick plans. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PREFIXES = ['', 'finance', 'win', 'sales/emea', 'jwt', 'dev'];
const LINKS: Record<string, string[]> = { '': ['Central'], finance: ['Central', 'dev1'], win: ['Central'], 'sales/emea': ['Central', 'dev1'], jwt: ['Central', 'dev1'], dev: ['dev1'] };

describe('session-delete: randomized plans and faults', () => {
  const SEED = Number(process.env.CTRLQ_FAULT_SEED ?? 20260522);
  const RUNS = 25;

  it(`${RUNS} runs (seed ${SEED}): reported deleted is gone, nothing outside the plan is touched, only planned paths are requested`, async (t) => {
    const random = prng(SEED);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    const subset = <T>(items: readonly T[]): T[] => {
      const chosen = items.filter(() => random() < 0.5);
      return chosen.length > 0 ? chosen : [pick(items)];
    };
    const tally = { exit: new Map<number, number>(), deleted: 0, failed: 0, faults: new Map<string, number>() };

    for (let run = 0; run < RUNS; run++) {
      await emptySite();
      // A fresh site: 0–4 sessions on every linked pair, users shared across pairs, ids unique per run.
      const users = Array.from({ length: 4 }, (_, k) => `r${run}_u${k}`);
      let n = 0;
      for (const prefix of PREFIXES) {
        for (const node of LINKS[prefix] ?? []) {
          const howMany = Math.floor(random() * 5);
          for (let i = 0; i < howMany; i++) {
            sim.addSession({ node, prefix, UserDirectory: 'LAB', UserId: pick(users), SessionId: `r${run}-${n++}` });
          }
        }
      }
      const beforeRun = state();
      const all = sim.sessions();

      const nodes = subset(['Central', 'dev1']);
      const prefixes = subset(PREFIXES);
      const onTargets = all.filter((s) => nodes.includes(s.node) && prefixes.includes(s.prefix));
      const mode = pick(['ids', 'all', 'user'] as const);
      const args = ['--host-proxy', ...nodes.map((name) => sim.node(name).address), '--session-virtual-proxy', ...prefixes];
      let planned: typeof all;
      const allowed = new Set<string>();
      if (mode === 'ids') {
        const ids = [...subset(all.map((s) => s.SessionId).concat([`r${run}-missing`]))];
        args.push('--session-id', ...ids);
        planned = onTargets.filter((s) => ids.includes(s.SessionId));
        for (const s of planned) allowed.add(`${s.node} /qps${ENCODED_PREFIX(s.prefix)}/session/${encodeURIComponent(s.SessionId)}`);
      } else if (mode === 'user') {
        const chosen = subset(users);
        args.push('--session-user-dir', 'LAB', '--session-user-id', ...chosen);
        planned = onTargets.filter((s) => chosen.includes(s.UserId));
        for (const s of planned) allowed.add(`${s.node} /qps${ENCODED_PREFIX(s.prefix)}/user/LAB/${s.UserId}`);
      } else {
        planned = onTargets;
        for (const s of planned) allowed.add(`${s.node} /qps${ENCODED_PREFIX(s.prefix)}/session/${encodeURIComponent(s.SessionId)}`);
      }
      const plannedKeys = new Set(planned.map((s) => keyOf(s.node, s.prefix, s.SessionId)));

      // A fault, maybe: on a random node, random method, after a random number of requests.
      const faultKind = pick(['none', 'status', 'reset', 'slow', 'malformed', 'down'] as const);
      const faultNode = pick(['Central', 'dev1']);
      const common = { afterRequests: Math.floor(random() * 4), ...(random() < 0.3 ? { times: 1 } : {}), ...(random() < 0.6 ? { methods: [pick(['GET', 'DELETE'])] } : {}) };
      let fault: Fault | undefined;
      if (faultKind === 'status') fault = { kind: 'status', status: pick([500, 503]), ...common };
      else if (faultKind === 'reset') fault = { kind: 'reset', ...common };
      // Never answers within --timeout 5, which healthy answers meet even on a busy machine.
      else if (faultKind === 'slow') fault = { kind: 'slow', delayMs: 120_000, ...common };
      else if (faultKind === 'malformed') fault = { kind: 'malformed', body: pick(['html', 'truncated'] as const), ...common };
      else if (faultKind === 'down') fault = { kind: 'down' };
      if (fault) await sim.setFault(faultNode, fault);
      tally.faults.set(faultKind, (tally.faults.get(faultKind) ?? 0) + 1);
      sim.clearRequests();

      const context = `run ${run} (seed ${SEED}): ${mode} on ${nodes.join('+')} × [${prefixes.map((p) => JSON.stringify(p)).join(', ')}], fault ${JSON.stringify(fault ?? 'none')} on ${faultNode}`;
      // A slow node costs up to --timeout per request, one after another at --concurrency 1: the kill
      // timer only guards against a hang, so it leaves room for that on a busy machine.
      const result = await runCli(
        deleteArgs(sim.cliArgs(), ...args, '--yes', '--output-format', 'json', '--timeout', '5', '--concurrency', String(1 + Math.floor(random() * 4))),
        { timeoutMs: 180_000 },
      );
      const r = result.stdout.trim() === '' ? undefined : report(result);

      assert.ok([0, 1, 3, 4].includes(result.code ?? -1), `${context}: exit ${result.code}\n${result.stderr}`);
      tally.exit.set(result.code ?? -1, (tally.exit.get(result.code ?? -1) ?? 0) + 1);
      if (result.code === 1 || result.code === 4) {
        assert.equal(r?.deleted.length ?? 0, 0, `${context}: exit ${result.code} only when nothing was deleted\n${result.stderr}`);
      }
      if (result.code === 0) {
        assert.ok(r !== undefined, `${context}: exit 0 prints a report`);
        assert.deepEqual(r.failed, [], context);
        for (const k of plannedKeys) assert.ok(!state().has(k), `${context}: exit 0 but ${k} is still there`);
      }
      if (fault === undefined) assert.equal(result.code, 0, `${context}\n${result.stderr}`);
      assertInvariant(beforeRun, plannedKeys, r, context);
      for (const d of deletesSent()) assert.ok(allowed.has(d), `${context}: DELETE outside the plan: ${d}`);
      // Each planned path at most three times (one try, two retries of a transient failure); and on
      // exit 0, every planned path was requested (a session is gone only through its DELETE).
      for (const path of allowed) {
        const times = deletesSent().filter((d) => d === path).length;
        assert.ok(times <= 3, `${context}: ${path} sent ${times} times`);
      }
      if (result.code === 0) assert.deepEqual(new Set(deletesSent()), allowed, context);
      tally.deleted += r?.deleted.length ?? 0;
      tally.failed += r?.failed.length ?? 0;
    }
    t.diagnostic(`exit codes ${JSON.stringify(Object.fromEntries(tally.exit))}, faults ${JSON.stringify(Object.fromEntries(tally.faults))}, deleted ${tally.deleted}, failed ${tally.failed}`);
    // The runs must have exercised both outcomes, or the test proves little.
    assert.ok(tally.deleted > 0 && tally.failed > 0, JSON.stringify({ deleted: tally.deleted, failed: tally.failed }));
    assert.ok((tally.exit.get(0) ?? 0) > 0 && (tally.exit.get(3) ?? 0) > 0, JSON.stringify([...tally.exit]));
  });
});
