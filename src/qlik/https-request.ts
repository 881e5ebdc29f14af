/**
 * One HTTPS request over node:https, its whole answer read as text: what the transport needs and no
 * more. No redirects are followed (one would carry the client certificate and X-Qlik-User elsewhere),
 * no proxy is used, a compressed answer is decompressed and counted after decompression against
 * `maxBytes`, and `timeoutMs` bounds the whole request, the last byte of the body included.
 *
 * This replaces axios, measured on `npm run bench` P2 (issue 14; 102,000 sessions in 138 requests,
 * Node 20, 2 cores): importing axios took more CPU than starting Node itself (73 modules), and its
 * per-request work was about 4 % of the run's CPU profile; the target of 1.15× the bare node:https
 * floor leaves no room for either. Failures are Node's own errors with their `code`s (ECONNRESET,
 * ECONNREFUSED, the TLS verification codes), plus the codes below for what is decided here.
 */
import type { Agent } from 'node:https';
import { request } from 'node:https';
import type { ClientRequest, IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';

export interface HttpsRequestOptions {
  host: string;
  port: number;
  method: string;
  /** Path and query, already encoded. */
  path: string;
  headers: Record<string, string>;
  agent: Agent;
  /** The longest the whole request may take, answer included. */
  timeoutMs: number;
  /** The largest answer accepted, counted after decompression. */
  maxBytes: number;
  signal?: AbortSignal;
}

export interface RawResponse {
  status: number;
  body: string;
}

/** A failure decided here rather than by Node: ETIMEDOUT, ECANCELED, ETOOLARGE, EDECOMPRESS. */
export class RequestFailure extends Error {
  constructor(
    readonly code: 'ETIMEDOUT' | 'ECANCELED' | 'ETOOLARGE' | 'EDECOMPRESS',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'RequestFailure';
  }
}

function decoder(res: IncomingMessage, method: string): Readable {
  const status = res.statusCode ?? 0;
  if (method === 'HEAD' || status === 204 || status === 304 || res.headers['content-length'] === '0') return res;
  switch ((res.headers['content-encoding'] ?? '').trim().toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
      return res.pipe(createGunzip());
    case 'deflate':
      return res.pipe(createInflate());
    case 'br':
      return res.pipe(createBrotliDecompress());
    default:
      return res;
  }
}

export function httpsRequest(options: HttpsRequestOptions): Promise<RawResponse> {
  const { signal } = options;
  if (signal?.aborted) return Promise.reject(new RequestFailure('ECANCELED', 'the request was cancelled before it was sent'));
  return new Promise((resolve, reject) => {
    let done = false;
    let req: ClientRequest | undefined;
    const finish = (error: unknown, response?: RawResponse): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (error === undefined && response !== undefined) {
        resolve(response);
        return;
      }
      req?.destroy();
      reject(error);
    };
    const onAbort = (): void => finish(new RequestFailure('ECANCELED', 'the request was cancelled'));
    const timer = setTimeout(() => finish(new RequestFailure('ETIMEDOUT', `no complete answer within ${options.timeoutMs} ms`)), options.timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });

    const onResponse = (res: IncomingMessage): void => {
      const chunks: Buffer[] = [];
      let size = 0;
      const body = decoder(res, options.method);
      // A connection lost in the middle of the body: Node's 'aborted' error, code ECONNRESET.
      res.on('error', (err) => finish(err));
      if (body !== res) {
        body.on('error', (err) => finish(new RequestFailure('EDECOMPRESS', `the answer could not be decompressed: ${err.message}`, { cause: err })));
      }
      body.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > options.maxBytes) {
          body.destroy();
          finish(new RequestFailure('ETOOLARGE', `the answer is larger than ${options.maxBytes} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      body.on('end', () => {
        const text = chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks, size).toString('utf8');
        finish(undefined, { status: res.statusCode ?? 0, body: text });
      });
    };
    const { host: hostname, port, method, path, headers, agent } = options;
    try {
      req = request({ hostname, port, method, path, headers, agent }, onResponse);
    } catch (err) {
      // Node refuses some requests before sending them (a header it cannot send, for one).
      finish(err);
      return;
    }
    req.on('error', (err) => finish(err));
    req.end();
  });
}
