/**
 * The connection options both commands share, narrowed from raw option values. Kept free of heavy
 * imports: it runs for every command line, including --help. The clients are built in clients.ts.
 */
import { resolve } from 'node:path';
import { UsageError } from '../errors.js';
import type { Concurrency } from '../sessions/pool.js';
import { LOG_LEVELS, type LogLevel } from '../io/log-level.js';
import {
  asString,
  parseBoolean,
  parseChoice,
  parseInteger,
  parsePort,
  parseSeconds,
  type Env,
  type COMMON_OPTIONS,
  type OptionValues,
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
  pfxFile?: string;
  passphraseFile?: string;
  /** From CTRLQ_CERT_PASSPHRASE; never from a command-line value. */
  passphrase?: string;
  /** QPS requests in flight: per proxy node (--concurrency) and in all (--max-concurrency). */
  concurrency: Exclude<Concurrency, number>;
  timeoutMs: number;
  /** --max-response-size, in bytes. */
  maxResponseBytes: number;
}

/** The values of the options every command takes (COMMON_OPTIONS), as resolveOptions gives them. */
export type ConnectionValues = OptionValues<readonly (typeof COMMON_OPTIONS)[keyof typeof COMMON_OPTIONS][]>;

export function toConnectionOptions(raw: ConnectionValues, cwd: string, env: Env = {}): ConnectionOptions {
  const host = asString(raw.host).trim();
  if (host === '') throw new UsageError("option '--host <host>' must not be empty");
  if (/[\s/\\?#@]/.test(host)) throw new UsageError(`option '--host <host>' must be a host name or IP address, got '${host}'`);
  const userDir = asString(raw.authUserDir);
  if (userDir.trim() === '') throw new UsageError("option '--auth-user-dir <directory>' must not be empty");
  const userId = asString(raw.authUserId);
  if (userId.trim() === '') throw new UsageError("option '--auth-user-id <userid>' must not be empty");
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
    userDir,
    userId,
    certFile: resolve(cwd, asString(raw.authCertFile, './cert/client.pem')),
    keyFile: resolve(cwd, asString(raw.authCertKeyFile, './cert/client_key.pem')),
    rootCertFile: resolve(cwd, asString(raw.authRootCertFile, './cert/root.pem')),
    pfxFile: raw.authCertPfxFile === undefined ? undefined : resolve(cwd, asString(raw.authCertPfxFile)),
    passphraseFile: raw.authCertPassphraseFile === undefined ? undefined : resolve(cwd, asString(raw.authCertPassphraseFile)),
    passphrase: env.CTRLQ_CERT_PASSPHRASE,
    concurrency: {
      perNode: parseInteger('--concurrency', raw.concurrency, 1, 256) ?? 16,
      total: parseInteger('--max-concurrency', raw.maxConcurrency, 1, 1024) ?? 64,
    },
    timeoutMs: Math.round((parseSeconds('--timeout', raw.timeout, 0.001, 3600) ?? 60) * 1000),
    // 256 MiB holds a QPS list of about half a million sessions; 500 MiB stays below V8's longest
    // string (2^29 - 24 characters), which the answer becomes before it is parsed.
    maxResponseBytes: (parseInteger('--max-response-size', raw.maxResponseSize, 1, 500) ?? 256) * 1024 * 1024,
  };
}
