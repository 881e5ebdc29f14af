/**
 * Local Qlik Sense simulator: one QRS (https, mutual TLS) on 127.0.0.1 and one QPS per proxy node,
 * node i on 127.0.0.(2+i), all QPS listeners sharing one port. See qlik-api.md §1–§3, §6.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateDatedCertAsync, generateSiteCertsAsync, reuseSiteCerts, type SiteCerts } from './certs.js';
import { sendGzipBomb, sendTrickle } from './body-faults.js';
import { applyFilter, FilterError } from './filter.js';
import {
  aboutBody,
  proxyServiceCondensed,
  proxyServiceFull,
  virtualProxyCondensed,
  virtualProxyFull,
  type LiveNode,
} from './qrs-entities.js';
import {
  parseAttributes,
  type QpsSession,
  type Scenario,
  type ScenarioVirtualProxy,
  type SessionAttribute,
} from './scenario.js';

// ---------------------------------------------------------------------------------------------
// Public types

/** Fields every fault may carry. */
export interface FaultCommon {
  /** Only requests with one of these methods (case-insensitive) match; default all. */
  methods?: string[];
  /** Let this many matching requests through first. Default 0. */
  afterRequests?: number;
  /** Apply to this many matching requests, then behave healthily again. Default: forever. */
  times?: number;
}

export type Fault =
  /** Stop listening (ECONNREFUSED). Applies at once; methods/afterRequests/times are ignored. */
  | ({ kind: 'down' } & FaultCommon)
  /** Answer with this status and plain-text body (default empty), and these extra headers (e.g. Location). */
  | ({ kind: 'status'; status: number; body?: string; headers?: Record<string, string> } & FaultCommon)
  /** Add this delay, then answer normally. */
  | ({ kind: 'slow'; delayMs: number } & FaultCommon)
  /** Handle normally (state changes happen), then mangle the 200/201 answer. */
  | ({ kind: 'malformed'; body: 'html' | 'truncated' | 'no-attributes' } & FaultCommon)
  /**
   * Destroy the socket without answering. With `afterHandling`, the request is carried out first
   * (a DELETE deletes), then the answer is lost: what a client sees when QPS acted but the
   * connection dropped.
   */
  | ({ kind: 'reset'; afterHandling?: boolean } & FaultCommon)
  /** Answer 200 with a gzip body that inflates to a JSON string of this many MiB (see body-faults.ts). */
  | ({ kind: 'gzip-bomb'; inflatedMiB: number } & FaultCommon)
  /** Answer 200 at once, then send the body one byte every `intervalMs` (default 200), forever. */
  | ({ kind: 'trickle'; intervalMs?: number } & FaultCommon);

/** `'qrs'` or a node name. */
export type FaultTarget = string;

export interface RequestLogEntry {
  /** Arrival time, ms since epoch. */
  time: number;
  /** `'qrs'` or the node name. */
  target: string;
  method: string;
  /** Raw path as received (no query, not decoded, repeated slashes kept). */
  path: string;
  /** Decoded query parameters (first value of each name). */
  query: Record<string, string>;
  /** Status sent; 0 while in flight or when the socket was reset. */
  status: number;
  /** The X-Qlik-User header value, if any. */
  user: string | undefined;
}

export interface SimNodeInfo {
  name: string;
  /** ProxyService id. */
  id: string;
  /** Loopback address (also `serverNodeConfiguration.hostName` in QRS). */
  address: string;
  port: number;
  /** The host name the scenario gives this node (display only). */
  hostName?: string;
}

export interface SimSessionInfo extends QpsSession {
  node: string;
  virtualProxyId: string;
  prefix: string;
}

export interface AddSessionInput {
  node: string;
  /** Pick the VP by id … */
  virtualProxyId?: string;
  /** … or by prefix among the VPs linked to `node` (default `""`). */
  prefix?: string;
  UserDirectory: string;
  UserId: string;
  UserName?: string;
  Attributes?: SessionAttribute[];
  /** Default: a random GUID. */
  SessionId?: string;
}

export interface SimStats {
  /** Highest number of QPS requests in flight at once (all nodes together). */
  peakConcurrent: number;
  /** QPS requests in flight now. */
  inFlight: number;
  /** QPS requests received since start / last reset. */
  qpsRequests: number;
  /** Highest number of QPS requests in flight at once on any one node. */
  peakPerNode: number;
}

