/**
 * One reading of the site for session-get — listed, filtered by user, sorted — and how it is written
 * in each output format. Used once by a plain run, and again on every refresh by --watch and
 * --wait-until-empty.
 */
import type { Writable } from 'node:stream';
import type { AppLogger } from '../../io/logger.js';
import { write } from '../../io/streams.js';
import { writeJson } from '../../render/json.js';
import { writeSessionsTable } from '../../render/sessions.js';
import { renderSummaryTable, toSummaryJson } from '../../render/summary.js';
import { filterByUser, isUserFilterActive, type UserFilter } from '../../sessions/filter.js';
import { isComplete, type Listing } from '../../sessions/list.js';
import { countByProxy, sortRows, targetRows, type SessionRow, type SortColumn } from '../../sessions/rows.js';
import type { Concurrency } from '../../sessions/pool.js';
import type { ProxyNode } from '../../sessions/site.js';
import { summarize, unreadReasons, type SessionSummary } from '../../sessions/summary.js';
import type { Clients } from '../clients.js';
import type { CommandContext } from '../context.js';
import type { GetOutputFormat } from '../options.js';
import { listWithReport } from './listing.js';
import { count } from '../../render/plural.js';

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

/**
 * The snapshot on `out` in one of session-get's formats, exactly as a plain run prints it. The JSON
 * rows stay Ctrl-Q's plain array: what could not be read is on stderr and in the exit code.
 */
export async function writeSnapshot(out: Writable, format: GetOutputFormat, snapshot: Snapshot): Promise<void> {
  const { rows, proxies, listing } = snapshot;
  switch (format) {
    case 'json':
      return writeJson(out, rows);
    case 'table':
      return writeSessionsTable(out, rows, countByProxy(proxies, rows, unreadReasons(listing).byNode), isComplete(listing));
    case 'summary':
      return write(out, `${renderSummaryTable(summarizeSnapshot(snapshot))}\n`);
    case 'summary-json':
      return writeJson(out, toSummaryJson(summarizeSnapshot(snapshot)));
  }
}
