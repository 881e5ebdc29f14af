/**
 * Qlik-like TLS fixtures made with the `openssl` binary.
 *
 * File names follow the QMC "platform independent PEM" export:
 * `root.pem`, `client.pem`, `client_key.pem` (+ the node-local `server.pem`, `server_key.pem`).
 * Keys are unencrypted PKCS#8 (`BEGIN PRIVATE KEY`), as a password-less QMC export is.
 *
 * One openssl call per certificate (`req -x509 -newkey … [-CA … -CAkey …]`, OpenSSL >= 3.0),
 * with an explicit config file so the default `v3_ca` section never leaks into leaf certs.
 */
import { execFile, execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export interface CertPaths {
  root: string;
  rootKey: string;
  server: string;
  serverKey: string;
  client: string;
  clientKey: string;
}

export interface SiteCerts {
  dir: string;
  /** Absolute or caller-relative file paths (as `join(dir, name)`). */
  paths: CertPaths;
  /** The PEM text of each file. */
  pem: CertPaths;
}

export interface SiteCertOptions {
  /** IP addresses the server certificate must be valid for (127.0.0.1 is always added). */
  ipAddresses: string[];
  /** Extra DNS names for the server certificate (`localhost` is always added). */
  dnsNames?: string[];
  /** Site name: the server cert is `CN=<name>`, the root `CN=<name>-CA`. Default `qlik-sim`. */
  name?: string;
  /** Validity in days (default 90: ctrl-q warns about a client certificate expiring within 30). */
  days?: number;
}

export interface ForeignCerts {
  dir: string;
  paths: { root: string; rootKey: string; client: string; clientKey: string };
  pem: { root: string; rootKey: string; client: string; clientKey: string };
}

const CONFIG_FILE = 'openssl-sim.cnf';
/** Longer than the 30 days within which ctrl-q warns that the client certificate expires. */
const DEFAULT_DAYS = 90;

function opensslConfig(sans: string[]): string {
  return [
    '[req]',
    'distinguished_name = dn',
    'prompt = no',
    '',
    '[dn]',
    '',
    '[root_ext]',
    'basicConstraints = critical,CA:TRUE',
    'keyUsage = critical,keyCertSign,cRLSign',
    'subjectKeyIdentifier = hash',
    '',
    '[server_ext]',
    'basicConstraints = critical,CA:FALSE',
    'keyUsage = critical,digitalSignature,keyEncipherment',
    'extendedKeyUsage = serverAuth',
    'subjectKeyIdentifier = hash',
    'authorityKeyIdentifier = keyid,issuer',
    `subjectAltName = ${sans.length > 0 ? sans.join(',') : 'DNS:localhost'}`,
    '',
    '[client_ext]',
    'basicConstraints = critical,CA:FALSE',
    'keyUsage = critical,digitalSignature,keyEncipherment',
    'extendedKeyUsage = clientAuth',
    'subjectKeyIdentifier = hash',
    'authorityKeyIdentifier = keyid,issuer',
    '',
  ].join('\n');
}

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

interface CertJob {
  cert: string;
  key: string;
  subject: string;
  ext: 'root_ext' | 'server_ext' | 'client_ext';
  /** Signing CA (cert, key); absent for a self-signed root. */
  ca?: { cert: string; key: string };
}

function certArgs(config: string, days: number, job: CertJob, existingKey: boolean): string[] {
  const args = [
    'req', '-x509', '-config', config, '-extensions', job.ext,
    ...(existingKey ? ['-key', job.key] : ['-newkey', 'rsa:2048', '-noenc', '-keyout', job.key]),
    '-sha256', '-days', String(days), '-subj', job.subject, '-out', job.cert,
  ];
  if (job.ca) args.push('-CA', job.ca.cert, '-CAkey', job.ca.key);
  return args;
}

function makeCert(config: string, days: number, job: CertJob): void {
  openssl(certArgs(config, days, job, false));
  chmodSync(job.key, 0o600);
}

async function opensslAsync(args: string[]): Promise<void> {
  await execFileAsync('openssl', args);
}

/** PKCS#8 RSA-2048 key (`BEGIN PRIVATE KEY`), mode 0600. */
async function makeKeyAsync(file: string): Promise<void> {
  await opensslAsync(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', file]);
  chmodSync(file, 0o600);
}

function uniq(values: string[]): string[] {
  return [...new Set(values)];
}

function subjectAltNames(opts: SiteCertOptions): string[] {
  const ips = uniq(['127.0.0.1', ...opts.ipAddresses]);
  const dns = uniq(['localhost', ...(opts.dnsNames ?? [])]);
  for (const ip of ips) if (isIP(ip) === 0) throw new Error(`not an IP address: ${ip}`);
  return [...dns.map((d) => `DNS:${d}`), ...ips.map((ip) => `IP:${ip}`)];
}

function readPems<K extends string>(paths: Record<K, string>): Record<K, string> {
  const out = {} as Record<K, string>;
  for (const k of Object.keys(paths) as K[]) out[k] = readFileSync(paths[k], 'utf8');
  return out;
}

export function siteCertPaths(dir: string): CertPaths {
  return {
    root: join(dir, 'root.pem'),
    rootKey: join(dir, 'root_key.pem'),
    server: join(dir, 'server.pem'),
    serverKey: join(dir, 'server_key.pem'),
    client: join(dir, 'client.pem'),
    clientKey: join(dir, 'client_key.pem'),
  };
}

/** Generate root CA, server and client certificates into `dir` (created if missing). */
export function generateSiteCerts(dir: string, opts: SiteCertOptions): SiteCerts {
  mkdirSync(dir, { recursive: true });
  const name = opts.name ?? 'qlik-sim';
  const days = opts.days ?? DEFAULT_DAYS;
  const paths = siteCertPaths(dir);
  const config = join(dir, CONFIG_FILE);
  writeFileSync(config, opensslConfig(subjectAltNames(opts)));
  makeCert(config, days, { cert: paths.root, key: paths.rootKey, subject: `/CN=${name}-CA`, ext: 'root_ext' });
  const ca = { cert: paths.root, key: paths.rootKey };
  makeCert(config, days, { cert: paths.server, key: paths.serverKey, subject: `/CN=${name}`, ext: 'server_ext', ca });
  makeCert(config, days, { cert: paths.client, key: paths.clientKey, subject: '/CN=QlikClient', ext: 'client_ext', ca });
  return { dir, paths, pem: readPems(paths) };
}

/**
 * Same result as generateSiteCerts, faster: the three RSA keys are generated in parallel,
 * then the root, then server and client certificates (signed in parallel).
 */
export async function generateSiteCertsAsync(dir: string, opts: SiteCertOptions): Promise<SiteCerts> {
  mkdirSync(dir, { recursive: true });
  const name = opts.name ?? 'qlik-sim';
  const days = opts.days ?? DEFAULT_DAYS;
  const paths = siteCertPaths(dir);
  const config = join(dir, CONFIG_FILE);
  writeFileSync(config, opensslConfig(subjectAltNames(opts)));
  const rootJob: CertJob = { cert: paths.root, key: paths.rootKey, subject: `/CN=${name}-CA`, ext: 'root_ext' };
  const ca = { cert: paths.root, key: paths.rootKey };
  const leafJobs: CertJob[] = [
    { cert: paths.server, key: paths.serverKey, subject: `/CN=${name}`, ext: 'server_ext', ca },
    { cert: paths.client, key: paths.clientKey, subject: '/CN=QlikClient', ext: 'client_ext', ca },
  ];
  await Promise.all([
    opensslAsync(certArgs(config, days, rootJob, false)).then(() => chmodSync(paths.rootKey, 0o600)),
    ...leafJobs.map((j) => makeKeyAsync(j.key)),
  ]);
  await Promise.all(leafJobs.map((j) => opensslAsync(certArgs(config, days, j, true))));
  return { dir, paths, pem: readPems(paths) };
}

/**
 * The certificates already in `dir`, when they are complete, chain to the same root, are valid
 * for at least another 31 days and cover every requested IP/DNS name; otherwise `undefined`.
 */
export function reuseSiteCerts(dir: string, opts: SiteCertOptions): SiteCerts | undefined {
  const paths = siteCertPaths(dir);
  if (!Object.values(paths).every((p) => existsSync(p))) return undefined;
  try {
    const pem = readPems(paths);
    const root = new X509Certificate(pem.root);
    const server = new X509Certificate(pem.server);
    const client = new X509Certificate(pem.client);
    // Kept while it is valid for longer than ctrl-q's 30-day expiry warning.
    const soon = Date.now() + 31 * 86_400_000;
    const valid = [root, server, client].every((c) => new Date(c.validTo).getTime() > soon);
    const signed = server.verify(root.publicKey) && client.verify(root.publicKey);
    const san = (server.subjectAltName ?? '').split(',').map((s) => s.trim());
    const covered = subjectAltNames(opts).every((want) => {
      const [kind, value] = want.split(/:(.*)/s);
      return san.includes(kind === 'IP' ? `IP Address:${value}` : `DNS:${value}`);
    });
    return valid && signed && covered ? { dir, paths, pem } : undefined;
  } catch {
    return undefined; // unreadable or unparsable
  }
}

/** Reuse the certificates in `dir` when still good (see reuseSiteCerts), else generate new ones. */
export function ensureSiteCerts(dir: string, opts: SiteCertOptions): SiteCerts & { reused: boolean } {
  const found = reuseSiteCerts(dir, opts);
  return found ? { ...found, reused: true } : { ...generateSiteCerts(dir, opts), reused: false };
}

/**
 * A CA unrelated to the site plus a `CN=QlikClient` client certificate it signed,
 * for "a client certificate from another CA is rejected" tests.
 */
export function generateForeignClientCert(dir: string, opts: { name?: string; days?: number } = {}): ForeignCerts {
  mkdirSync(dir, { recursive: true });
  const days = opts.days ?? DEFAULT_DAYS;
  const paths = {
    root: join(dir, 'foreign_root.pem'),
    rootKey: join(dir, 'foreign_root_key.pem'),
    client: join(dir, 'foreign_client.pem'),
    clientKey: join(dir, 'foreign_client_key.pem'),
  };
  const config = join(dir, 'openssl-foreign.cnf');
  writeFileSync(config, opensslConfig([]));
  makeCert(config, days, { cert: paths.root, key: paths.rootKey, subject: `/CN=${opts.name ?? 'foreign'}-CA`, ext: 'root_ext' });
  makeCert(config, days, {
    cert: paths.client, key: paths.clientKey, subject: '/CN=QlikClient', ext: 'client_ext',
    ca: { cert: paths.root, key: paths.rootKey },
  });
  return { dir, paths, pem: readPems(paths) };
}

/** Async generateForeignClientCert (the two keys are generated in parallel). */
export async function generateForeignClientCertAsync(dir: string, opts: { name?: string; days?: number } = {}): Promise<ForeignCerts> {
  mkdirSync(dir, { recursive: true });
  const days = opts.days ?? DEFAULT_DAYS;
  const paths = {
    root: join(dir, 'foreign_root.pem'),
    rootKey: join(dir, 'foreign_root_key.pem'),
    client: join(dir, 'foreign_client.pem'),
    clientKey: join(dir, 'foreign_client_key.pem'),
  };
  const config = join(dir, 'openssl-foreign.cnf');
  writeFileSync(config, opensslConfig([]));
  const rootJob: CertJob = { cert: paths.root, key: paths.rootKey, subject: `/CN=${opts.name ?? 'foreign'}-CA`, ext: 'root_ext' };
  const clientJob: CertJob = {
    cert: paths.client, key: paths.clientKey, subject: '/CN=QlikClient', ext: 'client_ext',
    ca: { cert: paths.root, key: paths.rootKey },
  };
  await Promise.all([
    opensslAsync(certArgs(config, days, rootJob, false)).then(() => chmodSync(paths.rootKey, 0o600)),
    makeKeyAsync(paths.clientKey),
  ]);
  await opensslAsync(certArgs(config, days, clientJob, true));
  return { dir, paths, pem: readPems(paths) };
}

export interface DatedCertOptions {
  /** A server certificate (for the SANs of `site`) or a `CN=QlikClient` client certificate. */
  kind: 'server' | 'client';
  notBefore: Date;
  notAfter: Date;
  /** The names a server certificate covers (as for generateSiteCerts). */
  site?: SiteCertOptions;
}

function opensslDate(date: Date): string {
  // YYYYMMDDHHMMSSZ, the GeneralizedTime form `openssl ca -startdate/-enddate` takes.
  return `${date.toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;
}

/**
 * A leaf certificate signed by `root` with any validity window, in the past or the future (for
 * expired and not-yet-valid certificates): `openssl req -x509` only counts days from now, so this
 * uses `openssl ca`, which takes explicit dates, with a throwaway CA database in `dir`.
 */
export async function generateDatedCertAsync(
  dir: string,
  root: { cert: string; key: string },
  opts: DatedCertOptions,
): Promise<{ cert: string; key: string }> {
  mkdirSync(dir, { recursive: true });
  const name = `${opts.kind}-${opts.notBefore.getTime()}-${opts.notAfter.getTime()}`;
  const cert = join(dir, `${name}.pem`);
  const key = join(dir, `${name}_key.pem`);
  const csr = join(dir, `${name}.csr`);
  const config = join(dir, `${name}.cnf`);
  const db = join(dir, `${name}-index.txt`);
  writeFileSync(db, '');
  writeFileSync(join(dir, `${name}-serial`), `${Date.now().toString(16).padStart(16, '0')}\n`);
  const sans = opts.kind === 'server' ? subjectAltNames(opts.site ?? { ipAddresses: [] }) : [];
  writeFileSync(
    config,
    [
      '[ca]',
      'default_ca = sim_ca',
      '[sim_ca]',
      `database = ${db}`,
      `new_certs_dir = ${dir}`,
      `serial = ${join(dir, `${name}-serial`)}`,
      'default_md = sha256',
      'policy = any',
      'unique_subject = no',
      '[any]',
      'commonName = supplied',
      opensslConfig(sans),
    ].join('\n'),
  );
  await makeKeyAsync(key);
  await opensslAsync(['req', '-new', '-config', config, '-key', key, '-subj', opts.kind === 'server' ? '/CN=qlik-sim' : '/CN=QlikClient', '-out', csr]);
  await opensslAsync([
    'ca', '-batch', '-notext', '-config', config, '-cert', root.cert, '-keyfile', root.key, '-in', csr, '-out', cert,
    '-startdate', opensslDate(opts.notBefore), '-enddate', opensslDate(opts.notAfter),
    '-extensions', opts.kind === 'server' ? 'server_ext' : 'client_ext',
  ]);
  return { cert, key };
}