/** QRS answers that do not fit the question (issues 11 and 12); each is off unless set. */
export interface QrsQuirks {
  /** Answer the virtual proxy routes as if no `filter` had been given. */
  ignoreFilter?: boolean;
  /** `[]` from the virtual proxy routes, as for a user without the right to read them. */
  noVirtualProxies?: boolean;
  /** `[]` from the proxy service routes. */
  noProxyServices?: boolean;
  /** Node name → the `serverNodeConfiguration.hostName` QRS reports instead of the node's address. */
  hostNames?: Record<string, string>;
}

export interface SimulatorOptions {
  scenario: Scenario;
  /** Delay before every response, ms. Default 0. */
  latencyMs?: number;
  /** QRS port; 0 (default) = ephemeral. */
  qrsPort?: number;
  /** Shared QPS port; 0 (default) = ephemeral. */
  qpsPort?: number;
  /** Where the certs go. Given: kept on stop and reused when still valid. Default: a temp dir, removed on stop. */
  certDir?: string;
  /** Status for an unknown session id (default 404). */
  unknownSessionStatus?: number;
  /** Body for an unknown session id (default empty). */
  unknownSessionBody?: string;
  /**
   * What the servers send in the TLS handshake. `'leaf'` (default): only the server certificate,
   * so a client with the wrong root gets UNABLE_TO_VERIFY_LEAF_SIGNATURE ("unable to verify the
   * first certificate", as Node clients of real sites report). `'with-root'`: the root too, so the
   * same mistake gives SELF_SIGNED_CERT_IN_CHAIN.
   */
  serverChain?: 'leaf' | 'with-root';
  /** A server certificate valid only in this window (expired, not yet valid), signed by the site root. */
  serverCertValidity?: { notBefore: Date; notAfter: Date };
}

export interface CliArgsExtra {
  userDir?: string;
  userId?: string;
  /** Also pass `--qps-port <shared QPS port>` (off by default: the CLI should use restListenPort). */
  includeQpsPort?: boolean;
}

