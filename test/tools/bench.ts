/**
 * `npm run bench`: measures, prints, asserts nothing. The simulator runs in this process; the CLI is
 * the built bin in a child process, timed from spawn to exit (so start-up is included), with peak
 * RSS from GNU time when it is installed.
 *
 *   1. session-get on 34 virtual proxies × 4 nodes with 20 ms per request, against the serial floor
 *   2. session-get on ~100,000 sessions (no latency) as JSON and as a table, and at 25k/50k for growth
 *   3. session-delete of 5,000 sessions with 20 ms per request, against the serial floor
 *   4. `ctrl-q --help` start-up time
 *
 * When `npm run build:sea` has made build/ctrl-q, runs 1 and 2 (JSON) are repeated with that
 * standalone binary: one bundled file, so it loads its modules faster than dist/ does. Run 2 on
 * 100,000 sessions is also done by test/tools/bench-floor.ts, the bare minimum of a listing, for
 * reference.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { BIN } from '../helpers/cli.js';
import { largeScenario } from '../simulator/scenario.js';
import { startSimulator, type Simulator } from '../simulator/server.js';

const GNU_TIME = '/usr/bin/time';
const SEA_BIN = fileURLToPath(new URL('../../build/ctrl-q', import.meta.url));

/** How the CLI is started: node with the built bin, or the standalone binary. */
interface Program {
  name: string;
  argv: string[];
}

const NODE_BIN: Program = { name: 'dist', argv: [process.execPath, BIN] };
const programs = (): Program[] => (existsSync(SEA_BIN) ? [NODE_BIN, { name: 'sea', argv: [SEA_BIN] }] : [NODE_BIN]);

interface Run {
  code: number | null;
  wallMs: number;
  peakRssMb?: number;
  stdoutBytes: number;
  stderr: string;
}

function runBin(args: string[], program: Program = NODE_BIN): Promise<Run> {
  return new Promise((resolve, reject) => {
    const useTime = existsSync(GNU_TIME);
    const [command, ...argv] = useTime ? [GNU_TIME, '-f', '@@rss=%M', ...program.argv, ...args] : [...program.argv, ...args];
    if (command === undefined) throw new Error('no command');
    const started = process.hrtime.bigint();
    const child = spawn(command, argv, { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '' } });
    let stdoutBytes = 0;
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdoutBytes += d.length));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      const rss = /@@rss=(\d+)/.exec(stderr);
      resolve({ code, wallMs, stdoutBytes, stderr, peakRssMb: rss ? Number(rss[1]) / 1024 : undefined });
    });
  });
}

const fmt = (ms: number): string => `${(ms / 1000).toFixed(3)} s`;
const mb = (v: number | undefined): string => (v === undefined ? 'n/a' : `${v.toFixed(0)} MB`);

/** The CLI's own "Listed … in N ms" figure (--log-level verbose), NaN when absent. */
function insideMs(stderr: string): number {
  return Number(/in (\d+) ms/.exec(stderr)?.[1] ?? NaN);
}

const msText = (ms: number): string => (Number.isNaN(ms) ? 'n/a' : `${ms} ms`);

async function withSim<T>(options: Parameters<typeof startSimulator>[0], fn: (sim: Simulator) => Promise<T>): Promise<T> {
  const sim = await startSimulator(options);
  try {
    return await fn(sim);
  } finally {
    await sim.stop();
  }
}

const ratio = (ms: number, floor: number): string => (ms / floor).toFixed(3);

async function benchFanOut(): Promise<void> {
  const latency = 20;
  await withSim({ scenario: largeScenario({ virtualProxies: 34, nodes: 4, sessionsPerVpPerNode: 5 }), latencyMs: latency }, async (sim) => {
    console.log('1. session-get, 34 virtual proxies x 4 nodes, 20 ms per request (default --concurrency 16)');
    for (const program of programs()) {
      const runs: Run[] = [];
      for (let i = 0; i < 3; i++) {
        sim.clearRequests();
        sim.resetStats();
        runs.push(await runBin(['qseow', 'session-get', ...sim.cliArgs(), '--log-level', 'verbose'], program));
      }
      const requests = sim.requests.length;
      const floor = requests * latency;
      const best = runs.reduce((x, y) => (x.wallMs < y.wallMs ? x : y));
      console.log(`   ${program.name}: requests per run: ${requests} (serial floor ${fmt(floor)})`);
      for (const run of runs) {
        const inside = insideMs(run.stderr);
        console.log(
          `   ${program.name}: exit ${run.code}, wall ${fmt(run.wallMs)} (ratio ${ratio(run.wallMs, floor)}), inside the CLI ${msText(inside)} (ratio ${ratio(inside, floor)})`,
        );
      }
      console.log(`   ${program.name}: best wall ratio ${ratio(best.wallMs, floor)}; peak concurrent QPS requests ${sim.stats.peakConcurrent}`);
    }
  });
}

