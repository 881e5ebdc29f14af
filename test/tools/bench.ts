/**
 * `npm run bench`: measures, prints, asserts nothing. The simulator runs in this process; the CLI is
 * the built bin in a child process, timed from spawn to exit (so start-up is included), with peak
 * RSS from GNU time when it is installed.
 *
 *   1. session-get on 34 virtual proxies × 4 nodes with 20 ms per request, against the serial floor
 *   2. session-get on ~100,000 sessions (no latency) as JSON and as a table, and at 25k/50k for growth
 *   3. session-delete of 5,000 sessions with 20 ms per request, against the serial floor
 *   4. `ctrl-q --help` start-up time
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { BIN } from '../helpers/cli.js';
import { largeScenario } from '../simulator/scenario.js';
import { startSimulator, type Simulator } from '../simulator/server.js';

const GNU_TIME = '/usr/bin/time';

interface Run {
  code: number | null;
  wallMs: number;
  peakRssMb?: number;
  stdoutBytes: number;
  stderr: string;
}

function runBin(args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const useTime = existsSync(GNU_TIME);
    const command = useTime ? GNU_TIME : process.execPath;
    const argv = useTime ? ['-f', '@@rss=%M', process.execPath, BIN, ...args] : [BIN, ...args];
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

function internalMs(stderr: string): string {
  const m = /in (\d+) ms/.exec(stderr);
  return m ? `${m[1]} ms` : 'n/a';
}

async function withSim<T>(options: Parameters<typeof startSimulator>[0], fn: (sim: Simulator) => Promise<T>): Promise<T> {
  const sim = await startSimulator(options);
  try {
    return await fn(sim);
  } finally {
    await sim.stop();
  }
}

async function benchFanOut(): Promise<void> {
  const latency = 20;
  await withSim({ scenario: largeScenario({ virtualProxies: 34, nodes: 4, sessionsPerVpPerNode: 5 }), latencyMs: latency }, async (sim) => {
    const runs: Run[] = [];
    for (let i = 0; i < 3; i++) {
      sim.clearRequests();
      sim.resetStats();
      runs.push(await runBin(['qseow', 'session-get', ...sim.cliArgs(), '--log-level', 'verbose']));
    }
    const requests = sim.requests.length;
    const floor = requests * latency;
    const best = runs.reduce((a, b) => (a.wallMs < b.wallMs ? a : b));
    console.log('1. session-get, 34 virtual proxies x 4 nodes, 20 ms per request (default --concurrency 16)');
    console.log(`   requests per run: ${requests} (serial floor ${fmt(floor)})`);
    for (const run of runs) {
      console.log(
        `   run: exit ${run.code}, wall ${fmt(run.wallMs)} (ratio ${(run.wallMs / floor).toFixed(3)}), inside the CLI ${internalMs(run.stderr)} (ratio ${(Number(/in (\d+) ms/.exec(run.stderr)?.[1] ?? NaN) / floor).toFixed(3)})`,
      );
    }
    console.log(`   best wall ratio ${(best.wallMs / floor).toFixed(3)}; peak concurrent QPS requests ${sim.stats.peakConcurrent}`);
  });
}

async function benchLarge(): Promise<void> {
  console.log('2. session-get on many sessions, no latency (34 virtual proxies x 4 nodes)');
  for (const perPair of [184, 368, 735]) {
    await withSim({ scenario: largeScenario({ virtualProxies: 34, nodes: 4, sessionsPerVpPerNode: perPair }) }, async (sim) => {
      const total = sim.sessionCount();
      for (const format of ['json', 'table']) {
        if (format === 'table' && perPair !== 735) continue;
        const run = await runBin(['qseow', 'session-get', ...sim.cliArgs(), '--output-format', format, '--log-level', 'verbose']);
        console.log(
          `   ${String(total).padStart(6)} sessions, ${format.padEnd(5)}: exit ${run.code}, wall ${fmt(run.wallMs)}, inside the CLI ${internalMs(run.stderr)}, peak RSS ${mb(run.peakRssMb)}, stdout ${(run.stdoutBytes / 1e6).toFixed(1)} MB`,
        );
      }
    });
  }
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
  await benchLarge();
  await benchDelete();
  await benchStartup();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
