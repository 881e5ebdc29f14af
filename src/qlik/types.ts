/**
 * Wire objects exactly as QRS and QPS send them (Qlik's own names and casing).
 * Only the fields this tool reads are typed; the rest pass through untouched.
 */

/** One `{ "<name>": "<value>" }` element of a session's attribute list. Keys may repeat. */
export type QpsSessionAttribute = Record<string, string>;

/** A proxy session from `GET /qps/{prefix/}session` (PascalCase on the wire). */
export interface QpsSession {
  UserDirectory: string;
  UserId: string;
  UserName?: string | null;
  Attributes: QpsSessionAttribute[];
  SessionId: string;
}

/** ServerNodeConfigurationCondensed, as used in load-balancing lists and proxy services. */
export interface ServerNodeCondensed {
  id: string;
  name: string;
  hostName: string;
}

/** `GET /qrs/virtualproxyconfig/full` element. */
export interface VirtualProxyConfig {
  id: string;
  prefix: string;
  description: string;
  sessionCookieHeaderName: string;
  loadBalancingServerNodes: ServerNodeCondensed[];
  defaultVirtualProxy?: boolean;
}

/** VirtualProxyConfigCondensed inside a proxy service's settings. */
export interface VirtualProxyCondensed {
  id: string;
  prefix?: string;
}

/** `GET /qrs/proxyservice/full` element. */
export interface ProxyService {
  id: string;
  serverNodeConfiguration: ServerNodeCondensed;
  settings: {
    restListenPort?: number;
    virtualProxies: VirtualProxyCondensed[];
  };
}
