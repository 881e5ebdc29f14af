/**
 * The counts an admin wants before a restart: how many sessions, on which proxy nodes and virtual
 * proxies, and which users hold them.
 */
import type { VirtualProxyConfig } from '../qlik/types.js';
import type { TargetFailure } from './fetch.js';
import { isComplete, type Listing } from './list.js';
import type { SessionRow } from './rows.js';
import type { ProxyNode } from './site.js';

export interface ProxyNodeCount {
  name: string;
  host: string;
  /** The sessions read; with `unread` set, only a part of the node's sessions. */
  sessions: number;
  /** Why some or all of this node's sessions could not be read: its count is then unknown, not 0. */
  unread?: string;
}

export interface VirtualProxyCount {
  prefix: string;
  description: string;
  sessionCookieHeaderName: string;
  sessions: number;
  /** Why this virtual proxy could not be read on some or all of its nodes. */
  unread?: string;
}

/** What is known of the unread targets of a listing, per proxy node and per virtual proxy. */
export interface UnreadReasons {
  /** Proxy node id → reason. */
  byNode: ReadonlyMap<string, string>;
  /** virtualProxyKey() → the virtual proxy and the reason. */
  byVirtualProxy: ReadonlyMap<string, { vp: VirtualProxyConfig; reason: string }>;
}

/** A virtual proxy as counted: by prefix and cookie header (a prefix may exist twice). */
function virtualProxyKey(prefix: string, sessionCookieHeaderName: string): string {
  return `${prefix}\u0000${sessionCookieHeaderName}`;
}

/** `reason`, `2 of 5 virtual proxies unread: reason`, `reason (and 2 other errors)`. */
function combinedReason(failures: readonly TargetFailure[], of: number, unit: string): string {
  const reasons = [...new Set(failures.map((f) => f.reason))];
  const part = failures.length < of ? `${failures.length} of ${of} ${unit} unread: ` : '';
  const others = reasons.length - 1;
  const more = others > 0 ? ` (and ${others} other error${others === 1 ? '' : 's'})` : '';
  return `${part}${reasons[0] ?? 'unread'}${more}`;
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

export function unreadReasons(listing: Pick<Listing<unknown>, 'targets' | 'failures'>): UnreadReasons {
  const byNode = new Map<string, string>();
  const byVirtualProxy = new Map<string, { vp: VirtualProxyConfig; reason: string }>();
  if (listing.failures.length === 0) return { byNode, byVirtualProxy };
  const nodeTargets = groupBy(listing.targets, (t) => t.node.id);
  for (const [id, failures] of groupBy(listing.failures, (f) => f.target.node.id)) {
    byNode.set(id, combinedReason(failures, nodeTargets.get(id)?.length ?? failures.length, 'virtual proxies'));
  }
  const vpTargets = groupBy(listing.targets, (t) => t.vp.id);
  for (const [id, failures] of groupBy(listing.failures, (f) => f.target.vp.id)) {
    const [first] = failures;
    if (first === undefined) continue; // groupBy makes no empty group
    const { vp } = first.target;
    const reason = combinedReason(failures, vpTargets.get(id)?.length ?? failures.length, 'proxy nodes');
    byVirtualProxy.set(virtualProxyKey(vp.prefix, vp.sessionCookieHeaderName), { vp, reason });
  }
  return { byNode, byVirtualProxy };
}

export interface UserCount {
  /** `DIRECTORY\userid` */
  user: string;
  userDir: string;
  userId: string;
  sessions: number;
}

export interface SessionSummary {
  /** The sessions read. A lower bound when `complete` is false. */
  total: number;
  /** Every target of the selection was read, and there was at least one (see isComplete). */
  complete: boolean;
  /** Every proxy node the run looked at, in QRS order, zero counts and unread nodes included. */
  perProxyNode: ProxyNodeCount[];
  /**
   * The virtual proxies that have sessions or could not be read everywhere, by prefix (then cookie
   * header: a prefix may exist twice).
   */
  perVirtualProxy: VirtualProxyCount[];
  distinctUsers: number;
  /** The distinct users (a user is the same whatever the case), by `DIRECTORY\userid` without regard to case. */
  users: UserCount[];
}

function compareText(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  if (x !== y) return x < y ? -1 : 1;
  return a === b ? 0 : a < b ? -1 : 1;
}

/**
 * The counts of `rows` (the sessions read, after the filters) on `proxies`. With the listing they
 * came from, the nodes and virtual proxies that could not be read carry the reason (`unread`).
 */
export function summarize(
  rows: readonly SessionRow[],
  proxies: readonly ProxyNode[],
  listing?: Pick<Listing<unknown>, 'targets' | 'failures'>,
): SessionSummary {
  const unread = listing === undefined ? undefined : unreadReasons(listing);
  const perHost = new Map<string, number>();
  const perVp = new Map<string, VirtualProxyCount>();
  const perUser = new Map<string, UserCount>();
  for (const row of rows) {
    perHost.set(row.proxyHost, (perHost.get(row.proxyHost) ?? 0) + 1);
    const vpKey = virtualProxyKey(row.vpPrefix, row.vpSessionCookieHeaderName);
    const vp = perVp.get(vpKey);
    if (vp) vp.sessions++;
    else {
      perVp.set(vpKey, {
        prefix: row.vpPrefix,
        description: row.vpDescription,
        sessionCookieHeaderName: row.vpSessionCookieHeaderName,
        sessions: 1,
      });
    }
    const user = `${row.userDir}\\${row.userId}`;
    const userKey = user.toLowerCase();
    const seen = perUser.get(userKey);
    if (seen) seen.sessions++;
    else perUser.set(userKey, { user, userDir: row.userDir, userId: row.userId, sessions: 1 });
  }
  for (const [key, { vp, reason }] of unread?.byVirtualProxy ?? []) {
    const counted = perVp.get(key);
    if (counted) counted.unread = reason;
    else {
      perVp.set(key, {
        prefix: vp.prefix,
        description: vp.description,
        sessionCookieHeaderName: vp.sessionCookieHeaderName,
        sessions: 0,
        unread: reason,
      });
    }
  }
  const users = [...perUser.values()].sort((a, b) => compareText(a.user, b.user));
  return {
    total: rows.length,
    complete: listing === undefined || isComplete(listing),
    perProxyNode: proxies.map((p) => {
      const count: ProxyNodeCount = { name: p.name, host: p.host, sessions: perHost.get(p.host) ?? 0 };
      const reason = unread?.byNode.get(p.id);
      if (reason !== undefined) count.unread = reason;
      return count;
    }),
    perVirtualProxy: [...perVp.values()].sort(
      (a, b) => compareText(a.prefix, b.prefix) || compareText(a.sessionCookieHeaderName, b.sessionCookieHeaderName),
    ),
    distinctUsers: users.length,
    users,
  };
}