export interface Simulator {
  readonly qrs: { host: string; port: number };
  readonly nodes: readonly SimNodeInfo[];
  readonly certDir: string;
  /** Paths of the client-side files (QMC export names). */
  readonly certs: { root: string; client: string; clientKey: string };
  /** All generated files, paths and PEM text. */
  readonly siteCerts: SiteCerts;
  readonly scenario: Scenario;
  /** Every request, in arrival order. */
  readonly requests: RequestLogEntry[];
  readonly stats: SimStats;
  /** Node info by name (throws for an unknown name). */
  node(name: string): SimNodeInfo;
  setLatency(ms: number): void;
  /** Set or clear (`undefined`) a fault; resolves once a `down` target stopped/started listening. */
  setFault(target: FaultTarget, fault: Fault | undefined): Promise<void>;
  setUnknownSessionResponse(status: number, body?: string): void;
  /** Replaces the QRS quirks (`{}` for a well-behaved QRS again). */
  setQrsQuirks(quirks: QrsQuirks): void;
  resetStats(): void;
  clearRequests(): void;
  sessions(filter?: { node?: string; prefix?: string }): SimSessionInfo[];
  sessionCount(filter?: { node?: string; prefix?: string }): number;
  addSession(input: AddSessionInput): SimSessionInfo;
  /** Remove a session id wherever it is (optionally limited); returns how many were removed. */
  removeSession(id: string, where?: { node?: string; prefix?: string }): number;
  /** ctrl-q connection options for this simulator. */
  cliArgs(extra?: CliArgsExtra): string[];
  stop(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Internals

export const XSRF_BODY = 'XSRF prevention check failed. Possible XSRF discovered.';
export const USER_BODY = 'Missing or malformed X-Qlik-User header. Expected: UserDirectory=<directory>; UserId=<user id>';
const XRFKEY_RE = /^[0-9A-Za-z]{16}$/;
const MAX_BODY = 1024 * 1024;

interface Reply {
  status: number;
  body: string;
  contentType?: string;
  /** The JSON value behind `body`, when there is one. */
  value?: unknown;
  headers?: Record<string, string>;
}

function jsonReply(status: number, value: unknown): Reply {
  return { status, body: JSON.stringify(value), contentType: 'application/json; charset=utf-8', value };
}

function textReply(status: number, body: string, headers?: Record<string, string>): Reply {
  const r: Reply = { status, body };
  if (body !== '') r.contentType = 'text/plain; charset=utf-8';
  if (headers) r.headers = headers;
  return r;
}

interface Listener {
  target: string;
  address: string;
  port: number;
  server: Server;
  sockets: Set<Socket>;
  listening: boolean;
}

interface NodeState {
  info: SimNodeInfo;
  live: LiveNode;
  listener: Listener;
  /** VPs linked to this node, scenario order. */
  vps: ScenarioVirtualProxy[];
  /** vpId -> sessionId -> session */
  sessions: Map<string, Map<string, QpsSession>>;
}

interface FaultState {
  fault: Fault;
  matched: number;
  applied: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * A delay that ends early when the client goes away (a timed-out request, a stopped simulator), so
 * a long `slow` fault never keeps the test process alive after the test.
 */
function holdWhileOpen(ms: number, res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      res.off('close', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    res.once('close', done);
  });
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function toWire(s: {
  UserDirectory: string;
  UserId: string;
  UserName?: string;
  Attributes?: SessionAttribute[];
  SessionId: string;
}): QpsSession {
  // wire key order: UserDirectory, UserId, [UserName], Attributes, SessionId
  const Attributes = (s.Attributes ?? []).map((a) => ({ ...a }));
  const { UserDirectory, UserId, UserName, SessionId } = s;
  return UserName === undefined
    ? { UserDirectory, UserId, Attributes, SessionId }
    : { UserDirectory, UserId, UserName, Attributes, SessionId };
}

/** Parse `UserDirectory=X; UserId=Y` (any spacing, any order, names case-insensitive). */
export function parseQlikUser(value: string | undefined): { directory: string; userId: string } | undefined {
  if (value === undefined) return undefined;
  let directory: string | undefined;
  let userId: string | undefined;
  for (const part of value.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) {
      if (part.trim() !== '') return undefined;
      continue;
    }
    const key = part.slice(0, eq).trim().toLowerCase();
    const val = part.slice(eq + 1).trim();
    if (key === 'userdirectory') directory = val;
    else if (key === 'userid') userId = val;
  }
  if (!directory || !userId) return undefined;
  return { directory, userId };
}

function firstQueryCI(query: Record<string, string>, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(query)) if (k.toLowerCase() === lower) return v;
  return undefined;
}

function splitSegments(rawPath: string): string[] | undefined {
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

function readBody(req: IncomingMessage): Promise<string> {
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

function listenOn(server: Server, host: string, port: number): Promise<number> {
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

function closeListener(l: Listener): Promise<void> {
  if (!l.listening) return Promise.resolve();
  l.listening = false;
  return new Promise((resolve) => {
    l.server.close(() => resolve());
    for (const s of l.sockets) s.destroy();
    l.sockets.clear();
  });
}

function isAddrInUse(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'EADDRINUSE';
}

function stripAttributes(value: unknown): unknown {
  const strip = (v: unknown): unknown => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return v;
    const copy: Record<string, unknown> = { ...(v as Record<string, unknown>) };
    delete copy.Attributes;
    return copy;
  };
  return Array.isArray(value) ? value.map(strip) : strip(value);
}

function malform(reply: Reply, kind: 'html' | 'truncated' | 'no-attributes'): Reply {
  switch (kind) {
    case 'html':
      return {
        status: 200,
        body: '<!DOCTYPE html>\n<html><head><title>Qlik Sense</title></head><body><h1>Service unavailable</h1></body></html>\n',
        contentType: 'text/html; charset=utf-8',
      };
    case 'truncated': {
      const cut: Reply = { status: reply.status, body: reply.body.slice(0, Math.floor(reply.body.length / 2)) };
      if (reply.contentType) cut.contentType = reply.contentType;
      return cut;
    }
    case 'no-attributes':
      return reply.value === undefined ? reply : jsonReply(reply.status, stripAttributes(reply.value));
  }
}

// ---------------------------------------------------------------------------------------------

export async function startSimulator(opts: SimulatorOptions): Promise<Simulator> {
  const scenario = opts.scenario;
  if (scenario.nodes.length === 0) throw new Error('scenario has no nodes');
  if (scenario.nodes.length > 250) throw new Error('at most 250 nodes (127.0.0.2 … 127.0.0.251)');

  const addresses = scenario.nodes.map((_, i) => `127.0.0.${2 + i}`);
  const ownCertDir = opts.certDir === undefined;
  const certDir = opts.certDir ?? mkdtempSync(join(tmpdir(), 'qlik-sim-'));
  const certOpts = {
    ipAddresses: ['127.0.0.1', ...addresses],
    dnsNames: scenario.nodes.flatMap((n) => (n.hostName ? [n.hostName] : [])),
    name: scenario.nodes.find((n) => n.central)?.hostName?.split('.')[0] ?? 'qlik-sim',
  };
  let siteCerts: SiteCerts;
  try {
    siteCerts = (ownCertDir ? undefined : reuseSiteCerts(certDir, certOpts)) ?? (await generateSiteCertsAsync(certDir, certOpts));
  } catch (err) {
    if (ownCertDir) rmSync(certDir, { recursive: true, force: true });
    throw err;
  }
  // With `ca` set, OpenSSL auto-completes the chain from that store and sends the root as well.
  // Auto-chaining only happens when no explicit chain is configured, so for 'leaf' the server
  // certificate is given twice (leaf + a harmless duplicate as the "chain").
  let server = { cert: siteCerts.pem.server, key: siteCerts.pem.serverKey };
  if (opts.serverCertValidity) {
    const dated = await generateDatedCertAsync(certDir, { cert: siteCerts.paths.root, key: siteCerts.paths.rootKey }, {
      kind: 'server',
      site: certOpts,
      ...opts.serverCertValidity,
    });
    server = { cert: readFileSync(dated.cert, 'utf8'), key: readFileSync(dated.key, 'utf8') };
  }
  const serverCert = (opts.serverChain ?? 'leaf') === 'leaf' ? server.cert + server.cert : server.cert;
  const tlsOptions = {
    key: server.key,
    cert: serverCert,
    ca: siteCerts.pem.root,
    requestCert: true,
    rejectUnauthorized: true,
  };

  let latencyMs = opts.latencyMs ?? 0;
  let unknownStatus = opts.unknownSessionStatus ?? 404;
  let unknownBody = opts.unknownSessionBody ?? '';
  let quirks: QrsQuirks = {};
  const requests: RequestLogEntry[] = [];
  const stats: SimStats = { peakConcurrent: 0, inFlight: 0, qpsRequests: 0, peakPerNode: 0 };
  const inFlightByNode = new Map<string, number>();
  const faults = new Map<string, FaultState>();
  const vpById = new Map(scenario.virtualProxies.map((v) => [v.id, v]));

  const makeListener = (target: string, address: string): Listener => {
    const l: Listener = {
      target,
      address,
      port: 0,
      server: createServer(tlsOptions),
      sockets: new Set(),
      listening: false,
    };
    l.server.on('connection', (s: Socket) => {
      l.sockets.add(s);
      s.once('close', () => l.sockets.delete(s));
    });
    l.server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      handle(target, req, res).catch((err: unknown) => {
        if (!res.headersSent) {
          res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
          res.end(`Simulator error: ${err instanceof Error ? err.message : String(err)}`);
        } else {
          res.destroy();
        }
      });
    });
    return l;
  };

  // --- state ---
  const nodeStates = new Map<string, NodeState>();
  scenario.nodes.forEach((node, i) => {
    const address = addresses[i];
    const info: SimNodeInfo = { name: node.name, id: node.id, address, port: 0 };
    if (node.hostName !== undefined) info.hostName = node.hostName;
    const vps = scenario.virtualProxies.filter((v) => v.linkedNodes.includes(node.name));
    const sessions = new Map<string, Map<string, QpsSession>>(vps.map((v) => [v.id, new Map()]));
    nodeStates.set(node.name, {
      info,
      live: { node, address, port: 0 },
      listener: makeListener(node.name, address),
      vps,
      sessions,
    });
  });
  for (const s of scenario.sessions) {
    const ns = nodeStates.get(s.node);
    const bucket = ns?.sessions.get(s.virtualProxyId);
    if (!bucket) throw new Error(`session ${s.SessionId}: VP ${s.virtualProxyId} is not linked to node ${s.node}`);
    bucket.set(s.SessionId, toWire(s));
  }
  const liveByName = new Map([...nodeStates.values()].map((n) => [n.info.name, n.live]));
  const centralName = (scenario.nodes.find((n) => n.central) ?? scenario.nodes[0]).name;
  const qrsListener = makeListener('qrs', '127.0.0.1');

  const findVp = (ns: NodeState, prefix: string): ScenarioVirtualProxy | undefined => {
    const want = prefix.toLowerCase();
    return ns.vps.find((v) => v.prefix.toLowerCase() === want);
  };

  // --- faults ---
  const takeFault = (target: string, method: string): Fault | undefined => {
    const fs = faults.get(target);
    if (!fs || fs.fault.kind === 'down') return undefined;
    const f = fs.fault;
    if (f.methods && !f.methods.some((m) => m.toUpperCase() === method)) return undefined;
    fs.matched++;
    if (fs.matched <= (f.afterRequests ?? 0)) return undefined;
    if (f.times !== undefined && fs.applied >= f.times) return undefined;
    fs.applied++;
    return f;
  };

  // --- QRS ---
  const qrsRoute = (method: string, segs: string[], query: Record<string, string>): Reply => {
    const at = segs.findIndex((s) => s.toLowerCase() === 'qrs');
    if (at < 0) return textReply(404, '');
    const rest = segs.slice(at + 1).map((s, i) => (i === 0 ? s.toLowerCase() : s));
    if (method !== 'GET') return textReply(405, 'Method not allowed', { Allow: 'GET' });
    const entity = rest[0];
    const sub = rest.length > 1 ? rest[1] : undefined;
    if (rest.length > 2) return textReply(404, '');
    const asked = firstQueryCI(query, 'filter');
    const nodes = quirks.noProxyServices ? [] : [...nodeStates.values()];
    const reported = (live: LiveNode): LiveNode => ({ ...live, address: quirks.hostNames?.[live.node.name] ?? live.address });
    try {
      if (entity === 'about' && sub === undefined) return jsonReply(200, aboutBody());
      if (entity === 'virtualproxyconfig') {
        const filter = quirks.ignoreFilter ? undefined : asked;
        const vps = quirks.noVirtualProxies ? [] : scenario.virtualProxies;
        const lbNodes = new Map([...liveByName].map(([name, live]) => [name, reported(live)]));
        const full = vps.map((vp) => virtualProxyFull(vp, lbNodes));
        if (sub === undefined) {
          const keep = new Set(applyFilter(full, filter).map((v) => v.id));
          return jsonReply(200, vps.filter((v) => keep.has(v.id)).map(virtualProxyCondensed));
        }
        const lsub = sub.toLowerCase();
        if (lsub === 'full') return jsonReply(200, applyFilter(full, filter));
        if (lsub === 'count') return jsonReply(200, { value: applyFilter(full, filter).length });
        const one = full.find((v) => String(v.id).toLowerCase() === lsub);
        return one ? jsonReply(200, one) : textReply(404, '');
      }
      if (entity === 'proxyservice') {
        const filter = asked;
        const full = nodes.map((n) => proxyServiceFull(reported(n.live), n.vps));
        if (sub === undefined) {
          const keep = new Set(applyFilter(full, filter).map((p) => p.id));
          return jsonReply(200, nodes.filter((n) => keep.has(n.info.id)).map((n) => proxyServiceCondensed(reported(n.live))));
        }
        const lsub = sub.toLowerCase();
        if (lsub === 'full') return jsonReply(200, applyFilter(full, filter));
        if (lsub === 'count') return jsonReply(200, { value: applyFilter(full, filter).length });
        if (lsub === 'local') {
          const central = nodeStates.get(centralName);
          return central ? jsonReply(200, proxyServiceFull(central.live, central.vps)) : textReply(404, '');
        }
        const one = full.find((p) => String(p.id).toLowerCase() === lsub);
        return one ? jsonReply(200, one) : textReply(404, '');
      }
    } catch (err) {
      if (err instanceof FilterError) return textReply(400, err.body);
      throw err;
    }
    return textReply(404, '');
  };

  // --- QPS ---
  const unknownSession = (): Reply => {
    const r = textReply(unknownStatus, unknownBody);
    if (unknownBody.trim().startsWith('{') || unknownBody.trim() === 'null') r.contentType = 'application/json; charset=utf-8';
    return r;
  };

  const createSession = (bucket: Map<string, QpsSession>, body: string): Reply => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return textReply(400, 'Request body is not valid JSON');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      return textReply(400, 'Request body must be a JSON object');
    }
    const fields = new Map<string, unknown>();
    for (const [k, v] of Object.entries(parsed)) fields.set(k.toLowerCase(), v);
    const dir = fields.get('userdirectory');
    const uid = fields.get('userid');
    const name = fields.get('username');
    const sid = fields.get('sessionid');
    if (typeof dir !== 'string' || dir === '' || typeof uid !== 'string' || uid === '') {
      return textReply(400, 'UserDirectory and UserId are required');
    }
    if (sid !== undefined && sid !== null && typeof sid !== 'string') return textReply(400, 'SessionId must be a string');
    if (name !== undefined && name !== null && typeof name !== 'string') return textReply(400, 'UserName must be a string');
    let attributes: SessionAttribute[] = [];
    const rawAttrs = fields.get('attributes');
    if (rawAttrs !== undefined && rawAttrs !== null) {
      try {
        attributes = parseAttributes(rawAttrs, 'body');
      } catch (err) {
        return textReply(400, err instanceof Error ? err.message : 'invalid Attributes');
      }
    }
    const session = toWire({
      UserDirectory: dir,
      UserId: uid,
      ...(typeof name === 'string' ? { UserName: name } : {}),
      Attributes: attributes,
      SessionId: typeof sid === 'string' && sid !== '' ? sid : randomUUID(),
    });
    bucket.set(session.SessionId, session);
    return jsonReply(201, session);
  };

  const qpsRoute = (ns: NodeState, method: string, segs: string[], body: string): Reply => {
    if (segs.length === 0 || segs[0].toLowerCase() !== 'qps') return textReply(404, '');
    const rest = segs.slice(1);
    const n = rest.length;
    type Route =
      | { route: 'list'; prefix: string[] }
      | { route: 'byId'; prefix: string[]; id: string }
      | { route: 'user'; prefix: string[]; dir: string; uid: string };
    const candidates: Route[] = [];
    if (n >= 1 && rest[n - 1].toLowerCase() === 'session') candidates.push({ route: 'list', prefix: rest.slice(0, -1) });
    if (n >= 2 && rest[n - 2].toLowerCase() === 'session') {
      candidates.push({ route: 'byId', prefix: rest.slice(0, -2), id: rest[n - 1] });
    }
    if (n >= 3 && rest[n - 3].toLowerCase() === 'user') {
      candidates.push({ route: 'user', prefix: rest.slice(0, -3), dir: rest[n - 2], uid: rest[n - 1] });
    }
    for (const c of candidates) {
      const vp = findVp(ns, c.prefix.join('/'));
      if (!vp) continue;
      const bucket = ns.sessions.get(vp.id);
      if (!bucket) continue;
      switch (c.route) {
        case 'list':
          if (method === 'GET') return jsonReply(200, [...bucket.values()]);
          if (method === 'POST') return createSession(bucket, body);
          return textReply(405, 'Method not allowed', { Allow: 'GET, POST' });
        case 'byId': {
          if (method !== 'GET' && method !== 'DELETE') return textReply(405, 'Method not allowed', { Allow: 'GET, DELETE' });
          const s = bucket.get(c.id);
          if (!s) return unknownSession();
          if (method === 'DELETE') bucket.delete(c.id);
          return jsonReply(200, s);
        }
        case 'user': {
          if (method !== 'GET' && method !== 'DELETE') return textReply(405, 'Method not allowed', { Allow: 'GET, DELETE' });
          const d = c.dir.toLowerCase();
          const u = c.uid.toLowerCase();
          const mine = [...bucket.values()].filter((s) => s.UserDirectory.toLowerCase() === d && s.UserId.toLowerCase() === u);
          if (method === 'DELETE') for (const s of mine) bucket.delete(s.SessionId);
          return jsonReply(200, mine);
        }
      }
    }
    return textReply(404, '');
  };

  // --- request pipeline ---
  const send = (res: ServerResponse, entry: RequestLogEntry, reply: Reply): void => {
    entry.status = reply.status;
    const headers: Record<string, string | number> = { 'Content-Length': Buffer.byteLength(reply.body), ...reply.headers };
    if (reply.contentType) headers['Content-Type'] = reply.contentType;
    res.writeHead(reply.status, headers);
    res.end(reply.body);
  };

  async function handle(target: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const rawPath = q >= 0 ? rawUrl.slice(0, q) : rawUrl;
    const query: Record<string, string> = {};
    for (const [k, v] of new URLSearchParams(q >= 0 ? rawUrl.slice(q + 1) : '')) if (!(k in query)) query[k] = v;
    const user = headerValue(req, 'x-qlik-user');
    const entry: RequestLogEntry = { time: Date.now(), target, method, path: rawPath, query, status: 0, user };
    requests.push(entry);

    const isQps = target !== 'qrs';
    let counted = false;
    const finished = (): void => {
      if (counted) {
        counted = false;
        stats.inFlight--;
        inFlightByNode.set(target, (inFlightByNode.get(target) ?? 1) - 1);
      }
    };
    if (isQps) {
      counted = true;
      stats.qpsRequests++;
      stats.inFlight++;
      if (stats.inFlight > stats.peakConcurrent) stats.peakConcurrent = stats.inFlight;
      const onNode = (inFlightByNode.get(target) ?? 0) + 1;
      inFlightByNode.set(target, onNode);
      if (onNode > stats.peakPerNode) stats.peakPerNode = onNode;
      res.once('close', finished); // reset / client went away
    }
    const respond = (reply: Reply): void => {
      finished(); // before the bytes leave, so a client never sees its answer while still counted
      send(res, entry, reply);
    };

    const body = await readBody(req);
    const fault = takeFault(target, method);
    if (latencyMs > 0) await sleep(latencyMs);
    if (fault?.kind === 'slow') await holdWhileOpen(fault.delayMs, res);
    if (fault?.kind === 'reset' && fault.afterHandling !== true) {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'status') {
      respond(textReply(fault.status, fault.body ?? '', fault.headers));
      return;
    }
    if (fault?.kind === 'gzip-bomb' || fault?.kind === 'trickle') {
      entry.status = 200;
      finished();
      if (fault.kind === 'gzip-bomb') sendGzipBomb(res, fault.inflatedMiB);
      else sendTrickle(res, fault.intervalMs ?? 200);
      return;
    }

    let reply: Reply;
    const xrfQuery = firstQueryCI(query, 'xrfkey');
    const xrfHeader = headerValue(req, 'x-qlik-xrfkey');
    const segs = splitSegments(rawPath);
    if (xrfQuery === undefined || xrfHeader === undefined || xrfQuery !== xrfHeader || !XRFKEY_RE.test(xrfQuery)) {
      reply = textReply(403, XSRF_BODY);
    } else if (!parseQlikUser(user)) {
      reply = textReply(403, USER_BODY);
    } else if (!segs) {
      reply = textReply(400, 'Bad Request');
    } else if (target === 'qrs' && q >= 0 && rawUrl.slice(q + 1).split('&').some((kv) => kv !== '' && !kv.includes('='))) {
      // e.g. an unencoded `&` inside a filter value: `filter=name eq 'A&B'` leaves a bare `B'`
      reply = textReply(400, 'Missing parameter value(s)');
    } else if (target === 'qrs') {
      reply = qrsRoute(method, segs, query);
    } else {
      const ns = nodeStates.get(target);
      reply = ns ? qpsRoute(ns, method, segs, body) : textReply(404, '');
    }
    if (fault?.kind === 'malformed' && reply.status >= 200 && reply.status < 300) reply = malform(reply, fault.body);
    if (fault?.kind === 'reset') {
      req.socket.destroy(); // carried out above, the answer lost
      return;
    }
    respond(reply);
  }

  // --- listen ---
  const allListeners = (): Listener[] => [qrsListener, ...[...nodeStates.values()].map((n) => n.listener)];
  const closeAll = async (): Promise<void> => {
    await Promise.all(allListeners().map(closeListener));
  };

  const listen = async (l: Listener, port: number): Promise<void> => {
    l.port = await listenOn(l.server, l.address, port);
    l.listening = true;
  };

  const startQps = async (requested: number): Promise<number> => {
    const list = [...nodeStates.values()].map((n) => n.listener);
    for (let attempt = 0; ; attempt++) {
      try {
        await listen(list[0], requested);
        for (const l of list.slice(1)) await listen(l, list[0].port);
        return list[0].port;
      } catch (err) {
        await Promise.all(list.map(closeListener));
        if (requested !== 0 || !isAddrInUse(err) || attempt >= 8) throw err;
      }
    }
  };

  try {
    await listen(qrsListener, opts.qrsPort ?? 0);
    const qpsPort = await startQps(opts.qpsPort ?? 0);
    for (const ns of nodeStates.values()) {
      ns.info.port = qpsPort;
      ns.live.port = qpsPort;
    }
  } catch (err) {
    await closeAll();
    if (ownCertDir) rmSync(certDir, { recursive: true, force: true });
    throw err;
  }

  // --- public API ---
  const targetListener = (target: string): Listener => {
    if (target === 'qrs') return qrsListener;
    const ns = nodeStates.get(target);
    if (!ns) throw new Error(`unknown fault target "${target}" (use 'qrs' or one of: ${[...nodeStates.keys()].join(', ')})`);
    return ns.listener;
  };

  const matchesWhere = (ns: NodeState, vp: ScenarioVirtualProxy, where?: { node?: string; prefix?: string }): boolean =>
    (where?.node === undefined || where.node === ns.info.name) &&
    (where?.prefix === undefined || where.prefix.toLowerCase() === vp.prefix.toLowerCase());

  let stopped = false;
  const sim: Simulator = {
    qrs: { host: '127.0.0.1', port: qrsListener.port },
    nodes: [...nodeStates.values()].map((n) => n.info),
    certDir,
    certs: { root: siteCerts.paths.root, client: siteCerts.paths.client, clientKey: siteCerts.paths.clientKey },
    siteCerts,
    scenario,
    requests,
    stats,
    node(name) {
      const ns = nodeStates.get(name);
      if (!ns) throw new Error(`unknown node "${name}"`);
      return ns.info;
    },
    setLatency(ms) {
      latencyMs = Math.max(0, ms);
    },
    async setFault(target, fault) {
      const l = targetListener(target);
      if (fault) faults.set(target, { fault, matched: 0, applied: 0 });
      else faults.delete(target);
      if (stopped) return;
      if (fault?.kind === 'down') await closeListener(l);
      else if (!l.listening) await listen(l, l.port);
    },
    setUnknownSessionResponse(status, body = '') {
      unknownStatus = status;
      unknownBody = body;
    },
    setQrsQuirks(next) {
      quirks = { ...next };
    },
    resetStats() {
      stats.peakConcurrent = stats.inFlight;
      stats.peakPerNode = Math.max(0, ...inFlightByNode.values());
      stats.qpsRequests = 0;
    },
    clearRequests() {
      requests.length = 0;
    },
    sessions(where) {
      const out: SimSessionInfo[] = [];
      for (const ns of nodeStates.values()) {
        for (const vp of ns.vps) {
          if (!matchesWhere(ns, vp, where)) continue;
          for (const s of ns.sessions.get(vp.id)?.values() ?? []) {
            out.push({ node: ns.info.name, virtualProxyId: vp.id, prefix: vp.prefix, ...s });
          }
        }
      }
      return out;
    },
    sessionCount(where) {
      let count = 0;
      for (const ns of nodeStates.values()) {
        for (const vp of ns.vps) if (matchesWhere(ns, vp, where)) count += ns.sessions.get(vp.id)?.size ?? 0;
      }
      return count;
    },
    addSession(input) {
      const ns = nodeStates.get(input.node);
      if (!ns) throw new Error(`unknown node "${input.node}"`);
      const vp =
        input.virtualProxyId !== undefined ? vpById.get(input.virtualProxyId) : findVp(ns, input.prefix ?? '');
      const bucket = vp ? ns.sessions.get(vp.id) : undefined;
      if (!vp || !bucket) {
        throw new Error(`no virtual proxy ${input.virtualProxyId ?? `"${input.prefix ?? ''}"`} linked to node "${input.node}"`);
      }
      const s = toWire({ ...input, SessionId: input.SessionId ?? randomUUID() });
      bucket.set(s.SessionId, s);
      return { node: ns.info.name, virtualProxyId: vp.id, prefix: vp.prefix, ...s };
    },
    removeSession(id, where) {
      let removed = 0;
      for (const ns of nodeStates.values()) {
        for (const vp of ns.vps) {
          if (matchesWhere(ns, vp, where) && ns.sessions.get(vp.id)?.delete(id)) removed++;
        }
      }
      return removed;
    },
    cliArgs(extra = {}) {
      const args = [
        '--host', '127.0.0.1',
        '--qrs-port', String(qrsListener.port),
        '--auth-user-dir', extra.userDir ?? 'INTERNAL',
        '--auth-user-id', extra.userId ?? 'sa_api',
        '--auth-cert-file', siteCerts.paths.client,
        '--auth-cert-key-file', siteCerts.paths.clientKey,
        '--auth-root-cert-file', siteCerts.paths.root,
      ];
      if (extra.includeQpsPort) args.push('--qps-port', String(sim.nodes[0].port));
      return args;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await closeAll();
      if (ownCertDir) rmSync(certDir, { recursive: true, force: true });
    },
  };
  return sim;
}
