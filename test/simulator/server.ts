/**
 * Local Qlik Sense simulator: one QRS (https, mutual TLS) on 127.0.0.1 and one QPS per proxy node,
 * node i on 127.0.0.(2+i), all QPS listeners sharing one port. See qlik-api.md §1–§3, §6.
 *
 * This file starts it: certificates, listeners, the request pipeline (Xrfkey and X-Qlik-User
 * checks, faults, the request log and QPS stats) and the `Simulator` object. The parts:
 * types.ts (public types, re-exported here), http.ts (replies, helpers, listeners), site.ts (the
 * live state), qrs.ts and qps.ts (the routes), faults.ts and body-faults.ts (what faults do),
 * tls.ts (certificates).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { sendGzipBomb, sendTrickle } from './body-faults.js';
import { FaultBook, holdWhileOpen, malform } from './faults.js';
import {
  closeListener,
  firstQueryCI,
  headerValue,
  isAddrInUse,
  listenOn,
  readBody,
  sendReply,
  sleep,
  splitSegments,
  textReply,
  type Listener,
  type Reply,
} from './http.js';
import { qpsRoute, type UnknownSessionAnswer } from './qps.js';
import { qrsRoute } from './qrs.js';
import { addSession, buildSite, countSessions, listSessions, removeSession } from './site.js';
import { prepareTls } from './tls.js';
import type { QrsQuirks, RequestLogEntry, SimStats, Simulator, SimulatorOptions } from './types.js';
import { at } from './at.js';

export type {
  AddSessionInput,
  CliArgsExtra,
  Fault,
  FaultCommon,
  FaultTarget,
  QrsQuirks,
  RequestLogEntry,
  SimNodeInfo,
  SimSessionInfo,
  SimStats,
  Simulator,
  SimulatorOptions,
} from './types.js';

export const XSRF_BODY = 'XSRF prevention check failed. Possible XSRF discovered.';
export const USER_BODY = 'Missing or malformed X-Qlik-User header. Expected: UserDirectory=<directory>; UserId=<user id>';
const XRFKEY_RE = /^[0-9A-Za-z]{16}$/;

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

export async function startSimulator(opts: SimulatorOptions): Promise<Simulator> {
  const scenario = opts.scenario;
  if (scenario.nodes.length === 0) throw new Error('scenario has no nodes');
  if (scenario.nodes.length > 250) throw new Error('at most 250 nodes (127.0.0.2 … 127.0.0.251)');

  const addresses = scenario.nodes.map((_, i) => `127.0.0.${2 + i}`);
  const { certDir, siteCerts, tlsOptions, cleanUp } = await prepareTls(scenario, addresses, opts);

  // --- state ---
  let latencyMs = opts.latencyMs ?? 0;
  const unknownSession: UnknownSessionAnswer = {
    status: opts.unknownSessionStatus ?? 404,
    body: opts.unknownSessionBody ?? '',
  };
  let quirks: QrsQuirks = {};
  const requests: RequestLogEntry[] = [];
  const stats: SimStats = { peakConcurrent: 0, inFlight: 0, qpsRequests: 0, peakPerNode: 0, tlsHandshakes: 0, tlsResumed: 0 };
  const inFlightByNode = new Map<string, number>();
  const faults = new FaultBook();

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
    l.server.on('secureConnection', (s: TLSSocket) => {
      stats.tlsHandshakes++;
      if (s.isSessionReused()) stats.tlsResumed++;
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

  const site = buildSite(scenario, addresses, makeListener);
  const nodeStates = site.nodes;
  const qrsListener = makeListener('qrs', '127.0.0.1');

  // --- request pipeline ---
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
      entry.status = reply.status;
      sendReply(res, reply);
    };

    const body = await readBody(req);
    const fault = faults.take(target, method);
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
      reply = qrsRoute(site, quirks, method, segs, query);
    } else {
      const ns = nodeStates.get(target);
      reply = ns ? qpsRoute(ns, method, segs, body, unknownSession) : textReply(404, '');
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
    const [first, ...others] = list;
    if (first === undefined) throw new Error('the scenario has no proxy node');
    for (let attempt = 0; ; attempt++) {
      try {
        await listen(first, requested);
        for (const l of others) await listen(l, first.port);
        return first.port;
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
    cleanUp();
    throw err;
  }

  // --- public API ---
  const targetListener = (target: string): Listener => {
    if (target === 'qrs') return qrsListener;
    const ns = nodeStates.get(target);
    if (!ns) throw new Error(`unknown fault target "${target}" (use 'qrs' or one of: ${[...nodeStates.keys()].join(', ')})`);
    return ns.listener;
  };

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
      faults.set(target, fault);
      if (stopped) return;
      if (fault?.kind === 'down') await closeListener(l);
      else if (!l.listening) await listen(l, l.port);
    },
    setUnknownSessionResponse(status, body = '') {
      unknownSession.status = status;
      unknownSession.body = body;
    },
    setQrsQuirks(next) {
      quirks = { ...next };
    },
    resetStats() {
      stats.peakConcurrent = stats.inFlight;
      stats.peakPerNode = Math.max(0, ...inFlightByNode.values());
      stats.qpsRequests = 0;
      stats.tlsHandshakes = 0;
      stats.tlsResumed = 0;
    },
    clearRequests() {
      requests.length = 0;
    },
    sessions: (where) => listSessions(site, where),
    sessionCount: (where) => countSessions(site, where),
    addSession: (input) => addSession(site, input),
    removeSession: (id, where) => removeSession(site, id, where),
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
      if (extra.includeQpsPort) args.push('--qps-port', String(at(sim.nodes, 0, 'node').port));
      return args;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await closeAll();
      cleanUp();
    },
  };
  return sim;
}
