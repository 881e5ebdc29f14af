/**
 * The one HTTP transport under the QRS and QPS clients: mutual TLS with certificates read once,
 * one keep-alive agent per host, a fresh cryptographically random xrfkey per request, the
 * X-Qlik-User header, a timeout, retries of transient failures, and failures turned into typed
 * errors whose messages say what to do. The requests themselves: https-request.ts.
 */
import { Agent } from 'node:https';
import { randomBytes } from 'node:crypto';
import { AuthError, QlikApiError, errorMessage, type QlikService, type RequestInfo } from '../errors.js';
import type { Log } from '../io/logger.js';
import { httpsRequest } from './https-request.js';
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
      agent = new Agent({
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
        if (attempt >= retries) throw this.explainPersistentReset(err, req);
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
      throw this.toError(err, info);
    }
    this.answered.add(`${req.host}:${req.port}`);
    log.debug(`${req.method} ${req.path} → ${status} (${Date.now() - started} ms, ${body.length} bytes)`);
    const accepted = req.accept ? req.accept.includes(status) : status >= 200 && status < 300;
    if (accepted) return { status, body };
    throw this.statusError(status, body, info);
  }

  /**
   * Under TLS 1.3 a server that refuses the client certificate closes the connection just after the
   * handshake, which reaches us as a plain reset. A host that has never answered in this run and
   * resets every attempt is therefore reported as a certificate problem (exit 4), not a network one.
   */
  private explainPersistentReset(err: QlikApiError, req: HttpRequest): QlikApiError {
    if (err.code !== 'ECONNRESET' || this.answered.has(`${req.host}:${req.port}`)) return err;
    return new AuthError(
      `${err.message} on every attempt, right after the TLS handshake: ${req.service} most likely rejected the client certificate`,
      err.request,
      {
        code: err.code,
        cause: err,
        hint: 'Use client.pem and client_key.pem exported from this Qlik Sense site (--auth-cert-file, --auth-cert-key-file).',
      },
    );
  }

  private statusError(status: number, body: string, info: RequestInfo): QlikApiError {
    const where = `${info.service} ${info.method} ${info.path} on ${formatHost(info.host)}:${info.port}`;
    const detail = shortBody(body);
    if (status === 401 || status === 403) {
      return new AuthError(`${where} was refused: HTTP ${status}${detail ? ` ${detail}` : ''}`, info, {
        status,
        hint: 'Check that the client certificate was exported from this Qlik Sense site and that --auth-user-dir/--auth-user-id name a user that may do this.',
      });
    }
    return new QlikApiError(`${where} failed: HTTP ${status}${detail ? ` ${detail}` : ''}`, info, {
      status,
      transient: status === 502 || status === 503 || status === 504,
      hint:
        status === 404 && info.service === 'QRS'
          ? `QRS has these paths, so ${formatHost(info.host)}:${info.port} may not be QRS: check that --host and --qrs-port point at the repository service (QRS, port 4242), not at a proxy node (QPS, port 4243).`
          : undefined,
    });
  }

  private timeoutError(cause: unknown, info: RequestInfo): QlikApiError {
    const endpoint = `${formatHost(info.host)}:${info.port}`;
    return new QlikApiError(
      `no answer from ${info.service} at ${endpoint} within ${Math.round(this.options.timeoutMs / 100) / 10} s (${info.method} ${info.path})`,
      info,
      { code: 'ETIMEDOUT', cause, hint: 'Raise --timeout, or check the network path to that host.' },
    );
  }

  private toError(err: unknown, info: RequestInfo): QlikApiError {
    const endpoint = `${formatHost(info.host)}:${info.port}`;
    const service = info.service;
    const code = errorCode(err);
    if (code === 'ECANCELED') {
      return new QlikApiError(`${service} request to ${endpoint} was cancelled`, info, { code: 'ECANCELED', cause: err });
    }
    const message = err instanceof Error ? err.message : String(err);
    if (code === 'ETOOLARGE') {
      return new QlikApiError(
        `the answer of ${service} at ${endpoint} to ${info.method} ${info.path} is larger than ${formatMiB(this.options.maxResponseBytes)}: not read further`,
        info,
        { code, cause: err, hint: 'Raise --max-response-size if this site really sends answers that large.' },
      );
    }
    const rootFile = this.options.rootCertFile ?? 'the root certificate';
    switch (code) {
      case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
      case 'SELF_SIGNED_CERT_IN_CHAIN':
      case 'DEPTH_ZERO_SELF_SIGNED_CERT':
      case 'UNABLE_TO_GET_ISSUER_CERT':
      case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
      case 'CERT_SIGNATURE_FAILURE':
      case 'CERT_UNTRUSTED':
      case 'INVALID_PURPOSE':
        return new AuthError(`the server certificate of ${service} at ${endpoint} is not trusted: ${message}`, info, {
          code,
          cause: err,
          hint: `It is not signed by ${rootFile}. Use the root.pem exported from this site with --auth-root-cert-file, or skip the check with --secure false.`,
        });
      case 'ERR_TLS_CERT_ALTNAME_INVALID': {
        const names = certificateNames(err);
        const covered = names.length > 0 ? names.map((name) => shown(name)).join(', ') : 'names this client could not read';
        return new AuthError(
          `host name '${info.host}' is not in the server certificate of ${service} at ${endpoint}; the certificate covers ${covered}`,
          info,
          {
            code,
            cause: err,
            hint: 'Connect with a name the certificate covers (for proxy nodes, the host names QRS lists), or skip the check with --secure false.',
          },
        );
      }
      case 'CERT_HAS_EXPIRED':
        return new AuthError(`the server certificate of ${service} at ${endpoint} has expired`, info, {
          code,
          cause: err,
          hint: `Renew the certificates of that Qlik Sense node (or check this machine's clock), or skip the check with --secure false.`,
        });
      case 'CERT_NOT_YET_VALID':
        return new AuthError(`the server certificate of ${service} at ${endpoint} is not valid yet`, info, {
          code,
          cause: err,
          hint: "Its validity starts in the future: check the clock of this machine and of the Qlik Sense node.",
        });
      case 'ECONNREFUSED':
        return new QlikApiError(`cannot connect to ${service} at ${endpoint}: connection refused`, info, {
          code,
          cause: err,
          hint: `Check that the ${service} service is running on ${info.host} and that the port is right.`,
        });
      case 'ENOTFOUND':
      case 'EAI_AGAIN':
        return new QlikApiError(`cannot connect to ${service} at ${endpoint}: host name '${info.host}' not found`, info, {
          code,
          cause: err,
          hint: 'Check the host name, or use one that this machine can resolve.',
        });
      case 'ECONNABORTED':
      case 'ETIMEDOUT':
        return this.timeoutError(err, info);
      case 'ECONNRESET':
      case 'EPIPE':
      case 'ERR_STREAM_PREMATURE_CLOSE':
        return new QlikApiError(`connection to ${service} at ${endpoint} was reset (${info.method} ${info.path})`, info, {
          code: 'ECONNRESET',
          transient: true,
          cause: err,
        });
      default:
        break;
    }
    if (/unsupported protocol|alert protocol version/i.test(message)) {
      return new AuthError(`${service} at ${endpoint} offers only TLS versions older than 1.2, which Node.js refuses`, info, {
        code: code ?? 'EPROTO',
        cause: err,
        hint: 'Enable TLS 1.2 or 1.3 on the Qlik Sense server (TLS 1.0 and 1.1 are obsolete); ctrl-q does not lower its minimum.',
      });
    }
    if (code !== undefined && /^ERR_SSL_/.test(code)) {
      return new AuthError(`${service} at ${endpoint} rejected the TLS connection (${code})`, info, {
        code,
        cause: err,
        hint: 'The client certificate was refused: use client.pem and client_key.pem exported from this site (--auth-cert-file, --auth-cert-key-file).',
      });
    }
    if (/socket hang up/i.test(message)) {
      return new QlikApiError(`connection to ${service} at ${endpoint} was closed without an answer`, info, {
        code: 'ECONNRESET',
        transient: true,
        cause: err,
      });
    }
    return new QlikApiError(`${service} request to ${endpoint} failed: ${errorMessage(err)}`, info, { code, cause: err });
  }
}

/**
 * The DNS names and IP addresses a server certificate covers, from the error Node's host name check
 * raises (it carries the certificate); its common name when it has no alternative names.
 */
function certificateNames(err: unknown): string[] {
  type WithCert = { cert?: { subjectaltname?: unknown; subject?: { CN?: unknown } }; cause?: unknown } | undefined;
  const cert = (err as WithCert)?.cert ?? ((err as WithCert)?.cause as WithCert)?.cert;
  if (typeof cert?.subjectaltname === 'string' && cert.subjectaltname !== '') {
    return cert.subjectaltname
      .split(/,\s*/)
      .map((entry) => entry.replace(/^(DNS|IP Address):/, ''))
      .filter((name) => name !== '');
  }
  const cn = cert?.subject?.CN;
  return typeof cn === 'string' && cn !== '' ? [cn] : [];
}

function errorCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

function shortBody(body: string): string {
  const text = body.replace(/\s+/g, ' ').trim();
  if (text.length === 0) return '';
  return `(${text.length > 160 ? `${text.slice(0, 157)}...` : text})`;
}

function formatMiB(bytes: number): string {
  return `${Math.round((bytes / 1024 / 1024) * 10) / 10} MiB`;
}

export function formatHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
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
