/**
 * The listing step shared by session-get and session-delete, with what it tells the user on stderr:
 * the available proxy services, virtual proxies linked to no proxy, progress, failed targets.
 */
import { errorMessage, CliError, PartialFailureError } from '../../errors.js';
import type { Log } from '../../io/logger.js';
import { createProgress } from '../../io/progress.js';
import { shown } from '../../safe-text.js';
import { describeTarget, prefixLabel } from '../../sessions/site.js';
import type { SessionConverter } from '../../sessions/fetch.js';
import { unseenDirectories, type UserFilter } from '../../sessions/filter.js';
import { listSessions, type ListHooks, type ListQuery, type Listing } from '../../sessions/list.js';
import { proxyServicesTable } from '../../render/sessions.js';
import type { Clients } from '../clients.js';
import type { CommandContext } from '../context.js';
import { count } from '../../plural.js';

export interface ReportedListQuery extends ListQuery {
  /** The user filters of the run: a directory they name that no session read has gets a warning. */
  users?: UserFilter;
}

/** Warns about user directories in the filters that no session read has (typos, or users gone). */
function warnUnseenDirectories(users: UserFilter | undefined, seen: readonly string[] | undefined, log: Log): void {
  // Nothing read, nothing to compare with: an empty site says nothing about a directory name.
  if (users === undefined || seen === undefined || seen.length === 0) return;
  const list = seen.map(shown).join(', ');
  const checks: [string, UserFilter][] = [
    ['--session-user-dir', { userDir: users.userDir }],
    ['--exclude-user', { excludeUsers: users.excludeUsers }],
  ];
  for (const [option, filter] of checks) {
    for (const dir of unseenDirectories(filter, seen)) {
      log.warn(`${option}: no session read has the user directory '${shown(dir)}'; the user directories seen are ${list}`);
    }
  }
}

/** What the plan of a listing tells the user: the proxy services, and why some or all of the site cannot be read. */
function logPlanned(planned: Parameters<NonNullable<ListHooks['onPlanned']>>[0], log: Log): void {
  const { site } = planned;
  if (log.isLevelEnabled('info')) {
    const summary = site.proxies.map((p) => ({
      name: p.name,
      host: p.host,
      id: p.id,
      linkedVirtualProxies: p.linkedVirtualProxyIds.size,
    }));
    log.info(`Available proxy services:\n${proxyServicesTable(summary)}`);
  }
  // With no proxy service listed every virtual proxy is unlinked: one warning below says why.
  for (const vp of site.proxies.length === 0 ? [] : planned.unlinked) {
    log.warn(
      `Virtual proxy is not linked to any proxy. Prefix="${shown(vp.prefix)}", Session cookie header name="${shown(vp.sessionCookieHeaderName)}"`,
    );
  }
  if (site.unasked.length > 0) {
    const one = site.unasked.length === 1;
    log.warn(
      `QRS returned ${count(site.unasked.length, 'virtual proxy', 'virtual proxies')} that ${one ? 'was' : 'were'} not asked for (it did not apply the filter); ${one ? 'it is' : 'they are'} left alone, not read: ${site.unasked.map((vp) => prefixLabel(vp.prefix)).join(', ')}`,
    );
  }
  if (site.proxies.length === 0) {
    log.warn('QRS listed no proxy service: no session can be read (can the user of --auth-user-dir/--auth-user-id read proxy services in QRS?)');
  } else if (site.virtualProxies.length === 0) {
    log.warn('QRS listed no virtual proxy: no session can be read (can the user of --auth-user-dir/--auth-user-id read virtual proxies in QRS?)');
  } else if (planned.targets.length === 0) {
    log.warn('No virtual proxy in the selection is linked to a selected proxy service: there are no sessions to read');
  }
  log.verbose(`Reading sessions from ${count(planned.targets.length, '(virtual proxy, proxy service) pair')}`);
}

export async function listWithReport<S>(
  clients: Clients,
  query: ReportedListQuery,
  ctx: CommandContext,
  convert: SessionConverter<S>,
): Promise<Listing<S>> {
  const { log } = ctx;
  const progress = createProgress(ctx.io, 'Reading sessions');
  const namesDirectories = query.users?.userDir !== undefined || (query.users?.excludeUsers ?? []).some((p) => p.includes('\\'));
  let listing: Listing<S>;
  try {
    listing = await listSessions(clients.qrs, clients.qps, { ...query, userDirectories: namesDirectories }, log, convert, {
      onPlanned: (planned) => logPlanned(planned, log),
      onProgress: (done, total) => progress.update(done, total),
    });
  } finally {
    progress.stop();
  }
  warnUnseenDirectories(query.users, listing.userDirectories, log);
  return listing;
}

/**
 * Names each pair that could not be read on stderr and returns the error the run ends with, if any:
 * some pairs unread → exit 3; none read → the first failure's own error (exit 4 when that was TLS or
 * authorisation, else its code, 1 for an error that has none).
 */
export function failureOutcome(listing: Listing<unknown>, ctx: CommandContext): CliError | undefined {
  const { failures, results } = listing;
  if (failures.length === 0) return undefined;
  for (const failure of failures) {
    ctx.log.error(`Could not get sessions for ${describeTarget(failure.target)}: ${shown(failure.reason)}`);
  }
  if (results.length === 0) {
    // Nothing could be read: the first failure decides (exit 4 for TLS/authorisation, else 1).
    const first = failures[0]?.error;
    return first instanceof CliError ? first : new CliError(errorMessage(first), 1);
  }
  return new PartialFailureError(
    `sessions could not be read from ${failures.length} of ${failures.length + results.length} (virtual proxy, proxy service) pairs; the others are shown`,
  );
}