async function benchLarge(floor: Program): Promise<void> {
  console.log('2. session-get on many sessions, no latency (34 virtual proxies x 4 nodes)');
  for (const perPair of [184, 368, 735]) {
    await withSim({ scenario: largeScenario({ virtualProxies: 34, nodes: 4, sessionsPerVpPerNode: perPair }) }, async (sim) => {
      const total = sim.sessionCount();
      const cases: [Program, string][] = [[NODE_BIN, 'json']];
      if (perPair === 735) cases.push([NODE_BIN, 'table'], ...programs().slice(1).map((p): [Program, string] => [p, 'json']));
      for (const [program, format] of cases) {
        const run = await runBin(['qseow', 'session-get', ...sim.cliArgs(), '--output-format', format, '--log-level', 'verbose'], program);
        console.log(
          `   ${program.name}: ${String(total).padStart(6)} sessions, ${format.padEnd(5)}: exit ${run.code}, wall ${fmt(run.wallMs)}, inside the CLI ${msText(insideMs(run.stderr))}, peak RSS ${mb(run.peakRssMb)}, stdout ${(run.stdoutBytes / 1e6).toFixed(1)} MB`,
        );
      }
      if (perPair === 735) {
        const run = await runBin(['127.0.0.1', String(sim.qrs.port), sim.certs.client, sim.certs.clientKey, sim.certs.root], floor);
        console.log(
          `   floor: ${String(total).padStart(6)} sessions, bare node:https + JSON.parse + JSON.stringify, no sorting: exit ${run.code}, wall ${fmt(run.wallMs)}, peak RSS ${mb(run.peakRssMb)}, stdout ${(run.stdoutBytes / 1e6).toFixed(1)} MB`,
        );
      }
    });
  }
}

/** bench-floor.ts as plain JavaScript, so that no TypeScript loader is timed with it. */
async function floorProgram(dir: string): Promise<Program> {
  const outfile = join(dir, 'bench-floor.mjs');
  await build({ entryPoints: [fileURLToPath(new URL('bench-floor.ts', import.meta.url))], outfile, platform: 'node', format: 'esm', logLevel: 'warning' });
  return { name: 'floor', argv: [process.execPath, outfile] };
}

async function benchDelete(): Promise<void> {
  const latency = 20;
  const count = 5000;
  await withSim({ scenario: largeScenario({ virtualProxies: 1, nodes: 1, sessionsPerVpPerNode: count }), latencyMs: latency }, async (sim) => {
    const host = sim.nodes[0]?.address ?? '127.0.0.2';
    sim.clearRequests();
    sim.resetStats();
    const run = await runBin(['qseow', 'session-delete', ...sim.cliArgs(), '--host-proxy', host, '--session-virtual-proxy', '', '--yes', '--output-format', 'json']);
    const deletes = sim.requests.filter((r) => r.method === 'DELETE').length;
    const floor = deletes * latency;
    console.log(`3. session-delete of ${count} sessions, 20 ms per request (default --concurrency 16)`);
    console.log(
      `   exit ${run.code}, ${deletes} DELETEs, ${sim.sessionCount()} sessions left, wall ${fmt(run.wallMs)}, serial floor ${fmt(floor)}, ratio ${floor > 0 ? (run.wallMs / floor).toFixed(3) : 'n/a'}, peak concurrent QPS requests ${sim.stats.peakConcurrent}, peak RSS ${mb(run.peakRssMb)}`,
    );
    if (run.code !== 0) console.log(`   stderr: ${run.stderr.split('\n').slice(-3).join(' | ')}`);
  });
}

async function benchStartup(): Promise<void> {
  const times: number[] = [];
  for (let i = 0; i < 10; i++) times.push((await runBin(['--help'])).wallMs);
  times.sort((a, b) => a - b);
  console.log(`4. ctrl-q --help start-up: median ${fmt(times[5] ?? NaN)}, best ${fmt(times[0] ?? NaN)} (10 runs)`);
}

async function main(): Promise<void> {
  if (!existsSync(BIN)) throw new Error('dist/bin/ctrl-q.js is missing: run npm run build first');
  console.log(`node ${process.version}, ${new Date().toISOString()}`);
  await benchFanOut();
  const dir = await mkdtemp(join(tmpdir(), 'ctrlq-bench-'));
  try {
    await benchLarge(await floorProgram(dir));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  await benchDelete();
  await benchStartup();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
