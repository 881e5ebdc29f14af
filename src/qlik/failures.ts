/**
 * What a failed request means, as one table: each rule matches a failure (by Node's error code, or
 * by what its message says where Node gives no code) and builds the typed error with its message,
 * its exit code (through the error class) and the hint that says what to do. The first rule that
 * matches wins; a failure no rule knows keeps Node's message.
 */
import { AuthError, QlikApiError, errorMessage, type RequestInfo } from '../errors.js';
import { shown } from '../safe-text.js';
import { formatHost } from './paths.js';

/** What the rules may use to word an error. */
export interface FailureContext {
  timeoutMs: number;
  maxResponseBytes: number;
  /** Path of the root certificate, named in hints. */
  rootCertFile?: string;
}

/** One failed request, as the rules see it. */
interface Failure {
  err: unknown;
  code: string | undefined;
  message: string;
  info: RequestInfo;
  /** host:port, an IPv6 address in brackets. */
  endpoint: string;
  ctx: FailureContext;
}

interface Rule {
  matches(failure: Failure): boolean;
  error(failure: Failure): QlikApiError;
}

const codes =
  (...names: string[]) =>
  (f: Failure): boolean =>
    f.code !== undefined && names.includes(f.code);

const UNTRUSTED_CERT_CODES = [
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'INVALID_PURPOSE',
];

const CLIENT_CERT_HINT =
  'The client certificate was refused: use client.pem and client_key.pem exported from this site (--auth-cert-file, --auth-cert-key-file).';

/** OpenSSL's words for a server's alert that refuses the client's certificate. */
const CERT_ALERT = /alert (unknown ca|bad certificate|certificate required|certificate unknown|certificate revoked|certificate expired|unsupported certificate|access denied|handshake failure)/i;

const RULES: readonly Rule[] = [
  {
    matches: codes('ECANCELED'),
    error: (f) => new QlikApiError(`${f.info.service} request to ${f.endpoint} was cancelled`, f.info, { code: 'ECANCELED', cause: f.err }),
  },
  {
    matches: codes('ETOOLARGE'),
    error: (f) =>
      new QlikApiError(
        `the answer of ${f.info.service} at ${f.endpoint} to ${f.info.method} ${f.info.path} is larger than ${formatMiB(f.ctx.maxResponseBytes)}: not read further`,
        f.info,
        { code: 'ETOOLARGE', cause: f.err, hint: 'Raise --max-response-size if this site really sends answers that large.' },
      ),
  },
  {
    matches: codes(...UNTRUSTED_CERT_CODES),
    error: (f) =>
      new AuthError(`the server certificate of ${f.info.service} at ${f.endpoint} is not trusted: ${f.message}`, f.info, {
        code: f.code,
        cause: f.err,
        hint: `It is not signed by ${f.ctx.rootCertFile ?? 'the root certificate'}. Use the root.pem exported from this site with --auth-root-cert-file, or skip the check with --secure false.`,
      }),
  },
  {
    matches: codes('ERR_TLS_CERT_ALTNAME_INVALID'),
    error: (f) => {
      const names = certificateNames(f.err);
      const covered = names.length > 0 ? names.map((name) => shown(name)).join(', ') : 'names this client could not read';
      return new AuthError(
        `host name '${f.info.host}' is not in the server certificate of ${f.info.service} at ${f.endpoint}; the certificate covers ${covered}`,
        f.info,
        {
          code: f.code,
          cause: f.err,
          hint: 'Connect with a name the certificate covers (for proxy nodes, the host names QRS lists), or skip the check with --secure false.',
        },
      );
    },
  },
  {
    matches: codes('CERT_HAS_EXPIRED'),
    error: (f) =>
      new AuthError(`the server certificate of ${f.info.service} at ${f.endpoint} has expired`, f.info, {
        code: f.code,
        cause: f.err,
        hint: `Renew the certificates of that Qlik Sense node (or check this machine's clock), or skip the check with --secure false.`,
      }),
  },
  {
    matches: codes('CERT_NOT_YET_VALID'),
    error: (f) =>
      new AuthError(`the server certificate of ${f.info.service} at ${f.endpoint} is not valid yet`, f.info, {
        code: f.code,
        cause: f.err,
        hint: 'Its validity starts in the future: check the clock of this machine and of the Qlik Sense node.',
      }),
  },
  {
    matches: codes('ECONNREFUSED'),
    error: (f) =>
      new QlikApiError(`cannot connect to ${f.info.service} at ${f.endpoint}: connection refused`, f.info, {
        code: f.code,
        cause: f.err,
        hint: `Check that the ${f.info.service} service is running on ${f.info.host} and that the port is right.`,
      }),
  },
  {
    matches: codes('ENOTFOUND', 'EAI_AGAIN'),
    error: (f) =>
      new QlikApiError(`cannot connect to ${f.info.service} at ${f.endpoint}: host name '${f.info.host}' not found`, f.info, {
        code: f.code,
        cause: f.err,
        hint: 'Check the host name, or use one that this machine can resolve.',
      }),
  },
  {
    matches: codes('ECONNABORTED', 'ETIMEDOUT'),
    error: (f) => timeoutError(f.err, f.info, f.ctx.timeoutMs),
  },
  {
    matches: codes('ECONNRESET', 'EPIPE', 'ERR_STREAM_PREMATURE_CLOSE'),
    error: (f) =>
      new QlikApiError(`connection to ${f.info.service} at ${f.endpoint} was reset (${f.info.method} ${f.info.path})`, f.info, {
        code: 'ECONNRESET',
        transient: true,
        cause: f.err,
      }),
  },
  {
    // Node gives these no code of their own: an OpenSSL alert in the message.
    matches: (f) => /unsupported protocol|alert protocol version/i.test(f.message),
    error: (f) =>
      new AuthError(`${f.info.service} at ${f.endpoint} offers only TLS versions older than 1.2, which Node.js refuses`, f.info, {
        code: f.code ?? 'EPROTO',
        cause: f.err,
        hint: 'Enable TLS 1.2 or 1.3 on the Qlik Sense server (TLS 1.0 and 1.1 are obsolete); ctrl-q does not lower its minimum.',
      }),
  },
  {
    matches: (f) => f.code !== undefined && f.code.startsWith('ERR_SSL_'),
    error: (f) =>
      new AuthError(`${f.info.service} at ${f.endpoint} rejected the TLS connection (${f.code})`, f.info, {
        code: f.code,
        cause: f.err,
        hint: CLIENT_CERT_HINT,
      }),
  },
  {
    // Under TLS 1.2 the same refusal reaches Node as EPROTO, the alert only named in the message.
    matches: (f) => CERT_ALERT.test(f.message),
    error: (f) =>
      new AuthError(`${f.info.service} at ${f.endpoint} rejected the TLS connection (TLS alert "${(CERT_ALERT.exec(f.message)?.[1] ?? '').toLowerCase()}")`, f.info, {
        code: f.code ?? 'EPROTO',
        cause: f.err,
        hint: CLIENT_CERT_HINT,
      }),
  },
  {
    matches: (f) => /socket hang up/i.test(f.message),
    error: (f) =>
      new QlikApiError(`connection to ${f.info.service} at ${f.endpoint} was closed without an answer`, f.info, {
        code: 'ECONNRESET',
        transient: true,
        cause: f.err,
      }),
  },
];

