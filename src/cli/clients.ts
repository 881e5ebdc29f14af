/**
 * The QRS and QPS clients built from the connection options: certificates read once (usage errors
 * for bad files, before anything is sent) and one transport for QRS and every QPS node.
 */
import type { Log } from '../io/logger.js';
import { QpsClient } from '../qlik/qps-client.js';
import { QrsClient } from '../qlik/qrs-client.js';
import { loadTlsMaterial } from '../qlik/tls.js';
import { QlikTransport } from '../qlik/transport.js';
import type { ConnectionOptions } from './connection.js';
import { readFileSync } from 'node:fs';
import { UsageError, errorMessage } from '../errors.js';
import { readableByOthersWarning } from '../io/file-mode.js';

/** The first line of the file, without its line ending (editors add one). */
function readPassphrase(path: string, log: Log): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`--auth-cert-passphrase-file: cannot read ${path}: ${errorMessage(err)}`);
  }
  const warning = readableByOthersWarning(path, 'passphrase file');
  if (warning) log.warn(warning);
  return text.split(/\r?\n/)[0] ?? '';
}

export interface Clients {
  qrs: QrsClient;
  qps: QpsClient;
  close(): void;
}

/** Reads the certificates (usage errors for bad files, before anything is sent) and builds the clients. */
export function openClients(conn: ConnectionOptions, log: Log): Clients {
  const tls = loadTlsMaterial(
    {
      certFile: conn.certFile,
      keyFile: conn.keyFile,
      rootCertFile: conn.rootCertFile,
      pfxFile: conn.pfxFile,
      passphrase: conn.passphraseFile === undefined ? conn.passphrase : readPassphrase(conn.passphraseFile, log),
    },
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
    maxResponseBytes: conn.maxResponseBytes,
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
