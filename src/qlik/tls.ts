/**
 * Reads and checks the client certificate, its key and the site's root certificate once per run.
 * The material is kept out of every log: it refuses JSON serialisation and util.inspect.
 */
import { readFileSync, statSync } from 'node:fs';
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { Socket } from 'node:net';
import { TLSSocket, checkServerIdentity, createSecureContext, type PeerCertificate, type SecureContext } from 'node:tls';
import { inspect } from 'node:util';
import { CliError, ExitCode, UsageError, errorMessage } from '../errors.js';
import { readableByOthersWarning } from '../io/file-mode.js';

export interface CertificateFiles {
  certFile: string;
  keyFile: string;
  rootCertFile: string;
  /** A .pfx/.p12 with client certificate and key (and possibly the root); replaces certFile/keyFile. */
  pfxFile?: string;
  passphrase?: string;
}

export class TlsMaterial {
  readonly cert?: string;
  readonly key?: string;
  readonly pfx?: Buffer;
  readonly ca?: string;
  readonly passphrase?: string;
  /** Files whose permissions let others read the private key. */
  readonly warnings: string[];
  /**
   * Set when a root file and a .pfx are both used: Node adds the CAs inside a .pfx to the trust
   * store, so the server's chain is checked again to end at the root file's certificates.
   */
  readonly checkServerIdentity?: (host: string, cert: PeerCertificate) => Error | undefined;
  private context?: SecureContext;

  constructor(parts: { cert?: string; key?: string; pfx?: Buffer; ca?: string; passphrase?: string; warnings?: string[] }) {
    this.cert = parts.cert;
    this.key = parts.key;
    this.pfx = parts.pfx;
    this.ca = parts.ca;
    this.passphrase = parts.passphrase;
    this.warnings = parts.warnings ?? [];
    if (parts.pfx !== undefined && parts.ca !== undefined) this.checkServerIdentity = chainEndsAt(pemCertificates(parts.ca));
  }

  /**
   * One OpenSSL context for every connection of the run: without it each new TLS connection parses
   * the certificate, the key and the root again (tens of connections on a large site).
   */
  secureContext(): SecureContext {
    this.context ??= createSecureContext({ cert: this.cert, key: this.key, pfx: this.pfx, passphrase: this.passphrase, ca: this.ca });
    return this.context;
  }

  toJSON(): string {
    return '[TLS material redacted]';
  }

  [inspect.custom](): string {
    return '[TLS material redacted]';
  }
}

function readFile(path: string, option: string): Buffer {
  let isFile: boolean;
  try {
    isFile = statSync(path).isFile();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UsageError(`${option}: file not found: ${path}`);
    throw new UsageError(`${option}: cannot read ${path}: ${errorMessage(err)}`);
  }
  if (!isFile) throw new UsageError(`${option}: ${path} is not a file`);
  try {
    return readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'EACCES' ? 'permission denied' : errorMessage(err);
    throw new UsageError(`${option}: cannot read ${path}: ${reason}`);
  }
}

function keyPermissionWarning(path: string): string | undefined {
  return readableByOthersWarning(path, 'private key file', 0o077);
}

/** Every certificate of a PEM bundle. */
function pemCertificates(pem: string): X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((block) => new X509Certificate(block));
}

/**
 * Node's usual host name check, then: some certificate of the server's chain is one of `roots` or
 * was signed by one of them. Trust comes from the root file alone, not from a CA inside a .pfx.
 */
function chainEndsAt(roots: readonly X509Certificate[]): (host: string, cert: PeerCertificate) => Error | undefined {
  return (host, peer) => {
    const nameError = checkServerIdentity(host, peer);
    if (nameError) return nameError;
    const seen = new Set<PeerCertificate>();
    for (let cert: PeerCertificate | undefined = peer; cert !== undefined && !seen.has(cert); ) {
      seen.add(cert);
      const x509 = new X509Certificate(cert.raw);
      if (roots.some((root) => root.fingerprint256 === x509.fingerprint256 || (x509.checkIssued(root) && x509.verify(root.publicKey)))) {
        return undefined;
      }
      cert = (cert as { issuerCertificate?: PeerCertificate }).issuerCertificate;
    }
    return Object.assign(new Error('the server certificate is not signed by the root certificate file (a CA inside the .pfx is not trusted)'), {
      code: 'CERT_UNTRUSTED',
    });
  };
}

const DAY_MS = 86_400_000;
/** How long before the client certificate expires a warning is given. */
const EXPIRY_WARNING_DAYS = 30;

function isoDate(text: string): string {
  return new Date(text).toISOString().replace('.000Z', 'Z');
}

/**
 * The client certificate's validity dates, read locally before any connection: expired or not yet
 * valid is exit 4 naming the file and the date; expiring within 30 days, a warning.
 */
function checkValidity(cert: X509Certificate, option: string, path: string, warnings: string[], now = Date.now()): void {
  const from = new Date(cert.validFrom).getTime();
  const to = new Date(cert.validTo).getTime();
  const hint = 'Export a new client certificate from the QMC (Certificates) for this machine.';
  if (now > to) {
    throw new CliError(`${option}: the client certificate in ${path} expired on ${isoDate(cert.validTo)}`, ExitCode.Auth, { hint });
  }
  if (now < from) {
    throw new CliError(`${option}: the client certificate in ${path} is not valid until ${isoDate(cert.validFrom)}`, ExitCode.Auth, {
      hint: "Check this machine's clock, or use a certificate that is valid now.",
    });
  }
  const days = Math.floor((to - now) / DAY_MS);
  if (days < EXPIRY_WARNING_DAYS) {
    warnings.push(`the client certificate in ${path} expires on ${isoDate(cert.validTo)} (in ${days} days): export a new one from the QMC before then`);
  }
}

