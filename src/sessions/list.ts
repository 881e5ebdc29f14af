/**
 * The listing both commands start from: the site from QRS, the chosen proxy nodes, the linked
 * (virtual proxy × node) targets, and the sessions of each target fetched in parallel.
 */
import type { Log } from '../io/logger.js';
import type { QpsApi } from '../qlik/qps-client.js';
import type { QrsApi } from '../qlik/qrs-client.js';
import type { QpsSession, VirtualProxyConfig } from '../qlik/types.js';
import type { Concurrency } from './pool.js';
import { fetchSessions, type FetchResult, type SessionConverter } from './fetch.js';
import { loadSite, planTargets, selectProxies, unlinkedVirtualProxies, type ProxyNode, type Site, type Target } from './site.js';

export interface ListQuery {
  /** Virtual proxy prefixes; all when undefined. */
  prefixes?: readonly string[];
  /** Proxy host names (case-insensitive); all when undefined. */
  hostProxies?: readonly string[];
  qpsPort?: number;
  concurrency: Concurrency;
  signal?: AbortSignal;
}

export interface Listing<S = QpsSession> extends FetchResult<S> {
  site: Site;
  /** The proxies the run works on (all, or those named by --host-proxy). */
  proxies: ProxyNode[];
  targets: Target[];
  /** Virtual proxies of the result that are linked to no proxy service. */
  unlinked: VirtualProxyConfig[];
  /** Asked-for prefixes that matched no virtual proxy. */
  unknownPrefixes: string[];
}

export interface ListHooks {
  /** Called once the site is known and the targets are chosen, before any QPS request. */
  onPlanned?: (listing: Omit<Listing<unknown>, 'results' | 'failures'>) => void;
  onProgress?: (done: number, total: number) => void;
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
  const known = new Set(site.virtualProxies.map((vp) => vp.prefix.toLowerCase()));
  const unknownPrefixes = (query.prefixes ?? []).filter((p) => !known.has(p.toLowerCase()));
  const planned = { site, proxies, targets, unlinked: unlinkedVirtualProxies(site), unknownPrefixes };
  hooks.onPlanned?.(planned);
  const fetched = await fetchSessions(
    qps,
    targets,
    { concurrency: query.concurrency, signal: query.signal, onProgress: hooks.onProgress },
    convert,
  );
  return { ...planned, ...fetched };
}
