/** Qlik Proxy Service (port 4243) session API, on one proxy node at a time. */
import { decodeOptionalSession, decodeSessions } from './decode.js';
import { qpsPath } from './paths.js';
import type { HttpRequest, QlikTransport } from './transport.js';
import type { QpsSession } from './types.js';

export interface QpsNode {
  host: string;
  port: number;
}

/** What a DELETE answered, and whether an earlier attempt of it may have been carried out unseen. */
export interface DeleteAnswer<T> {
  value: T;
  /**
   * An earlier attempt lost its answer (connection reset) and was sent again: the proxy may have
   * carried out that attempt, so "not found" now may mean "deleted by us".
   */
  earlierAttemptLost: boolean;
}

export interface QpsApi {
  listSessions(node: QpsNode, prefix: string, signal?: AbortSignal): Promise<QpsSession[]>;
  /** The deleted session, or null when the proxy does not know the id (404 or an empty answer). */
  deleteSession(node: QpsNode, prefix: string, sessionId: string, signal?: AbortSignal): Promise<DeleteAnswer<QpsSession | null>>;
  /** QPS's own teardown of every session of one user on this node and virtual proxy: the sessions it ended. */
  deleteUserSessions(node: QpsNode, prefix: string, directory: string, userId: string, signal?: AbortSignal): Promise<DeleteAnswer<QpsSession[]>>;
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

  async deleteSession(node: QpsNode, prefix: string, sessionId: string, signal?: AbortSignal): Promise<DeleteAnswer<QpsSession | null>> {
    const req = this.request(node, 'DELETE', qpsPath(prefix, 'session', sessionId), signal, [200, 204, 404]);
    const res = await this.transport.request(req);
    const value = res.status === 404 ? null : decodeOptionalSession(res.body, req);
    return { value, earlierAttemptLost: res.lostAnswers > 0 };
  }

  async deleteUserSessions(node: QpsNode, prefix: string, directory: string, userId: string, signal?: AbortSignal): Promise<DeleteAnswer<QpsSession[]>> {
    const req = this.request(node, 'DELETE', qpsPath(prefix, 'user', directory, userId), signal, [200, 204, 404]);
    const res = await this.transport.request(req);
    const value = res.status === 404 || res.body.trim().length === 0 ? [] : decodeSessions(res.body, req);
    return { value, earlierAttemptLost: res.lostAnswers > 0 };
  }
}
