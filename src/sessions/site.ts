/**
 * The site as QRS describes it, and the (virtual proxy × proxy node) pairs whose sessions a run
 * works on. Virtual proxies are keyed by id: the same prefix may exist twice on one site.
 */
import { UsageError } from '../errors.js';
import type { Log } from '../io/logger.js';
import { isHostNameOrAddress } from '../qlik/paths.js';
import type { QpsNode } from '../qlik/qps-client.js';
import type { QrsApi } from '../qlik/qrs-client.js';
import type { VirtualProxyConfig } from '../qlik/types.js';
import { shown } from '../safe-text.js';
import { count } from '../plural.js';

const DEFAULT_QPS_PORT = 4243;

export interface ProxyNode extends QpsNode {
  id: string;
  name: string;
  /** serverNodeConfiguration.hostName, also the host connected to. */
  host: string;
  port: number;
  linkedVirtualProxyIds: ReadonlySet<string>;
  /**
   * Why no connection is ever made to this node: its host name from QRS is not a host name or an IP
   * address. Its targets are unread (see list.ts). Undefined for a node that can be asked.
   */
  refused?: string;
}

export interface Site {
  /** The virtual proxies asked for (all when none were named), in QRS order. */
  virtualProxies: VirtualProxyConfig[];
  proxies: ProxyNode[];
  /**
   * Virtual proxies QRS returned although they were not asked for (a QRS, or a front end, that
   * ignored the `filter` parameter). Dropped: never read, never deleted.
   */
  unasked: VirtualProxyConfig[];
}

export interface Target {
  vp: VirtualProxyConfig;
  node: ProxyNode;
}

export interface SiteQuery {
  /** Only these virtual proxy prefixes (QRS filter); all when undefined. */
  prefixes?: readonly string[];
  /** One QPS port for every node; otherwise each node's restListenPort, else 4243. */
  qpsPort?: number;
  signal?: AbortSignal;
}

/**
 * Asks QRS for the virtual proxies and the proxy services at the same time, and checks the answer
 * against the question: virtual proxies not asked for are set apart (Site.unasked), a prefix asked
 * for that the site does not have is a usage error naming the prefixes it has, and a proxy whose host
 * name is not one is marked refused.
 */
export async function loadSite(qrs: QrsApi, query: SiteQuery, log: Log): Promise<Site> {
  const [answered, services] = await Promise.all([
    qrs.listVirtualProxies(query.prefixes, query.signal),
    qrs.listProxyServices(query.signal),
  ]);
  log.verbose(`Retrieved ${count(answered.length, 'virtual proxy', 'virtual proxies')} and ${count(services.length, 'proxy service')} from QRS`);
  const asked = query.prefixes === undefined ? undefined : new Set(query.prefixes.map((p) => p.toLowerCase()));
  const virtualProxies = asked === undefined ? answered : answered.filter((vp) => asked.has(vp.prefix.toLowerCase()));
  const unasked = asked === undefined ? [] : answered.filter((vp) => !asked.has(vp.prefix.toLowerCase()));
  if (query.prefixes !== undefined) await refuseUnknownPrefixes(qrs, query.prefixes, virtualProxies, query.signal);
  const proxies = services.map((service): ProxyNode => {
    const host = service.serverNodeConfiguration.hostName;
    const node: ProxyNode = {
      id: service.id,
      name: service.serverNodeConfiguration.name,
      host,
      port: query.qpsPort ?? service.settings.restListenPort ?? DEFAULT_QPS_PORT,
      linkedVirtualProxyIds: new Set(service.settings.virtualProxies.map((vp) => vp.id)),
    };
    if (!isHostNameOrAddress(host)) {
      node.refused = `its host name from QRS, '${shown(host)}', is not a host name or IP address; no connection was made`;
    }
    return node;
  });
  return { virtualProxies, proxies, unasked };
}

/** How a prefix is named in messages: `""` (default) for the default virtual proxy. */
export function prefixLabel(prefix: string): string {
  return prefix === '' ? '"" (default)' : shown(prefix);
}

/**
 * A prefix asked for that the site does not have (any case) is a usage error, before any QPS
 * request: a typo must not read as "nobody on it" (or delete nothing with exit 0). The error names
 * the prefixes the site has, from a second, unfiltered read — made only on this error path. When
 * QRS lists no virtual proxy at all (a user without the right to read them), that is not a typo:
 * the listing goes on and reports that QRS listed none.
 */
async function refuseUnknownPrefixes(
  qrs: QrsApi,
  prefixes: readonly string[],
  found: readonly VirtualProxyConfig[],
  signal: AbortSignal | undefined,
): Promise<void> {
  const known = new Set(found.map((vp) => vp.prefix.toLowerCase()));
  const unknown = prefixes.filter((p) => !known.has(p.toLowerCase()));
  if (unknown.length === 0) return;
  const all = await qrs.listVirtualProxies(undefined, signal);
  if (all.length === 0) return;
  const onSite = [...new Set(all.map((vp) => vp.prefix))].sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : 1));
  throw new UsageError(
    `unknown --session-virtual-proxy ${unknown.map((u) => `'${shown(u)}'`).join(', ')}: the virtual proxy prefixes on this site are ${onSite.map(prefixLabel).join(', ')}`,
  );
}

function linkedProxies(site: Site, vp: VirtualProxyConfig): ProxyNode[] {
  return site.proxies.filter((proxy) => proxy.linkedVirtualProxyIds.has(vp.id));
}

/** Virtual proxies of this result linked to no proxy service at all. */
export function unlinkedVirtualProxies(site: Site): VirtualProxyConfig[] {
  return site.virtualProxies.filter((vp) => linkedProxies(site, vp).length === 0);
}

/**
 * The proxies named by --host-proxy, matched without regard to case. Any unknown name is a usage
 * error that lists the valid names, before a single QPS request is sent.
 */
export function selectProxies(site: Site, hostProxies: readonly string[] | undefined): ProxyNode[] {
  if (hostProxies === undefined || hostProxies.length === 0) return site.proxies;
  const unknown = hostProxies.filter((name) => !site.proxies.some((p) => p.host.toLowerCase() === name.toLowerCase()));
  if (unknown.length > 0) {
    const valid = site.proxies.map((p) => p.host).join(', ') || '(none)';
    throw new UsageError(
      `unknown --host-proxy ${unknown.map((u) => `'${u}'`).join(', ')}: the proxy host names on this site are ${valid}`,
    );
  }
  const wanted = new Set(hostProxies.map((name) => name.toLowerCase()));
  return site.proxies.filter((p) => wanted.has(p.host.toLowerCase()));
}

/** Every linked (virtual proxy, proxy node) pair among the selected proxies, in QRS order. */
export function planTargets(site: Site, proxies: readonly ProxyNode[]): Target[] {
  const targets: Target[] = [];
  for (const vp of site.virtualProxies) {
    for (const node of proxies) {
      if (node.linkedVirtualProxyIds.has(vp.id)) targets.push({ vp, node });
    }
  }
  return targets;
}

/** The pair as shown in messages (site text made safe to show). */
export function describeTarget(target: Target): string {
  const prefix = target.vp.prefix === '' ? '(default)' : shown(target.vp.prefix);
  return `virtual proxy '${prefix}' on ${shown(target.node.name)} (${shown(target.node.host)}:${target.node.port})`;
}
