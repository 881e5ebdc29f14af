/**
 * One HTTPS request through axios (the design card's HTTP client), its whole answer read as text.
 * axios is configured for what the transport needs and no more: no redirects are followed (one
 * would carry the client certificate and X-Qlik-User elsewhere), no proxy is used (HTTP(S)_PROXY
 * would route the client certificate's connections through a third party), a compressed answer is
 * decompressed and counted after decompression against `maxBytes` (axios's maxContentLength is
 * checked on the inflated stream, so a small gzip that would inflate to gigabytes stops there), and
 * `timeoutMs` bounds the whole request, the last byte of the body included (axios's own timeout is
 * a socket inactivity timer, which a body trickled a byte at a time never trips).
 *
 * Failures leave here as Node's own errors with their `code`s (ECONNRESET, ECONNREFUSED, the TLS
 * verification codes), unwrapped from axios's, plus a RequestFailure for what is decided here, so
 * the transport maps one set of codes whatever the HTTP client.
 *
 * Cost, measured for issue 14 (Node 20, 2 cores): loading axios takes about as much CPU as Node's
 * own start-up, even through its one-file CommonJS build (./axios.ts). It is loaded only by the
 * transport, which a run loads when it first needs QRS, so `--help` and usage errors never pay for it.
 */
import { validateHeaderName, validateHeaderValue } from 'node:http';
import type { Agent } from 'node:https';
import { axios } from './axios.js';
import { formatHost } from './paths.js';

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

type FailureCode = 'ETIMEDOUT' | 'ECANCELED' | 'ETOOLARGE' | 'EDECOMPRESS' | 'ECONNRESET';

/** A failure decided here rather than by Node: ETIMEDOUT, ECANCELED, ETOOLARGE, EDECOMPRESS, ECONNRESET. */
export class RequestFailure extends Error {
  constructor(
    readonly code: FailureCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'RequestFailure';
  }
}

const { AxiosError } = axios;

const client = axios.create({
  responseType: 'text',
  // The body is decoded by the callers (decode.ts), which say what is wrong with it.
  transformResponse: [(data: unknown) => data],
  // Every status is an answer; the transport decides which ones are errors.
  validateStatus: () => true,
  maxRedirects: 0,
  proxy: false,
  decompress: true,
});

export async function httpsRequest(options: HttpsRequestOptions): Promise<RawResponse> {
  const { signal } = options;
  if (signal?.aborted) throw new RequestFailure('ECANCELED', 'the request was cancelled before it was sent');
  // Node refuses a header it cannot send (ERR_INVALID_CHAR) by throwing where axios does not catch
  // it, and the request would then wait for its timeout: checked here, before anything is sent.
  for (const [name, value] of Object.entries(options.headers)) {
    validateHeaderName(name);
    validateHeaderValue(name, value);
  }
  const whole = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    whole.abort();
  }, options.timeoutMs);
  const cancel = (): void => whole.abort();
  signal?.addEventListener('abort', cancel, { once: true });
  try {
    const res = await client.request<unknown>({
      url: `https://${formatHost(options.host)}:${options.port}${options.path}`,
      method: options.method,
      headers: options.headers,
      httpsAgent: options.agent,
      maxContentLength: options.maxBytes,
      signal: whole.signal,
    });
    return { status: res.status, body: typeof res.data === 'string' ? res.data : '' };
  } catch (err) {
    throw unwrap(err, timedOut, options);
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', cancel);
  }
}

/** axios's error turned into the Node error under it, or into a RequestFailure. */
function unwrap(err: unknown, timedOut: boolean, options: HttpsRequestOptions): unknown {
  if (timedOut) return new RequestFailure('ETIMEDOUT', `no complete answer within ${options.timeoutMs} ms`, { cause: err });
  if (axios.isCancel(err)) return new RequestFailure('ECANCELED', 'the request was cancelled', { cause: err });
  if (!(err instanceof AxiosError)) return err;
  if (err.code === AxiosError.ERR_BAD_RESPONSE && /maxContentLength/.test(err.message)) {
    return new RequestFailure('ETOOLARGE', `the answer is larger than ${options.maxBytes} bytes`, { cause: err });
  }
  const cause: unknown = err.cause;
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string' && code.startsWith('Z_')) {
    const detail = cause instanceof Error ? cause.message : code;
    return new RequestFailure('EDECOMPRESS', `the answer could not be decompressed: ${detail}`, { cause });
  }
  if (cause instanceof Error) return cause;
  // The connection closed in the middle of the body ('stream has been aborted').
  if (err.code === AxiosError.ERR_BAD_RESPONSE && err.response !== undefined) {
    return new RequestFailure('ECONNRESET', `the connection closed in the middle of the answer (${err.message})`, { cause: err });
  }
  return err;
}
