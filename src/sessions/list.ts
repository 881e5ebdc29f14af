/**
 * The listing both commands start from: the site from QRS, the chosen proxy nodes, the linked
 * (virtual proxy × node) targets, and the sessions of each target fetched in parallel.
 */
import { CliError, ExitCode } from '../errors.js';
import type { Log } from '../io/logger.js';
import { isAddressablePrefix } from '../qlik/paths.js';
import type { QpsApi } from '../qlik/qps-client.js';
import type { QrsApi } from '../qlik/qrs-client.js';
import type { QpsSession, VirtualProxyConfig } from '../qlik/types.js';
import { shown } from '../safe-text.js';
import type { Concurrency } from './pool.js';
import { fetchSessions, type FetchResult, type SessionConverter, type TargetFailure } from './fetch.js';
import { loadSite, planTargets, selectProxies, unlinkedVirtualProxies, type ProxyNode, type Site, type Target } from './site.js';

export interface ListQuery {
  /** Virtual proxy prefixes; all when undefined. */
  prefixes?: readonly string[];
  /** Proxy host names (case-insensitive); all when undefined. */
  hostProxies?: readonly string[];
  qpsPort?: number;
  concurrency: Concurrency;
  signal?: AbortSignal;
  /** Also gather the user directories of the sessions read (Listing.userDirectories). */
  userDirectories?: boolean;
}

/**
 * What a run knows about the sessions of its selection.
 *
 * Unread targets: `failures` (from FetchResult) holds every target whose sessions are unknown, with
 * the reason — its QPS request failed, or it was never sent because the node's host name or the
 * virtual proxy prefix from QRS cannot be addressed (`unaddressable`). Their sessions are unknown,
 * never zero: counts, plans and "no session left" must say so (see isComplete).
 */
export interface Listing<S = QpsSession> extends FetchResult<S> {
  site: Site;
  /** The proxies the run works on (all, or those named by --host-proxy). */
  proxies: ProxyNode[];
  /** Every linked (virtual proxy, node) pair of the selection, the unaddressable ones included. */
  targets: Target[];
  /** Virtual proxies of the result that are linked to no proxy service. */
  unlinked: VirtualProxyConfig[];
  /** The targets never asked because their host name or prefix cannot be addressed (also in `failures`). */
  unaddressable: TargetFailure[];
  /** The distinct user directories of the sessions read (any case counted once, sorted), when asked for. */
  userDirectories?: string[];
}

export interface ListHooks {
  /** Called once the site is known and the targets are chosen, before any QPS request. */
  onPlanned?: (listing: Omit<Listing<unknown>, 'results' | 'failures' | 'userDirectories'>) => void;
  onProgress?: (done: number, total: number) => void;
}

/**
 * Did the listing read sessions from at least one target, and from every target? Only then do its
 * counts, and "no session left", speak for the whole selection. Not when QRS listed no proxy service
 * or no virtual proxy (a user without the right to read them), or nothing of the selection is linked.
 */
export function isComplete(listing: Pick<Listing<unknown>, 'targets' | 'failures'>): boolean {
  return listing.targets.length > 0 && listing.failures.length === 0;
}

/** Why a target is never asked, or undefined when it can be. */
function unaddressableReason(target: Target): string | undefined {
  if (target.node.refused !== undefined) return `not read: ${target.node.refused}`;
  if (!isAddressablePrefix(target.vp.prefix)) {
    return `not read: the prefix '${shown(target.vp.prefix)}' from QRS has an empty, '.' or '..' segment and cannot be addressed in a URL path; nothing was sent`;
  }
  return undefined;
}

export async function listSessions<S>(
  qrs: QrsApi,
  qps: QpsApi,
  query: ListQuery,
  log: Log,
  convert: SessionConverter<S>,
  hooks: ListHooks = {},
): Promise<Listing<S>> {
  const site = await loadSite(qrs, { prefixes: query.prefixes, qpsPort: query.qpsPort, signal: query.signal }, log);
  const proxies = selectProxies(site, query.hostProxies);
  const targets = planTargets(site, proxies);
  const unaddressable: TargetFailure[] = [];
  const sendable: Target[] = [];
  for (const target of targets) {
    const reason = unaddressableReason(target);
    if (reason === undefined) sendable.push(target);
    else unaddressable.push({ target, reason, error: new CliError(reason, ExitCode.Failure) });
  }
  const planned = { site, proxies, targets, unlinked: unlinkedVirtualProxies(site), unaddressable };
  hooks.onPlanned?.(planned);
  const directories = query.userDirectories ? new Map<string, string>() : undefined;
  const gather: SessionConverter<S> =
    directories === undefined
      ? convert
      : (target, sessions) => {
          for (const session of sessions) {
            const key = session.UserDirectory.toLowerCase();
            if (!directories.has(key)) directories.set(key, session.UserDirectory);
          }
          return convert(target, sessions);
        };
  const fetched = await fetchSessions(
    qps,
    sendable,
    { concurrency: query.concurrency, signal: query.signal, onProgress: hooks.onProgress },
    gather,
  );
  return {
    ...planned,
    results: fetched.results,
    failures: [...unaddressable, ...fetched.failures],
    ...(directories === undefined ? {} : { userDirectories: [...directories.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, dir]) => dir) }),
  };
}