/** The client certificate inside a .pfx, through a socket that is never connected. */
function pfxCertificate(context: SecureContext): X509Certificate | undefined {
  const socket = new TLSSocket(new Socket(), { secureContext: context });
  try {
    const raw = socket.getCertificate();
    return raw && 'raw' in raw ? new X509Certificate(raw.raw) : undefined;
  } finally {
    socket.destroy();
  }
}

function parsePrivateKey(pem: string, path: string, passphrase: string | undefined): KeyObject {
  // PKCS#8 "BEGIN ENCRYPTED PRIVATE KEY" or PKCS#1 "Proc-Type: 4,ENCRYPTED".
  if (passphrase === undefined && /ENCRYPTED/.test(pem)) {
    throw new UsageError(
      `--auth-cert-key-file: ${path} is encrypted; give its password with --auth-cert-passphrase-file or CTRLQ_CERT_PASSPHRASE`,
    );
  }
  try {
    return createPrivateKey({ key: pem, format: 'pem', passphrase });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ERR_MISSING_PASSPHRASE' || /passphrase/i.test(errorMessage(err))) {
      throw new UsageError(
        passphrase === undefined
          ? `--auth-cert-key-file: ${path} is encrypted; give its password with --auth-cert-passphrase-file or CTRLQ_CERT_PASSPHRASE`
          : `--auth-cert-key-file: wrong password for ${path}`,
      );
    }
    // A wrong password usually fails as "bad decrypt"; about 1 in 300 decrypts to bytes with valid
    // padding that then fail to decode ("unsupported"). For an encrypted key both mean the password.
    if (/bad decrypt/i.test(errorMessage(err)) || /ENCRYPTED/.test(pem)) {
      throw new UsageError(`--auth-cert-key-file: wrong password for ${path}`);
    }
    throw new UsageError(`--auth-cert-key-file: ${path} is not a PEM private key`);
  }
}

function parseCertificate(pem: string, path: string, option: string): X509Certificate {
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new UsageError(`${option}: ${path} is not a PEM certificate`);
  }
  try {
    return new X509Certificate(pem);
  } catch {
    throw new UsageError(`${option}: ${path} is not a valid PEM certificate`);
  }
}

/**
 * Loads the files named by the options. The root certificate is required when `secure` is on
 * (unless a .pfx is used: the QMC's carries the root); otherwise it is used if present.
 */
export function loadTlsMaterial(files: CertificateFiles, secure: boolean): TlsMaterial {
  const warnings: string[] = [];
  let ca: string | undefined;
  let rootExists = true;
  try {
    statSync(files.rootCertFile);
  } catch {
    rootExists = false;
  }
  if ((secure && files.pfxFile === undefined) || rootExists) {
    ca = readFile(files.rootCertFile, '--auth-root-cert-file').toString('utf8');
    parseCertificate(ca, files.rootCertFile, '--auth-root-cert-file');
  }

  if (files.pfxFile !== undefined) {
    const pfx = readFile(files.pfxFile, '--auth-cert-pfx-file');
    let context: SecureContext;
    try {
      context = createSecureContext({ pfx, passphrase: files.passphrase });
    } catch (err) {
      const msg = errorMessage(err);
      if (/mac verify|password|decrypt/i.test(msg)) {
        throw new UsageError(
          files.passphrase === undefined
            ? `--auth-cert-pfx-file: ${files.pfxFile} is password protected; give the password with --auth-cert-passphrase-file or CTRLQ_CERT_PASSPHRASE`
            : `--auth-cert-pfx-file: wrong password for ${files.pfxFile}`,
        );
      }
      throw new UsageError(`--auth-cert-pfx-file: ${files.pfxFile} is not a usable PKCS#12 file (${msg})`);
    }
    const certificate = pfxCertificate(context);
    if (certificate) checkValidity(certificate, '--auth-cert-pfx-file', files.pfxFile, warnings);
    const warning = keyPermissionWarning(files.pfxFile);
    if (warning) warnings.push(warning);
    return new TlsMaterial({ pfx, ca, passphrase: files.passphrase, warnings });
  }

  const cert = readFile(files.certFile, '--auth-cert-file').toString('utf8');
  const x509 = parseCertificate(cert, files.certFile, '--auth-cert-file');
  checkValidity(x509, '--auth-cert-file', files.certFile, warnings);
  const key = readFile(files.keyFile, '--auth-cert-key-file').toString('utf8');
  if (!key.includes('-----BEGIN')) throw new UsageError(`--auth-cert-key-file: ${files.keyFile} is not a PEM private key`);
  const keyObject = parsePrivateKey(key, files.keyFile, files.passphrase);
  if (!x509.checkPrivateKey(keyObject)) {
    throw new UsageError(`--auth-cert-key-file: ${files.keyFile} is not the key of the certificate ${files.certFile}`);
  }
  const warning = keyPermissionWarning(files.keyFile);
  if (warning) warnings.push(warning);
  return new TlsMaterial({ cert, key, ca, passphrase: files.passphrase, warnings });
}
