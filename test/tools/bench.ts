/**
 * `npm run bench`: every workload of issue 14 timed against its floor in one run, and printed; it
 * asserts nothing (a busy machine would make any assertion flaky).
 *
 * The simulator runs in its own process (test/tools/bench-sim.ts, forked), so neither the CLI nor
 * the floor shares an event loop with it or with this script. The CLI is the built bin, timed from
 * spawn to exit (start-up included), with peak RSS from GNU time (/usr/bin/time) when installed,
 * else "n/a". Each pair is run interleaved (ctrl-q, floor, ctrl-q, floor, …) and the minimum of
 * each is compared, so a burst of load elsewhere hits both sides alike.
 *
 *   P1  session-get, 34 virtual proxies × 4 nodes, 20 ms a request, JSON    against the floor
 *   P2  session-get, ~102,000 sessions, no latency, JSON (+ peak RSS)       against the floor
 *   P3  session-delete of 1,000 sessions, 20 ms a request                  against the serial cost
 *   P4  ctrl-q --help                                                      against node -e 0
 *   P5  importing axios, winston, commander in a bare Node                 against importing node:os
 *   P6  session-get, 8 nodes × 30 virtual proxies, 150 ms a request        against the serial cost
 *
 * The floor (test/tools/bench-floor.ts) prints the same bytes as ctrl-q's JSON with bare
 * node:https; the bench checks that both outputs are identical.
 *
 * Environment: BENCH_RUNS (runs of each side, default 5, at least 3), BENCH_NODE (another node
 * binary for the CLI and the floor, e.g. a Node 24 to see the compile cache at work), BENCH_ONLY
 * (workloads to run, e.g. `P1,P4`; all by default).
 */
import { fork, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { BIN, ROOT } from '../helpers/build.js';
import type { BenchSite, SimCommand, SimInfo, SimReply, SimStatsReply } from './bench-sim.js';

const GNU_TIME = '/usr/bin/time';
const RUNS = Math.max(3, Number(process.env.BENCH_RUNS ?? 5) || 5);
const NODE = process.env.BENCH_NODE ?? process.execPath;
const ONLY = (process.env.BENCH_ONLY ?? '').split(',').map((w) => w.trim().toUpperCase()).filter((w) => w !== '');
const wanted = (workload: string): boolean => ONLY.length === 0 || ONLY.includes(workload);

interface Run {
  code: number | null;
  wallMs: number;
  peakRssMb?: number;
  /** User + system CPU time of the process (GNU time): less sensitive to other load than wall time. */
  cpuMs?: number;
  stdoutHash: string;
  stdoutBytes: number;
  stderr: string;
}

/** Runs a program to its end, timing it from spawn to exit; stdout is hashed, not kept. */
function run(argv: readonly string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const useTime = existsSync(GNU_TIME);
    const [command, ...args] = useTime ? [GNU_TIME, '-f', '@@rss=%M cpu=%U+%S', ...argv] : [...argv];
    if (command === undefined) throw new Error('no command');
    const hash = createHash('sha256');
    let stdoutBytes = 0;
    let stderr = '';
    const started = process.hrtime.bigint();
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '', ...env } });
    child.stdout.on('data', (d: Buffer) => {
      stdoutBytes += d.length;
      hash.update(d);
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      const rss = /@@rss=(\d+) cpu=([\d.]+)\+([\d.]+)/.exec(stderr);
      const peakRssMb = rss ? Number(rss[1]) / 1024 : undefined;
      const cpuMs = rss ? (Number(rss[2]) + Number(rss[3])) * 1000 : undefined;
      resolve({ code, wallMs, stdoutBytes, stdoutHash: hash.digest('hex'), stderr, peakRssMb, cpuMs });
    });
  });
}

