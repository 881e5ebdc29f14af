/**
 * The one HTTP transport under the QRS and QPS clients: mutual TLS with certificates read once,
 * one keep-alive agent per host, a fresh cryptographically random xrfkey per request, the
 * X-Qlik-User header, a timeout, retries of transient failures, and failures turned into typed
 * errors whose messages say what to do. The requests themselves: https-request.ts; what a failure
 * means: failures.ts.
 */
import type { Agent } from 'node:https';
import { randomBytes } from 'node:crypto';
import { QlikApiError, type QlikService, type RequestInfo } from '../errors.js';
import type { Log } from '../io/logger.js';
import { failureError, persistentResetError, statusError } from './failures.js';
import { httpsRequest } from './https-request.js';
import { formatHost } from './paths.js';
import { ResumingAgent } from './resuming-agent.js';
import { shown } from '../safe-text.js';
import type { TlsMaterial } from './tls.js';

export interface QlikUser {
  directory: string;
  id: string;
}

export interface TransportOptions {
  tls: TlsMaterial;
  /** Verify the server certificate against the root (Ctrl-Q's --secure). */
  secure: boolean;
  /** Bounds the whole request: connecting, the headers and the whole body. */
  timeoutMs: number;
  /** Largest answer accepted, counted after decompression. */
  maxResponseBytes: number;
  user: QlikUser;
  log: Log;
  /** Extra attempts for transient failures (connection reset, 502/503/504). */
  retries?: number;
  /** Delay before the first retry; doubles each time. */
  retryDelayMs?: number;
  /** Path of the root certificate, named in error hints. */
  rootCertFile?: string;
}

export interface HttpRequest {
  service: QlikService;
  host: string;
  port: number;
  method: 'GET' | 'POST' | 'DELETE';
  /** Already encoded path, see paths.ts. */
  path: string;
  /** Extra query parameters (the xrfkey is added here). */
  query?: Record<string, string>;
  /** Statuses that are answers rather than errors (default: 200–299). */
  accept?: readonly number[];
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  body: string;
  /**
   * Earlier attempts of this request whose connection was reset before an answer came. The server
   * may have carried them out, so a DELETE answered 404 after such an attempt may be our own.
   */
  lostAnswers: number;
}

const XRF_ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** 16 characters from [0-9A-Za-z], drawn from a cryptographic source without modulo bias. */
export function newXrfkey(): string {
  let key = '';
  while (key.length < 16) {
    for (const byte of randomBytes(32)) {
      if (byte < 248 && key.length < 16) key += XRF_ALPHABET[byte % 62];
    }
  }
  return key;
}

/** Encodes a query string; values are always percent-encoded (spaces as %20). */
export function encodeQuery(query: Record<string, string>): string {
  return Object.entries(query)
    .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`)
    .join('&');
}

export class QlikTransport {
  private readonly agents = new Map<string, Agent>();
  /** Hosts (host:port) that have answered at least once in this run. */
  private readonly answered = new Set<string>();
  /** The X-Qlik-User header: the same for every request. */
  private readonly userHeader: string;

  constructor(private readonly options: TransportOptions) {
    this.userHeader = `UserDirectory=${encodeURIComponent(options.user.directory)}; UserId=${encodeURIComponent(options.user.id)}`;
  }

  private agent(host: string, port: number): Agent {
    const key = `${host}:${port}`;
    let agent = this.agents.get(key);
    if (!agent) {
      agent = new ResumingAgent({
        keepAlive: true,
        secureContext: this.options.tls.secureContext(),
        rejectUnauthorized: this.options.secure,
        ...(this.options.tls.checkServerIdentity ? { checkServerIdentity: this.options.tls.checkServerIdentity } : {}),
      });
      this.agents.set(key, agent);
    }
    return agent;
  }

  /** Closes the keep-alive connections so the process can end. */
  close(): void {
    for (const agent of this.agents.values()) agent.destroy();
    this.agents.clear();
  }

  async request(req: HttpRequest): Promise<HttpResponse> {
    const retries = this.options.retries ?? 2;
    let delay = this.options.retryDelayMs ?? 200;
    let lostAnswers = 0;
    for (let attempt = 0; ; attempt++) {
      try {
        return { ...(await this.once(req)), lostAnswers };
      } catch (err) {
        if (!(err instanceof QlikApiError) || !err.transient || req.signal?.aborted) throw err;
        if (attempt >= retries) {
          // A host that never answered in this run and reset every attempt refused the certificate.
          const neverAnswered = !this.answered.has(`${req.host}:${req.port}`);
          throw err.code === 'ECONNRESET' && neverAnswered ? persistentResetError(err) : err;
        }
        if (err.code === 'ECONNRESET') lostAnswers++;
        this.options.log.verbose(`${shown(err.message)}; retrying in ${delay} ms (attempt ${attempt + 2} of ${retries + 1})`);
        await sleep(delay, req.signal);
        delay *= 2;
      }
    }
  }

  private async once(req: HttpRequest): Promise<Omit<HttpResponse, 'lostAnswers'>> {
    const xrfkey = newXrfkey();
    const query = req.query === undefined ? `xrfkey=${xrfkey}` : encodeQuery({ ...req.query, xrfkey });
    const info: RequestInfo = { service: req.service, method: req.method, host: req.host, port: req.port, path: req.path };
    const started = Date.now();
    const { log } = this.options;
    log.debug(`${req.method} https://${shown(formatHost(req.host))}:${req.port}${req.path}`);
    let status: number;
    let body: string;
    try {
      const res = await httpsRequest({
        host: req.host,
        port: req.port,
        method: req.method,
        path: `${req.path}?${query}`,
        agent: this.agent(req.host, req.port),
        timeoutMs: this.options.timeoutMs,
        // Counted after decompression: a small gzip that would inflate to gigabytes is stopped there.
        maxBytes: this.options.maxResponseBytes,
        signal: req.signal,
        headers: {
          'X-Qlik-Xrfkey': xrfkey,
          'X-Qlik-User': this.userHeader,
          Accept: 'application/json',
          'Accept-Encoding': 'gzip, deflate, br',
          'User-Agent': 'ctrl-q',
        },
      });
      status = res.status;
      body = res.body;
    } catch (err) {
      throw failureError(err, info, this.options);
    }
    this.answered.add(`${req.host}:${req.port}`);
    log.debug(`${req.method} ${req.path} → ${status} (${Date.now() - started} ms, ${body.length} bytes)`);
    const accepted = req.accept ? req.accept.includes(status) : status >= 200 && status < 300;
    if (accepted) return { status, body };
    throw statusError(status, body, info);
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
