/**
 * One reading of the site for session-get — listed, filtered by user, sorted. Used once by a plain
 * run, and again on every refresh by --watch and --wait-until-empty; get-formats.ts writes it.
 */
import type { AppLogger } from '../../io/logger.js';
import { filterByUser, isUserFilterActive, type UserFilter } from '../../sessions/filter.js';
import type { Listing } from '../../sessions/list.js';
import { sortRows, targetRows, type SessionRow, type SortColumn } from '../../sessions/rows.js';
import type { Concurrency } from '../../sessions/pool.js';
import type { ProxyNode } from '../../sessions/site.js';
import { summarize, type SessionSummary } from '../../sessions/summary.js';
import type { Clients } from '../clients.js';
import type { CommandContext } from '../context.js';
import { listWithReport } from './listing.js';
import { count } from '../../plural.js';

export interface SnapshotQuery {
  sessionVirtualProxies?: string[];
  hostProxies?: string[];
  qpsPort?: number;
  concurrency: Concurrency;
  users: UserFilter;
  sortBy: SortColumn;
}

export interface Snapshot {
  /** When the reading finished. */
  time: Date;
  /** The sessions the filters keep, sorted. */
  rows: SessionRow[];
  /** The proxy nodes the run looks at (for the per-node counts, zeros included). */
  proxies: ProxyNode[];
  /** The listing, as rows per target: its failures decide the outcome. */
  listing: Listing<SessionRow>;
}

/**
 * A logger for repeated readings: the proxy-service table, the unlinked-virtual-proxy warnings and
 * the like were shown on the first reading and are not repeated; errors always are.
 */
export function repeatLog(log: AppLogger): AppLogger {
  const muted = new Set(['warn', 'info']);
  return {
    error: (message) => log.error(message),
    warn: () => undefined,
    info: () => undefined,
    verbose: (message) => log.verbose(message),
    debug: (message) => log.debug(message),
    silly: (message) => log.silly(message),
    isLevelEnabled: (level) => !muted.has(level) && log.isLevelEnabled(level),
    close: () => Promise.resolve(),
  };
}

export async function readSnapshot(clients: Clients, query: SnapshotQuery, ctx: CommandContext): Promise<Snapshot> {
  const listing = await listWithReport(
    clients,
    {
      prefixes: query.sessionVirtualProxies,
      hostProxies: query.hostProxies,
      qpsPort: query.qpsPort,
      concurrency: query.concurrency,
      signal: ctx.signal,
      users: query.users,
    },
    ctx,
    targetRows,
  );
  const all = listing.results.flatMap((result) => result.sessions);
  const kept = filterByUser(all, query.users, (row) => [row.userDir, row.userId]);
  if (isUserFilterActive(query.users) && kept.length < all.length) {
    ctx.log.info(`${all.length - kept.length} of ${count(all.length, 'session')} left out by the user filters`);
  }
  return { time: new Date(), rows: sortRows(kept, query.sortBy), proxies: listing.proxies, listing };
}

/** The counts of a snapshot, the nodes and virtual proxies that could not be read marked unread. */
export function summarizeSnapshot(snapshot: Snapshot): SessionSummary {
  return summarize(snapshot.rows, snapshot.proxies, snapshot.listing);
}
