/**
 * The simulator for `npm run bench`, in its own process (forked by bench.ts), so that the program
 * being timed never shares an event loop or a core's time slice with the bench's bookkeeping.
 * Driven over the IPC channel, one message at a time:
 *
 *   { cmd: 'start', site, latencyMs } → { ok, info }   (stops the previous simulator first)
 *   { cmd: 'reset' }                  → { ok }          (request log and statistics cleared)
 *   { cmd: 'stats' }                  → { ok, stats }
 *   { cmd: 'stop' }                   → { ok }          and the process ends
 *
 * The certificates live in one folder for the whole bench, so that every start reuses them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { largeScenario, type LargeScenarioOptions, type Scenario } from '../simulator/scenario.js';
import { startSimulator, type Simulator } from '../simulator/server.js';

export interface BenchSite extends LargeScenarioOptions {
  /**
   * Virtual proxies 1… are linked to fewer nodes, like a real site's: `partialLinks` of them to
   * all nodes but two, the rest to all nodes but one (the default virtual proxy stays on all).
   */
  partialLinks?: number;
}

export interface SimInfo {
  cliArgs: string[];
  qrs: { host: string; port: number };
  certs: { root: string; client: string; clientKey: string };
  nodes: { name: string; address: string; port: number }[];
  sessions: number;
}

export interface SimStatsReply {
  qpsRequests: number;
  requests: number;
  deletes: number;
  peakConcurrent: number;
  /** Highest number of QPS requests in flight on one node at once. */
  peakPerNode: number;
  sessions: number;
}

export type SimCommand =
  | { cmd: 'start'; site: BenchSite; latencyMs: number }
  | { cmd: 'reset' }
  | { cmd: 'stats' }
  | { cmd: 'stop' };

export type SimReply = { ok: true; info?: SimInfo; stats?: SimStatsReply } | { ok: false; error: string };

/** Drops links so that a virtual proxy is on fewer nodes (see BenchSite.partialLinks). */
export function benchScenario(site: BenchSite): Scenario {
  const scenario = largeScenario(site);
  if (site.partialLinks === undefined) return scenario;
  const names = scenario.nodes.map((n) => n.name);
  scenario.virtualProxies.forEach((vp, i) => {
    if (i === 0) return;
    const drop = i <= (site.partialLinks ?? 0) ? 2 : 1;
    const skipped = new Set(Array.from({ length: drop }, (_, d) => names[(i + d) % names.length]));
    vp.linkedNodes = names.filter((n) => !skipped.has(n));
  });
  const linked = new Map(scenario.virtualProxies.map((vp) => [vp.id, new Set(vp.linkedNodes)]));
  scenario.sessions = scenario.sessions.filter((s) => linked.get(s.virtualProxyId)?.has(s.node) === true);
  return scenario;
}

const certDir = mkdtempSync(join(tmpdir(), 'ctrlq-bench-certs-'));
let sim: Simulator | undefined;

async function handle(message: SimCommand): Promise<SimReply> {
  switch (message.cmd) {
    case 'start': {
      await sim?.stop();
      sim = await startSimulator({ scenario: benchScenario(message.site), latencyMs: message.latencyMs, certDir });
      const s = sim;
      return {
        ok: true,
        info: {
          cliArgs: s.cliArgs(),
          qrs: s.qrs,
          certs: s.certs,
          nodes: s.nodes.map((n) => ({ name: n.name, address: n.address, port: n.port })),
          sessions: s.sessionCount(),
        },
      };
    }
    case 'reset':
      sim?.clearRequests();
      sim?.resetStats();
      return { ok: true };
    case 'stats': {
      const s = sim;
      if (s === undefined) return { ok: false, error: 'not started' };
      return {
        ok: true,
        stats: {
          qpsRequests: s.stats.qpsRequests,
          requests: s.requests.length,
          deletes: s.requests.filter((r) => r.method === 'DELETE').length,
          peakConcurrent: s.stats.peakConcurrent,
          peakPerNode: s.stats.peakPerNode,
          sessions: s.sessionCount(),
        },
      };
    }
    case 'stop':
      await sim?.stop();
      sim = undefined;
      rmSync(certDir, { recursive: true, force: true });
      return { ok: true };
  }
}

process.on('message', (message: SimCommand) => {
  handle(message).then(
    (reply) => {
      process.send?.(reply);
      if (message.cmd === 'stop') process.disconnect();
    },
    (err: unknown) => process.send?.({ ok: false, error: err instanceof Error ? err.message : String(err) }),
  );
});
