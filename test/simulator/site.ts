/**
 * The site's live state, built from a scenario: per proxy node its info, listener, linked virtual
 * proxies and sessions (by virtual proxy). The QRS and QPS routes read it, and the `Simulator`'s
 * session methods (sessions, sessionCount, addSession, removeSession) inspect and change it here.
 */
import { randomUUID } from 'node:crypto';
import type { Listener } from './http.js';
import type { LiveNode } from './qrs-entities.js';
import type { QpsSession, Scenario, ScenarioVirtualProxy, SessionAttribute } from './scenario.js';
import type { AddSessionInput, SimNodeInfo, SimSessionInfo } from './types.js';
import { at } from './at.js';

export interface NodeState {
  info: SimNodeInfo;
  live: LiveNode;
  listener: Listener;
  /** VPs linked to this node, scenario order. */
  vps: ScenarioVirtualProxy[];
  /** vpId -> sessionId -> session */
  sessions: Map<string, Map<string, QpsSession>>;
}

export interface Site {
  scenario: Scenario;
  /** By node name, scenario order. */
  nodes: Map<string, NodeState>;
  vpById: Map<string, ScenarioVirtualProxy>;
  liveByName: Map<string, LiveNode>;
  /** The node that answers `GET /qrs/proxyservice/local`. */
  centralName: string;
}

/** Where a session method looks: one node, one prefix (case-insensitive), or both. */
export interface Where {
  node?: string;
  prefix?: string;
}

/** A session as QPS sends it; wire key order: UserDirectory, UserId, [UserName], Attributes, SessionId. */
export function toWire(s: {
  UserDirectory: string;
  UserId: string;
  UserName?: string;
  Attributes?: SessionAttribute[];
  SessionId: string;
}): QpsSession {
  const Attributes = (s.Attributes ?? []).map((a) => ({ ...a }));
  const { UserDirectory, UserId, UserName, SessionId } = s;
  return UserName === undefined
    ? { UserDirectory, UserId, Attributes, SessionId }
    : { UserDirectory, UserId, UserName, Attributes, SessionId };
}

/** Node i listens on `addresses[i]`; `makeListener` makes its (not yet listening) server. */
export function buildSite(
  scenario: Scenario,
  addresses: string[],
  makeListener: (target: string, address: string) => Listener,
): Site {
  const nodes = new Map<string, NodeState>();
  scenario.nodes.forEach((node, i) => {
    const address = at(addresses, i, 'address');
    const info: SimNodeInfo = { name: node.name, id: node.id, address, port: 0 };
    if (node.hostName !== undefined) info.hostName = node.hostName;
    const vps = scenario.virtualProxies.filter((v) => v.linkedNodes.includes(node.name));
    const sessions = new Map<string, Map<string, QpsSession>>(vps.map((v) => [v.id, new Map()]));
    nodes.set(node.name, {
      info,
      live: { node, address, port: 0 },
      listener: makeListener(node.name, address),
      vps,
      sessions,
    });
  });
  for (const s of scenario.sessions) {
    const ns = nodes.get(s.node);
    const bucket = ns?.sessions.get(s.virtualProxyId);
    if (!bucket) throw new Error(`session ${s.SessionId}: VP ${s.virtualProxyId} is not linked to node ${s.node}`);
    bucket.set(s.SessionId, toWire(s));
  }
  return {
    scenario,
    nodes,
    vpById: new Map(scenario.virtualProxies.map((v) => [v.id, v])),
    liveByName: new Map([...nodes.values()].map((n) => [n.info.name, n.live])),
    centralName: (scenario.nodes.find((n) => n.central) ?? at(scenario.nodes, 0, 'node')).name,
  };
}

/** The VP linked to this node with this prefix (case-insensitive). */
export function findVp(ns: NodeState, prefix: string): ScenarioVirtualProxy | undefined {
  const want = prefix.toLowerCase();
  return ns.vps.find((v) => v.prefix.toLowerCase() === want);
}

const matchesWhere = (ns: NodeState, vp: ScenarioVirtualProxy, where?: Where): boolean =>
  (where?.node === undefined || where.node === ns.info.name) &&
  (where?.prefix === undefined || where.prefix.toLowerCase() === vp.prefix.toLowerCase());

export function listSessions(site: Site, where?: Where): SimSessionInfo[] {
  const out: SimSessionInfo[] = [];
  for (const ns of site.nodes.values()) {
    for (const vp of ns.vps) {
      if (!matchesWhere(ns, vp, where)) continue;
      for (const s of ns.sessions.get(vp.id)?.values() ?? []) {
        out.push({ node: ns.info.name, virtualProxyId: vp.id, prefix: vp.prefix, ...s });
      }
    }
  }
  return out;
}

export function countSessions(site: Site, where?: Where): number {
  let count = 0;
  for (const ns of site.nodes.values()) {
    for (const vp of ns.vps) if (matchesWhere(ns, vp, where)) count += ns.sessions.get(vp.id)?.size ?? 0;
  }
  return count;
}

export function addSession(site: Site, input: AddSessionInput): SimSessionInfo {
  const ns = site.nodes.get(input.node);
  if (!ns) throw new Error(`unknown node "${input.node}"`);
  const vp = input.virtualProxyId !== undefined ? site.vpById.get(input.virtualProxyId) : findVp(ns, input.prefix ?? '');
  const bucket = vp ? ns.sessions.get(vp.id) : undefined;
  if (!vp || !bucket) {
    throw new Error(`no virtual proxy ${input.virtualProxyId ?? `"${input.prefix ?? ''}"`} linked to node "${input.node}"`);
  }
  const s = toWire({ ...input, SessionId: input.SessionId ?? randomUUID() });
  bucket.set(s.SessionId, s);
  return { node: ns.info.name, virtualProxyId: vp.id, prefix: vp.prefix, ...s };
}

/** Remove a session id wherever it is (optionally limited); returns how many were removed. */
export function removeSession(site: Site, id: string, where?: Where): number {
  let removed = 0;
  for (const ns of site.nodes.values()) {
    for (const vp of ns.vps) {
      if (matchesWhere(ns, vp, where) && ns.sessions.get(vp.id)?.delete(id)) removed++;
    }
  }
  return removed;
}
