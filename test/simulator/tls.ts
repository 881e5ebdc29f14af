/**
 * The simulator's TLS setup: the site certificates (made in a temp dir, or kept and reused in
 * `certDir`), an optional dated server certificate, and the options every listener uses (mutual
 * TLS: a client certificate signed by the site root is required).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { ServerOptions } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateDatedCertAsync, generateSiteCertsAsync, reuseSiteCerts, type SiteCerts } from './certs.js';
import type { Scenario } from './scenario.js';
import type { SimulatorOptions } from './types.js';

export interface SiteTls {
  certDir: string;
  siteCerts: SiteCerts;
  tlsOptions: ServerOptions;
  /** Remove the cert dir when it is a temp dir of ours (on stop, or when starting failed). */
  cleanUp(): void;
}

/** Certificates for QRS on 127.0.0.1 and the nodes on `addresses` (and their host names). */
export async function prepareTls(scenario: Scenario, addresses: string[], opts: SimulatorOptions): Promise<SiteTls> {
  const ownCertDir = opts.certDir === undefined;
  const certDir = opts.certDir ?? mkdtempSync(join(tmpdir(), 'qlik-sim-'));
  const cleanUp = (): void => {
    if (ownCertDir) rmSync(certDir, { recursive: true, force: true });
  };
  const certOpts = {
    ipAddresses: ['127.0.0.1', ...addresses],
    dnsNames: scenario.nodes.flatMap((n) => (n.hostName ? [n.hostName] : [])),
    name: scenario.nodes.find((n) => n.central)?.hostName?.split('.')[0] ?? 'qlik-sim',
  };
  let siteCerts: SiteCerts;
  try {
    siteCerts = (ownCertDir ? undefined : reuseSiteCerts(certDir, certOpts)) ?? (await generateSiteCertsAsync(certDir, certOpts));
  } catch (err) {
    cleanUp();
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
  const tlsOptions: ServerOptions = {
    key: server.key,
    cert: serverCert,
    ca: siteCerts.pem.root,
    requestCert: true,
    rejectUnauthorized: true,
  };
  return { certDir, siteCerts, tlsOptions, cleanUp };
}
