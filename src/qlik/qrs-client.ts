/** Qlik Repository Service (port 4242): the site's virtual proxies and proxy services. */
import { decodeProxyServices, decodeVirtualProxies } from './decode.js';
import { prefixFilter } from './filter.js';
import { qrsPath } from './paths.js';
import type { HttpRequest, QlikTransport } from './transport.js';
import type { ProxyService, VirtualProxyConfig } from './types.js';

export interface QrsEndpoint {
  host: string;
  port: number;
  /** Virtual proxy prefix to reach QRS through (Ctrl-Q's --virtual-proxy); usually empty. */
  virtualProxy: string;
}

export interface QrsApi {
  listVirtualProxies(prefixes?: readonly string[], signal?: AbortSignal): Promise<VirtualProxyConfig[]>;
  listProxyServices(signal?: AbortSignal): Promise<ProxyService[]>;
}

export class QrsClient implements QrsApi {
  constructor(
    private readonly transport: QlikTransport,
    private readonly endpoint: QrsEndpoint,
  ) {}

  private request(resource: string, query: Record<string, string>, signal?: AbortSignal): HttpRequest {
    return {
      service: 'QRS',
      host: this.endpoint.host,
      port: this.endpoint.port,
      method: 'GET',
      path: qrsPath(this.endpoint.virtualProxy, resource),
      query,
      signal,
    };
  }

  async listVirtualProxies(prefixes?: readonly string[], signal?: AbortSignal): Promise<VirtualProxyConfig[]> {
    const filter = prefixes === undefined ? undefined : prefixFilter(prefixes);
    const req = this.request('virtualproxyconfig/full', filter === undefined ? {} : { filter }, signal);
    const res = await this.transport.request(req);
    return decodeVirtualProxies(res.body, req);
  }

  async listProxyServices(signal?: AbortSignal): Promise<ProxyService[]> {
    const req = this.request('proxyservice/full', {}, signal);
    const res = await this.transport.request(req);
    return decodeProxyServices(res.body, req);
  }
}
