/** Qlik Proxy Service (port 4243) session API, on one proxy node at a time. */
import { decodeOptionalSession, decodeSessions } from './decode.js';
import { qpsPath } from './paths.js';
import type { HttpRequest, QlikTransport } from './transport.js';
import type { QpsSession } from './types.js';

export interface QpsNode {
  host: string;
  port: number;
}

export interface QpsApi {
  listSessions(node: QpsNode, prefix: string, signal?: AbortSignal): Promise<QpsSession[]>;
  /** The deleted session, or null when the proxy does not know the id (404 or an empty answer). */
  deleteSession(node: QpsNode, prefix: string, sessionId: string, signal?: AbortSignal): Promise<QpsSession | null>;
  /** QPS's own teardown of every session of one user on this node and virtual proxy. */
  deleteUserSessions(node: QpsNode, prefix: string, directory: string, userId: string, signal?: AbortSignal): Promise<QpsSession[]>;
}

export class QpsClient implements QpsApi {
  constructor(private readonly transport: QlikTransport) {}

  private request(node: QpsNode, method: HttpRequest['method'], path: string, signal?: AbortSignal, accept?: number[]): HttpRequest {
    return { service: 'QPS', host: node.host, port: node.port, method, path, signal, accept };
  }

  async listSessions(node: QpsNode, prefix: string, signal?: AbortSignal): Promise<QpsSession[]> {
    const req = this.request(node, 'GET', qpsPath(prefix, 'session'), signal);
    const res = await this.transport.request(req);
    return decodeSessions(res.body, req);
  }

  async deleteSession(node: QpsNode, prefix: string, sessionId: string, signal?: AbortSignal): Promise<QpsSession | null> {
    const req = this.request(node, 'DELETE', qpsPath(prefix, 'session', sessionId), signal, [200, 204, 404]);
    const res = await this.transport.request(req);
    if (res.status === 404) return null;
    return decodeOptionalSession(res.body, req);
  }

  async deleteUserSessions(node: QpsNode, prefix: string, directory: string, userId: string, signal?: AbortSignal): Promise<QpsSession[]> {
    const req = this.request(node, 'DELETE', qpsPath(prefix, 'user', directory, userId), signal, [200, 204, 404]);
    const res = await this.transport.request(req);
    if (res.status === 404 || res.body.trim().length === 0) return [];
    return decodeSessions(res.body, req);
  }
}
