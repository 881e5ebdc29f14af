/**
 * Minimal node:https client for talking to the simulator (or any Qlik-like server) in tests.
 */
import { randomInt } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Agent, request as httpsRequest } from 'node:https';
import type { Simulator } from '../simulator/server.js';

const XRF_CHARS = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** 16 random characters from [0-9A-Za-z]. */
export function randomXrfkey(): string {
  let s = '';
  for (let i = 0; i < 16; i++) s += XRF_CHARS[randomInt(XRF_CHARS.length)];
  return s;
}

export interface TlsMaterial {
  ca?: string;
  cert?: string;
  key?: string;
}

export interface RawRequest {
  host: string;
  port: number;
  method?: string;
  /** Sent exactly as given (path + query). */
  path: string;
  headers?: Record<string, string>;
  body?: string;
  tls?: TlsMaterial;
  /** Default: a fresh connection per request (`agent: false`). */
  agent?: Agent;
  timeoutMs?: number;
}

export interface SimResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json(): unknown;
}

/** One HTTPS request; rejects with the Node error on TLS/connection failures. */
export function rawRequest(r: RawRequest): Promise<SimResponse> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: r.host,
        port: r.port,
        method: r.method ?? 'GET',
        path: r.path,
        headers: r.headers,
        ca: r.tls?.ca,
        cert: r.tls?.cert,
        key: r.tls?.key,
        agent: r.agent ?? false,
        timeout: r.timeoutMs ?? 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) as unknown });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    if (r.body !== undefined) req.write(r.body);
    req.end();
  });
}

export interface SimRequest {
  method?: string;
  /** Raw path, e.g. `/qps/finance/session`; may already contain a query string. */
  path: string;
  /** Extra query parameters (encodeURIComponent'ed and appended). */
  query?: Record<string, string>;
  /** Key for both query and header; default random; `null` omits both. */
  xrfkey?: string | null;
  /** Override just the header (`null` omits it). */
  headerXrfkey?: string | null;
  /** Query parameter name for the key (default `xrfkey`). */
  xrfkeyParam?: string;
  /** X-Qlik-User value; default `UserDirectory=INTERNAL; UserId=sa_api`; `null` omits it. */
  user?: string | null;
  headers?: Record<string, string>;
  /** JSON-encoded unless a string. */
  body?: unknown;
  /** Default: the simulator's root + client certificate. */
  tls?: TlsMaterial;
  agent?: Agent;
}

/** Address of `'qrs'` or a node name. */
export function targetAddress(sim: Simulator, target: string): { host: string; port: number } {
  if (target === 'qrs') return sim.qrs;
  const n = sim.node(target);
  return { host: n.address, port: n.port };
}

export function simTls(sim: Simulator): TlsMaterial {
  const { pem } = sim.siteCerts;
  return { ca: pem.root, cert: pem.client, key: pem.clientKey };
}

/** A request to the simulator with valid Qlik headers unless told otherwise. */
export function simRequest(sim: Simulator, target: string, r: SimRequest): Promise<SimResponse> {
  const { host, port } = targetAddress(sim, target);
  const key = r.xrfkey === undefined ? randomXrfkey() : r.xrfkey;
  const params: string[] = [];
  if (key !== null) params.push(`${r.xrfkeyParam ?? 'xrfkey'}=${encodeURIComponent(key)}`);
  for (const [k, v] of Object.entries(r.query ?? {})) params.push(`${encodeURIComponent(k)}=${encodeURIComponent(v)}`);
  const sep = r.path.includes('?') ? '&' : '?';
  const path = params.length > 0 ? `${r.path}${sep}${params.join('&')}` : r.path;
  const headers: Record<string, string> = {};
  const headerKey = r.headerXrfkey === undefined ? key : r.headerXrfkey;
  if (headerKey !== null) headers['X-Qlik-Xrfkey'] = headerKey;
  const user = r.user === undefined ? 'UserDirectory=INTERNAL; UserId=sa_api' : r.user;
  if (user !== null) headers['X-Qlik-User'] = user;
  let body: string | undefined;
  if (r.body !== undefined) {
    body = typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
    headers['Content-Type'] = 'application/json';
  }
  Object.assign(headers, r.headers);
  return rawRequest({
    host,
    port,
    method: r.method ?? 'GET',
    path,
    headers,
    body,
    tls: r.tls ?? simTls(sim),
    agent: r.agent,
  });
}

/** GET and parse JSON, asserting nothing; convenience for tests. */
export async function simGetJson(sim: Simulator, target: string, path: string, query?: Record<string, string>): Promise<unknown> {
  const res = await simRequest(sim, target, { path, query });
  if (res.status !== 200) throw new Error(`GET ${path} on ${target}: ${res.status} ${res.text}`);
  return res.json();
}
