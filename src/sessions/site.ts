/**
 * The site as QRS describes it, and the (virtual proxy × proxy node) pairs whose sessions a run
 * works on. Virtual proxies are keyed by id: the same prefix may exist twice on one site.
 */
import { UsageError } from '../errors.js';
import type { Log } from '../io/logger.js';
import type { QpsNode } from '../qlik/qps-client.js';
import type { QrsApi } from '../qlik/qrs-client.js';
import type { VirtualProxyConfig } from '../qlik/types.js';
import { shown } from '../safe-text.js';
import { count } from '../render/plural.js';

export const DEFAULT_QPS_PORT = 4243;

export interface ProxyNode extends QpsNode {
  id: string;
  name: string;
  /** serverNodeConfiguration.hostName, also the host connected to. */
  host: string;
  port: number;
  linkedVirtualProxyIds: ReadonlySet<string>;
}

export interface Site {
  virtualProxies: VirtualProxyConfig[];
  proxies: ProxyNode[];
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

/** Asks QRS for the virtual proxies and the proxy services at the same time. */
export async function loadSite(qrs: QrsApi, query: SiteQuery, log: Log): Promise<Site> {
  const [virtualProxies, services] = await Promise.all([
    qrs.listVirtualProxies(query.prefixes, query.signal),
    qrs.listProxyServices(query.signal),
  ]);
  log.verbose(`Retrieved ${count(virtualProxies.length, 'virtual proxy', 'virtual proxies')} and ${count(services.length, 'proxy service')} from QRS`);
  const proxies = services.map((service) => ({
    id: service.id,
    name: service.serverNodeConfiguration.name,
    host: service.serverNodeConfiguration.hostName,
    port: query.qpsPort ?? service.settings.restListenPort ?? DEFAULT_QPS_PORT,
    linkedVirtualProxyIds: new Set(service.settings.virtualProxies.map((vp) => vp.id)),
  }));
  return { virtualProxies, proxies };
}

export function linkedProxies(site: Site, vp: VirtualProxyConfig): ProxyNode[] {
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
