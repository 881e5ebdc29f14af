/**
 * The simulator's public types: faults, the request log, node and session info, options and the
 * `Simulator` object `startSimulator` returns. Tests import them from `server.ts`, which re-exports
 * everything here.
 */
import type { SiteCerts } from './certs.js';
import type { QpsSession, Scenario, SessionAttribute } from './scenario.js';

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
  /** TLS handshakes completed (QRS and QPS), and how many of them resumed an earlier session. */
  tlsHandshakes: number;
  tlsResumed: number;
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
