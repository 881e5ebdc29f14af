/**
 * The simulated site most end-to-end tests run against: the seed scenario, its session ids, and
 * ways to look at or restore its state between tests.
 */
import { chmod, copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { loadScenario } from '../simulator/scenario.js';
import { startSimulator, type Simulator } from '../simulator/server.js';

/** Session ids of the seed scenario: LAB\goran on the default virtual proxy, testuser_1…4 on finance and win. */
export const GORAN = 'a906ee6b-a8da-4c66-9700-48036c96de7b';
export const T1 = '55142b14-8d2d-43b3-a522-4b2fb46b2798';
export const T2 = 'd1b5d953-4312-4cf2-a106-1992a84dd82b';
export const T3 = 'e9a9c1d3-2d75-4559-9a68-48d1180b3859';
export const T4 = '6ac3b0ea-7d87-41d6-bede-89eb43c63e38';

export interface SeedSite {
  sim: Simulator;
  /** Loopback addresses of the two proxy nodes, as QRS reports their host names. */
  central: string;
  dev1: string;
}

/** Starts the simulator on the seed scenario (stop it with `sim.stop()`). */
export async function startSeedSite(): Promise<SeedSite> {
  const sim = await startSimulator({ scenario: loadScenario('seed') });
  return { sim, central: sim.node('Central').address, dev1: sim.node('dev1').address };
}

/** No fault on QRS or any node, and no latency. */
export async function clearFaults(sim: Simulator): Promise<void> {
  for (const target of ['qrs', ...sim.nodes.map((n) => n.name)]) await sim.setFault(target, undefined);
  sim.setLatency(0);
}

/** Removes every session. */
export function removeAllSessions(sim: Simulator): void {
  for (const s of sim.sessions()) sim.removeSession(s.SessionId, { node: s.node, prefix: s.prefix });
}

/** Back to the scenario's own sessions, no faults, an empty request log. */
export async function resetToScenario(sim: Simulator): Promise<void> {
  await clearFaults(sim);
  removeAllSessions(sim);
  for (const s of sim.scenario.sessions) {
    sim.addSession({ node: s.node, virtualProxyId: s.virtualProxyId, UserDirectory: s.UserDirectory, UserId: s.UserId, SessionId: s.SessionId, Attributes: s.Attributes });
  }
  sim.clearRequests();
}

/** `prefix@node/id` of every session on the site, sorted. */
export function siteState(sim: Simulator): string[] {
  return sim.sessions().map((s) => `${s.prefix}@${s.node}/${s.SessionId}`).sort();
}

/** `siteState()` of the untouched seed site. */
export const SEED = (): string[] =>
  [`@Central/${GORAN}`, `finance@Central/${T1}`, `finance@Central/${T2}`, `win@Central/${T3}`, `win@Central/${T4}`].sort();

export const without = (all: string[], ...gone: string[]): string[] => all.filter((k) => !gone.includes(k));

/** `node path` of every request with this method to a proxy node (QRS left out), sorted. */
export function proxyRequests(sim: Simulator, method: string): string[] {
  return sim.requests.filter((r) => r.target !== 'qrs' && r.method === method).map((r) => `${r.target} ${r.path}`).sort();
}

/** The simulator's client files under their QMC export names, private as a user would keep them. */
export async function copyClientCerts(sim: Simulator, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const [name, from] of [['client.pem', sim.certs.client], ['client_key.pem', sim.certs.clientKey], ['root.pem', sim.certs.root]] as const) {
    await copyFile(from, join(dir, name));
    await chmod(join(dir, name), 0o600);
  }
}

/** The simulator's connection without any certificate option: the ./cert/ defaults apply. */
export function connectionWithoutCerts(sim: Simulator): string[] {
  return ['--host', '127.0.0.1', '--qrs-port', String(sim.qrs.port), '--auth-user-dir', 'INTERNAL', '--auth-user-id', 'sa_api'];
}

/**
 * The seed site for a whole test file: started before its first test, stopped after its last.
 * The fields are there from the first test on.
 */
export function useSeedSite(): SeedSite {
  const site = {} as SeedSite;
  before(async () => {
    Object.assign(site, await startSeedSite());
  });
  after(async () => {
    await site.sim?.stop();
  });
  return site;
}