/** The typed error for a request that got no answer (network, TLS, timeout, size, cancel). */
export function failureError(err: unknown, info: RequestInfo, ctx: FailureContext): QlikApiError {
  const failure: Failure = {
    err,
    code: (err as NodeJS.ErrnoException | undefined)?.code,
    message: err instanceof Error ? err.message : String(err),
    info,
    endpoint: `${formatHost(info.host)}:${info.port}`,
    ctx,
  };
  const rule = RULES.find((candidate) => candidate.matches(failure));
  if (rule !== undefined) return rule.error(failure);
  return new QlikApiError(`${info.service} request to ${failure.endpoint} failed: ${errorMessage(err)}`, info, { code: failure.code, cause: err });
}

/** The typed error for an answer whose status is not one the caller accepts. */
export function statusError(status: number, body: string, info: RequestInfo): QlikApiError {
  const where = `${info.service} ${info.method} ${info.path} on ${formatHost(info.host)}:${info.port}`;
  const detail = shortBody(body);
  if (status === 401 || status === 403) {
    return new AuthError(`${where} was refused: HTTP ${status}${detail ? ` ${detail}` : ''}`, info, {
      status,
      hint: 'Check that the client certificate was exported from this Qlik Sense site and that --auth-user-dir/--auth-user-id name a user that may do this.',
    });
  }
  return new QlikApiError(`${where} failed: HTTP ${status}${detail ? ` ${detail}` : ''}`, info, {
    status,
    transient: status === 502 || status === 503 || status === 504,
    hint:
      status === 404 && info.service === 'QRS'
        ? `QRS has these paths, so ${formatHost(info.host)}:${info.port} may not be QRS: check that --host and --qrs-port point at the repository service (QRS, port 4242), not at a proxy node (QPS, port 4243).`
        : undefined,
  });
}

/**
 * Under TLS 1.3 a server that refuses the client certificate closes the connection just after the
 * handshake, which reaches us as a plain reset. A host that has never answered in this run and
 * reset every attempt is therefore reported as a certificate problem (exit 4), not a network one.
 */
export function persistentResetError(err: QlikApiError): AuthError {
  return new AuthError(
    `${err.message} on every attempt, right after the TLS handshake: ${err.request.service} most likely rejected the client certificate`,
    err.request,
    {
      code: err.code,
      cause: err,
      hint: 'Use client.pem and client_key.pem exported from this Qlik Sense site (--auth-cert-file, --auth-cert-key-file).',
    },
  );
}

function timeoutError(cause: unknown, info: RequestInfo, timeoutMs: number): QlikApiError {
  return new QlikApiError(
    `no answer from ${info.service} at ${formatHost(info.host)}:${info.port} within ${Math.round(timeoutMs / 100) / 10} s (${info.method} ${info.path})`,
    info,
    { code: 'ETIMEDOUT', cause, hint: 'Raise --timeout, or check the network path to that host.' },
  );
}

/**
 * The DNS names and IP addresses a server certificate covers, from the error Node's host name check
 * raises (it carries the certificate); its common name when it has no alternative names.
 */
function certificateNames(err: unknown): string[] {
  type WithCert = { cert?: { subjectaltname?: unknown; subject?: { CN?: unknown } }; cause?: unknown } | undefined;
  const cert = (err as WithCert)?.cert ?? ((err as WithCert)?.cause as WithCert)?.cert;
  if (typeof cert?.subjectaltname === 'string' && cert.subjectaltname !== '') {
    return cert.subjectaltname
      .split(/,\s*/)
      .map((entry) => entry.replace(/^(DNS|IP Address):/, ''))
      .filter((name) => name !== '');
  }
  const cn = cert?.subject?.CN;
  return typeof cn === 'string' && cn !== '' ? [cn] : [];
}

function shortBody(body: string): string {
  const text = body.replace(/\s+/g, ' ').trim();
  if (text.length === 0) return '';
  return `(${text.length > 160 ? `${text.slice(0, 157)}...` : text})`;
}

function formatMiB(bytes: number): string {
  return `${Math.round((bytes / 1024 / 1024) * 10) / 10} MiB`;
}
