/**
 * The counts an admin wants before a restart: how many sessions, on which proxy nodes and virtual
 * proxies, and which users hold them.
 */
import type { SessionRow } from './rows.js';
import type { ProxyNode } from './site.js';

export interface ProxyNodeCount {
  name: string;
  host: string;
  sessions: number;
}

export interface VirtualProxyCount {
  prefix: string;
  description: string;
  sessionCookieHeaderName: string;
  sessions: number;
}

export interface UserCount {
  /** `DIRECTORY\userid` */
  user: string;
  userDir: string;
  userId: string;
  sessions: number;
}

export interface SessionSummary {
  total: number;
  /** Every proxy node the run looked at, in QRS order, zero counts included. */
  perProxyNode: ProxyNodeCount[];
  /** The virtual proxies that have sessions, by prefix (then cookie header: a prefix may exist twice). */
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

export function summarize(rows: readonly SessionRow[], proxies: readonly ProxyNode[]): SessionSummary {
  const perHost = new Map<string, number>();
  const perVp = new Map<string, VirtualProxyCount>();
  const perUser = new Map<string, UserCount>();
  for (const row of rows) {
    perHost.set(row.proxyHost, (perHost.get(row.proxyHost) ?? 0) + 1);
    const vpKey = `${row.vpPrefix}\u0000${row.vpSessionCookieHeaderName}`;
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
  const users = [...perUser.values()].sort((a, b) => compareText(a.user, b.user));
  return {
    total: rows.length,
    perProxyNode: proxies.map((p) => ({ name: p.name, host: p.host, sessions: perHost.get(p.host) ?? 0 })),
    perVirtualProxy: [...perVp.values()].sort(
      (a, b) => compareText(a.prefix, b.prefix) || compareText(a.sessionCookieHeaderName, b.sessionCookieHeaderName),
    ),
    distinctUsers: users.length,
    users,
  };
}