/** The simulator process, one command at a time. */
class SimProcess {
  private readonly child = fork(fileURLToPath(new URL('bench-sim.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  private queue: Promise<unknown> = Promise.resolve();

  private send(message: SimCommand): Promise<SimReply> {
    const next = this.queue.then(
      () =>
        new Promise<SimReply>((resolve, reject) => {
          this.child.once('message', (reply: SimReply) => (reply.ok ? resolve(reply) : reject(new Error(reply.error))));
          this.child.send(message);
        }),
    );
    this.queue = next.catch(() => undefined);
    return next;
  }

  async start(site: BenchSite, latencyMs: number): Promise<SimInfo> {
    const reply = await this.send({ cmd: 'start', site, latencyMs });
    if (!reply.ok || reply.info === undefined) throw new Error('simulator did not start');
    return reply.info;
  }

  async reset(): Promise<void> {
    await this.send({ cmd: 'reset' });
  }

  async stats(): Promise<SimStatsReply> {
    const reply = await this.send({ cmd: 'stats' });
    if (!reply.ok || reply.stats === undefined) throw new Error('no statistics');
    return reply.stats;
  }

  async stop(): Promise<void> {
    await this.send({ cmd: 'stop' });
  }
}

const s = (ms: number): string => `${(ms / 1000).toFixed(3)} s`;
const mb = (v: number | undefined): string => (v === undefined ? 'n/a' : `${v.toFixed(0)} MB`);
const min = (runs: readonly Run[]): Run => runs.reduce((x, y) => (x.wallMs <= y.wallMs ? x : y));
const maxRss = (runs: readonly Run[]): number | undefined =>
  runs.every((r) => r.peakRssMb !== undefined) ? Math.max(...runs.map((r) => r.peakRssMb as number)) : undefined;
/** The least CPU time of the runs, NaN without GNU time. */
const leastCpu = (runs: readonly Run[]): number => Math.min(...runs.map((r) => r.cpuMs ?? NaN));
const minCpu = (runs: readonly Run[]): string => (Number.isNaN(leastCpu(runs)) ? 'n/a' : `${leastCpu(runs).toFixed(0)} ms`);
const load = (): string => loadavg().map((l) => l.toFixed(2)).join(' ');

interface Line {
  workload: string;
  ctrlq: string;
  floor: string;
  ratio: number;
  /** No target: the ratio is shown for reference. */
  target?: number;
  extra?: string;
}
const lines: Line[] = [];

function report(line: Line): void {
  lines.push(line);
  const target = line.target === undefined ? '' : ` (target ≤ ${line.target}: ${line.ratio <= line.target ? 'met' : 'NOT met'})`;
  console.log(`${line.workload}: ctrl-q ${line.ctrlq}, floor ${line.floor}, ratio ${line.ratio.toFixed(3)}${target}${line.extra ? `\n   ${line.extra}` : ''}`);
}

function checkExits(name: string, runs: readonly Run[]): void {
  const bad = runs.find((r) => r.code !== 0);
  if (bad) throw new Error(`${name} exited ${bad.code}: ${bad.stderr.split('\n').slice(-4).join(' | ')}`);
}

/** Interleaved runs of ctrl-q and the floor: [ctrl-q runs, floor runs]. */
async function pair(a: () => Promise<Run>, b: () => Promise<Run>, runs = RUNS): Promise<[Run[], Run[]]> {
  const ra: Run[] = [];
  const rb: Run[] = [];
  for (let i = 0; i < runs; i++) {
    ra.push(await a());
    rb.push(await b());
  }
  return [ra, rb];
}

const ctrlq = (args: readonly string[]): Promise<Run> => run([NODE, BIN, ...args]);

interface ListingCase {
  name: string;
  site: BenchSite;
  latencyMs: number;
  target?: number;
  rssTarget?: number;
  /** More ctrl-q options (the defaults otherwise). */
  args?: string[];
}

async function listing(sim: SimProcess, floorJs: string, { name, site, latencyMs, target, rssTarget, args = [] }: ListingCase): Promise<void> {
  const info = await sim.start(site, latencyMs);
  const floorArgs = [NODE, floorJs, info.qrs.host, String(info.qrs.port), info.certs.client, info.certs.clientKey, info.certs.root];
  await sim.reset();
  const [cq, fl] = await pair(() => ctrlq(['qseow', 'session-get', ...info.cliArgs, '--output-format', 'json', ...args]), () => run(floorArgs));
  const stats = await sim.stats();
  checkExits('ctrl-q', cq);
  checkExits('floor', fl);
  const same = cq.every((r) => r.stdoutHash === fl[0]?.stdoutHash) && fl.every((r) => r.stdoutHash === fl[0]?.stdoutHash);
  const best = min(cq);
  const floor = min(fl);
  const rss = maxRss(cq);
  report({
    workload: name,
    ctrlq: `${s(best.wallMs)}${rssTarget !== undefined ? `, peak RSS ${mb(rss)} (target ≤ ${rssTarget} MB${rss === undefined ? '' : rss <= rssTarget ? ': met' : ': NOT met'})` : ''}`,
    floor: `${s(floor.wallMs)}${rssTarget !== undefined ? `, ${mb(maxRss(fl))}` : ''}`,
    ratio: best.wallMs / floor.wallMs,
    target,
    extra: `${info.sessions} sessions, ${stats.requests / (2 * RUNS)} requests a run, ${(best.stdoutBytes / 1e6).toFixed(1)} MB out, output ${same ? 'identical to the floor' : 'DIFFERENT from the floor'}; peak in flight ${stats.peakConcurrent} (${stats.peakPerNode} on one node)`,
  });
  console.log(`      ctrl-q runs: ${cq.map((r) => s(r.wallMs)).join(', ')}; floor runs: ${fl.map((r) => s(r.wallMs)).join(', ')}`);
  console.log(`      CPU (user + system, least of the runs): ctrl-q ${minCpu(cq)}, floor ${minCpu(fl)}`);
}

/** A workload timed against the serial cost of its requests (each request's latency, one after another). */
function reportAgainstSerial(workload: string, runs: readonly Run[], serialMs: number, target: number | undefined, detail: string): void {
  const best = min(runs);
  report({
    workload,
    ctrlq: s(best.wallMs),
    floor: `serial ${s(serialMs)}`,
    ratio: best.wallMs / serialMs,
    target,
    extra: `${detail}; runs ${runs.map((r) => s(r.wallMs)).join(', ')}`,
  });
}

async function deleting(sim: SimProcess): Promise<void> {
  const latencyMs = 20;
  const runs: Run[] = [];
  let serialMs = 0;
  let stats: SimStatsReply | undefined;
  for (let i = 0; i < RUNS; i++) {
    const info = await sim.start({ virtualProxies: 1, nodes: 1, sessionsPerVpPerNode: 1000 }, latencyMs);
    const host = info.nodes[0]?.address ?? '127.0.0.2';
    runs.push(await ctrlq(['qseow', 'session-delete', ...info.cliArgs, '--host-proxy', host, '--session-virtual-proxy', '', '--yes', '--output-format', 'json']));
    stats = await sim.stats();
    if (stats.sessions !== 0) throw new Error(`session-delete left ${stats.sessions} sessions`);
    serialMs = stats.requests * latencyMs;
  }
  checkExits('ctrl-q session-delete', runs);
  reportAgainstSerial('P3 session-delete, 1,000 sessions, 20 ms a request', runs, serialMs, undefined, `${stats?.deletes} DELETEs of ${stats?.requests} requests, peak in flight ${stats?.peakConcurrent}`);
}

async function startup(): Promise<void> {
  const [cq, bare] = await pair(() => ctrlq(['--help']), () => run([NODE, '-e', '0']), Math.max(10, RUNS));
  checkExits('ctrl-q --help', cq);
  const median = (runs: readonly Run[]): number => [...runs].sort((x, y) => x.wallMs - y.wallMs)[Math.floor(runs.length / 2)]?.wallMs ?? NaN;
  report({
    workload: 'P4 ctrl-q --help',
    ctrlq: `${s(min(cq).wallMs)} (median ${s(median(cq))})`,
    floor: `node -e 0 ${s(min(bare).wallMs)} (median ${s(median(bare))})`,
    ratio: min(cq).wallMs / min(bare).wallMs,
    target: 1.6,
    extra: `CPU (user + system, least of the runs): ctrl-q ${minCpu(cq)}, node -e 0 ${minCpu(bare)}`,
  });
}

/**
 * What the packages a run loads cost on their own, each loaded by a bare Node the way ctrl-q loads
 * it (CPU and wall time, least of the runs, less those of importing a built-in module the same way,
 * so that the ES module loader's own start is not counted): the part of P1's and P2's distance to
 * the floor that comes with the packages the design card fixes, whatever ctrl-q does. axios is
 * also timed through its ES module entry, which ctrl-q does not use (src/qlik/axios.ts says why).
 */
async function packageCosts(): Promise<void> {
  const loading = (code: string): Promise<Run> => run([NODE, '--input-type=module', '-e', code]);
  const imported = (specifier: string): string => `await import(${JSON.stringify(specifier)})`;
  const required = (specifier: string): string =>
    `import { createRequire } from 'node:module'; createRequire(${JSON.stringify(join(ROOT, 'package.json'))})(${JSON.stringify(specifier)})`;
  const parts = [
    { name: 'axios (CommonJS build, as ctrl-q loads it)', code: required('axios') },
    { name: 'winston', code: imported('winston') },
    { name: 'commander', code: imported('commander') },
    { name: 'axios through its ES module entry (not used)', code: imported('axios') },
  ];
  const runs = Math.max(10, RUNS);
  const bare: Run[] = [];
  const each = new Map<string, Run[]>(parts.map((p) => [p.name, []]));
  for (let i = 0; i < runs; i++) {
    bare.push(await loading(imported('node:os')));
    for (const part of parts) each.get(part.name)?.push(await loading(part.code));
  }
  const wall = (rs: readonly Run[]): number => min(rs).wallMs;
  console.log(`P5 package imports, over importing node:os (${s(wall(bare))}, CPU ${minCpu(bare)}), least of ${runs} runs:`);
  for (const { name } of parts) {
    const rs = each.get(name) ?? [];
    checkExits(`loading ${name}`, rs);
    console.log(`   ${name}: +${(wall(rs) - wall(bare)).toFixed(0)} ms wall, +${(leastCpu(rs) - leastCpu(bare)).toFixed(0)} ms CPU`);
  }
}

async function fanOut(sim: SimProcess): Promise<void> {
  const latencyMs = 150;
  const info = await sim.start({ virtualProxies: 30, nodes: 8, sessionsPerVpPerNode: 5, partialLinks: 9 }, latencyMs);
  const runs: Run[] = [];
  let stats: SimStatsReply | undefined;
  for (let i = 0; i < Math.min(RUNS, 3); i++) {
    await sim.reset();
    runs.push(await ctrlq(['qseow', 'session-get', ...info.cliArgs, '--output-format', 'json']));
    stats = await sim.stats();
  }
  checkExits('ctrl-q', runs);
  const serialMs = (stats?.requests ?? NaN) * latencyMs;
  reportAgainstSerial('P6 session-get, 8 nodes × 30 virtual proxies, 150 ms a request', runs, serialMs, 0.06, `${stats?.requests} requests a run, peak in flight ${stats?.peakConcurrent} (${stats?.peakPerNode} on one node)`);
}

/** bench-floor.ts as plain JavaScript, so that no TypeScript loader is timed with it. */
async function floorProgram(dir: string): Promise<string> {
  const outfile = join(dir, 'bench-floor.mjs');
  await build({
    entryPoints: [fileURLToPath(new URL('bench-floor.ts', import.meta.url))],
    bundle: true,
    outfile,
    platform: 'node',
    format: 'esm',
    logLevel: 'warning',
  });
  return outfile;
}

async function main(): Promise<void> {
  if (!existsSync(BIN)) throw new Error('dist/bin/ctrl-q.js is missing: run npm run build first');
  console.log(`ctrl-q bench: node ${await versionOf()}, ${new Date().toISOString()}, ${RUNS} runs each, peak RSS ${existsSync(GNU_TIME) ? 'by GNU time' : 'n/a (no /usr/bin/time)'}`);
  console.log(`   load average before: ${load()}`);
  const dir = await mkdtemp(join(tmpdir(), 'ctrlq-bench-'));
  const sim = new SimProcess();
  try {
    const floorJs = await floorProgram(dir);
    const p1 = { site: { virtualProxies: 34, nodes: 4, sessionsPerVpPerNode: 5 }, latencyMs: 20 };
    if (wanted('P1')) {
      await listing(sim, floorJs, { name: 'P1 session-get, 34 virtual proxies × 4 nodes, 20 ms a request, JSON', ...p1, target: 1.15 });
      // The same with the floor's 16 requests in flight in all: what ctrl-q's own work costs.
      await listing(sim, floorJs, { name: 'P1 at the floor\'s 16 in flight (--max-concurrency 16)', ...p1, args: ['--max-concurrency', '16'] });
    }
    const p2 = { site: { virtualProxies: 34, nodes: 4, sessionsPerVpPerNode: 750 }, latencyMs: 0 };
    if (wanted('P2')) await listing(sim, floorJs, { name: 'P2 session-get, ~102,000 sessions, no latency, JSON', ...p2, target: 1.15, rssTarget: 200 });
    if (wanted('P3')) await deleting(sim);
    if (wanted('P4')) await startup();
    if (wanted('P5')) await packageCosts();
    if (wanted('P6')) await fanOut(sim);
  } finally {
    await sim.stop().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
  console.log(`   load average after: ${load()}`);
  console.log('\n| workload | ctrl-q | floor | ratio | target |\n| --- | --- | --- | --- | --- |');
  for (const l of lines) console.log(`| ${l.workload} | ${l.ctrlq} | ${l.floor} | ${l.ratio.toFixed(3)} | ${l.target === undefined ? '–' : `≤ ${l.target}`} |`);
}

async function versionOf(): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn(NODE, ['--version'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.on('close', () => resolve(out.trim()));
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
