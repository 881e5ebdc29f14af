/**
 * The connection options both commands share, narrowed from raw option values, and the clients
 * built from them (certificates read once, one transport for QRS and every QPS node).
 */
import { resolve } from 'node:path';
import type { Log } from '../io/logger.js';
import { QpsClient } from '../qlik/qps-client.js';
import { QrsClient } from '../qlik/qrs-client.js';
import { loadTlsMaterial } from '../qlik/tls.js';
import { QlikTransport } from '../qlik/transport.js';
import { UsageError } from '../errors.js';
import {
  LOG_LEVELS,
  asString,
  parseBoolean,
  parseChoice,
  parseInteger,
  parsePort,
  parseSeconds,
  type LogLevel,
  type RawValue,
} from './options.js';

export interface ConnectionOptions {
  logLevel: LogLevel;
  logFile?: string;
  host: string;
  qrsPort: number;
  virtualProxy: string;
  secure: boolean;
  /** Undefined: each node's restListenPort from QRS. */
  qpsPort?: number;
  userDir: string;
  userId: string;
  certFile: string;
  keyFile: string;
  rootCertFile: string;
  concurrency: number;
  timeoutMs: number;
}

type Raw = Record<string, RawValue | undefined>;

export function toConnectionOptions(raw: Raw, cwd: string): ConnectionOptions {
  const host = asString(raw.host).trim();
  if (host === '') throw new UsageError("option '--host <host>' must not be empty");
  if (/[\s/?#@]/.test(host)) throw new UsageError(`option '--host <host>' must be a host name or IP address, got '${host}'`);
  const logFile = raw.logFile === undefined ? undefined : asString(raw.logFile);
  if (logFile === '') throw new UsageError("option '--log-file <path>' must not be empty");
  return {
    logLevel: parseChoice('--log-level', raw.logLevel, LOG_LEVELS, 'info'),
    logFile: logFile === undefined ? undefined : resolve(cwd, logFile),
    host,
    qrsPort: parsePort('--qrs-port', raw.qrsPort) ?? 4242,
    virtualProxy: asString(raw.virtualProxy).replace(/^\/+|\/+$/g, ''),
    secure: parseBoolean('--secure', raw.secure, true),
    qpsPort: parsePort('--qps-port', raw.qpsPort),
    userDir: asString(raw.authUserDir),
    userId: asString(raw.authUserId),
    certFile: resolve(cwd, asString(raw.authCertFile, './cert/client.pem')),
    keyFile: resolve(cwd, asString(raw.authCertKeyFile, './cert/client_key.pem')),
    rootCertFile: resolve(cwd, asString(raw.authRootCertFile, './cert/root.pem')),
    concurrency: parseInteger('--concurrency', raw.concurrency, 1, 256) ?? 16,
    timeoutMs: Math.round((parseSeconds('--timeout', raw.timeout, 0.001, 3600) ?? 60) * 1000),
  };
}

export interface Clients {
  qrs: QrsClient;
  qps: QpsClient;
  close(): void;
}

/** Reads the certificates (usage errors for bad files, before anything is sent) and builds the clients. */
export function openClients(conn: ConnectionOptions, log: Log): Clients {
  const tls = loadTlsMaterial(
    { certFile: conn.certFile, keyFile: conn.keyFile, rootCertFile: conn.rootCertFile },
    conn.secure,
  );
  for (const warning of tls.warnings) log.warn(warning);
  if (!conn.secure) {
    log.warn('--secure false: server certificates are not checked, so the connection could be intercepted');
  }
  const transport = new QlikTransport({
    tls,
    secure: conn.secure,
    timeoutMs: conn.timeoutMs,
    user: { directory: conn.userDir, id: conn.userId },
    log,
    rootCertFile: conn.rootCertFile,
  });
  return {
    qrs: new QrsClient(transport, { host: conn.host, port: conn.qrsPort, virtualProxy: conn.virtualProxy }),
    qps: new QpsClient(transport),
    close: () => transport.close(),
  };
}
