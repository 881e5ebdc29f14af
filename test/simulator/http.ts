/**
 * HTTP plumbing shared by the QRS and QPS routes and the request pipeline: the `Reply` a route
 * returns and how it is sent, header, query and path helpers, reading a request body, and the TLS
 * listeners (start on a port, close with every open socket).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Server } from 'node:https';
import type { Socket } from 'node:net';

/** Request bodies are read up to this size; the rest is dropped. */
const MAX_BODY = 1024 * 1024;

/** What a route answers; `send` turns it into a response. */
export interface Reply {
  status: number;
  body: string;
  contentType?: string;
  /** The JSON value behind `body`, when there is one. */
  value?: unknown;
  headers?: Record<string, string>;
}

export function jsonReply(status: number, value: unknown): Reply {
  return { status, body: JSON.stringify(value), contentType: 'application/json; charset=utf-8', value };
}

export function textReply(status: number, body: string, headers?: Record<string, string>): Reply {
  const r: Reply = { status, body };
  if (body !== '') r.contentType = 'text/plain; charset=utf-8';
  if (headers) r.headers = headers;
  return r;
}

/** Write a reply as the whole response (with Content-Length). */
export function sendReply(res: ServerResponse, reply: Reply): void {
  const headers: Record<string, string | number> = { 'Content-Length': Buffer.byteLength(reply.body), ...reply.headers };
  if (reply.contentType) headers['Content-Type'] = reply.contentType;
  res.writeHead(reply.status, headers);
  res.end(reply.body);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The first value of a request header. */
export function headerValue(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** A query parameter by name, case-insensitive (QRS and QPS take `Xrfkey`, `xrfkey`, …). */
export function firstQueryCI(query: Record<string, string>, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(query)) if (k.toLowerCase() === lower) return v;
  return undefined;
}

/** Decoded, non-empty path segments; `undefined` when one is not valid percent-encoding. */
export function splitSegments(rawPath: string): string[] | undefined {
  const out: string[] = [];
  for (const seg of rawPath.split('/')) {
    if (seg === '') continue;
    try {
      out.push(decodeURIComponent(seg));
    } catch {
      return undefined;
    }
  }
  return out;
}

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** One TLS server on one loopback address: QRS (`target` `'qrs'`) or a node's QPS. */
export interface Listener {
  target: string;
  address: string;
  port: number;
  server: Server;
  sockets: Set<Socket>;
  listening: boolean;
}

/** Start listening; resolves with the port actually bound (for port 0). */
export function listenOn(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => {
      server.off('listening', onListening);
      reject(err);
    };
    const onListening = (): void => {
      server.off('error', onError);
      const addr = server.address();
      resolve(typeof addr === 'object' && addr !== null ? addr.port : port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ host, port, exclusive: true });
  });
}

/** Stop listening and destroy every open socket (a `down` fault, or stop). */
export function closeListener(l: Listener): Promise<void> {
  if (!l.listening) return Promise.resolve();
  l.listening = false;
  return new Promise((resolve) => {
    l.server.close(() => resolve());
    for (const s of l.sockets) s.destroy();
    l.sockets.clear();
  });
}

export function isAddrInUse(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'EADDRINUSE';
}
