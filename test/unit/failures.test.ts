/**
 * failures.ts as a table: each failure a request can meet → the error class, the exit code, whether
 * it is retried, the exact message and the exact hint. The errors are built the way Node and
 * https-request.ts raise them (an Error with a `code`), so a rule that stops matching its code, or a
 * rule moved behind another that catches the same failure, fails here by name.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AuthError, ExitCode, QlikApiError, type RequestInfo } from '../../src/errors.js';
import { failureError, persistentResetError, statusError, type FailureContext } from '../../src/qlik/failures.js';

const info: RequestInfo = { service: 'QPS', method: 'GET', host: 'node1.example', port: 4243, path: '/qps/session' };
const ipv6: RequestInfo = { ...info, host: '::1' };
const ctx: FailureContext = { timeoutMs: 12_345, maxResponseBytes: 3 * 1024 * 1024, rootCertFile: 'cert/root.pem' };

function nodeError(code: string | undefined, message: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(message), code === undefined ? {} : { code }, extra);
}

const CLIENT_CERT_HINT =
  'The client certificate was refused: use client.pem and client_key.pem exported from this site (--auth-cert-file, --auth-cert-key-file).';
const UNTRUSTED_HINT = 'It is not signed by cert/root.pem. Use the root.pem exported from this site with --auth-root-cert-file, or skip the check with --secure false.';

interface Case {
  name: string;
  err: Error;
  request?: RequestInfo;
  exit: ExitCode;
  code: string | undefined;
  transient: boolean;
  message: string;
  hint: string | undefined;
}

const cases: Case[] = [
  {
    name: 'cancelled',
    err: nodeError('ECANCELED', 'the request was cancelled'),
    exit: ExitCode.Failure,
    code: 'ECANCELED',
    transient: false,
    message: 'QPS request to node1.example:4243 was cancelled',
    hint: undefined,
  },
  {
    name: 'answer too large',
    err: nodeError('ETOOLARGE', 'the answer is larger than 3145728 bytes'),
    exit: ExitCode.Failure,
    code: 'ETOOLARGE',
    transient: false,
    message: 'the answer of QPS at node1.example:4243 to GET /qps/session is larger than 3 MiB: not read further',
    hint: 'Raise --max-response-size if this site really sends answers that large.',
  },
  ...[
    'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    'SELF_SIGNED_CERT_IN_CHAIN',
    'DEPTH_ZERO_SELF_SIGNED_CERT',
    'UNABLE_TO_GET_ISSUER_CERT',
    'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
    'CERT_SIGNATURE_FAILURE',
    'CERT_UNTRUSTED',
    'INVALID_PURPOSE',
  ].map(
    (code): Case => ({
      name: `untrusted server certificate (${code})`,
      err: nodeError(code, 'unable to verify the first certificate'),
      exit: ExitCode.Auth,
      code,
      transient: false,
      message: 'the server certificate of QPS at node1.example:4243 is not trusted: unable to verify the first certificate',
      hint: UNTRUSTED_HINT,
    }),
  ),
  {
    name: 'host name not in the certificate, names from its alternative names',
    err: nodeError('ERR_TLS_CERT_ALTNAME_INVALID', "Hostname/IP does not match certificate's altnames", {
      cert: { subjectaltname: 'DNS:qlik1.example, IP Address:10.0.0.1, DNS:bad\x1bname' },
    }),
    exit: ExitCode.Auth,
    code: 'ERR_TLS_CERT_ALTNAME_INVALID',
    transient: false,
    message: "host name 'node1.example' is not in the server certificate of QPS at node1.example:4243; the certificate covers qlik1.example, 10.0.0.1, bad\\x1bname",
    hint: 'Connect with a name the certificate covers (for proxy nodes, the host names QRS lists), or skip the check with --secure false.',
  },
  {
    name: 'host name not in the certificate, its common name only',
    err: nodeError('ERR_TLS_CERT_ALTNAME_INVALID', 'no match', { cert: { subject: { CN: 'qlik-cn.example' } } }),
    exit: ExitCode.Auth,
    code: 'ERR_TLS_CERT_ALTNAME_INVALID',
    transient: false,
    message: "host name 'node1.example' is not in the server certificate of QPS at node1.example:4243; the certificate covers qlik-cn.example",
    hint: 'Connect with a name the certificate covers (for proxy nodes, the host names QRS lists), or skip the check with --secure false.',
  },
  {
    name: 'host name not in the certificate, no certificate on the error',
    err: nodeError('ERR_TLS_CERT_ALTNAME_INVALID', 'no match'),
    exit: ExitCode.Auth,
    code: 'ERR_TLS_CERT_ALTNAME_INVALID',
    transient: false,
    message: "host name 'node1.example' is not in the server certificate of QPS at node1.example:4243; the certificate covers names this client could not read",
    hint: 'Connect with a name the certificate covers (for proxy nodes, the host names QRS lists), or skip the check with --secure false.',
  },
  {
    name: 'expired server certificate',
    err: nodeError('CERT_HAS_EXPIRED', 'certificate has expired'),
    exit: ExitCode.Auth,
    code: 'CERT_HAS_EXPIRED',
    transient: false,
    message: 'the server certificate of QPS at node1.example:4243 has expired',
    hint: "Renew the certificates of that Qlik Sense node (or check this machine's clock), or skip the check with --secure false.",
  },
  {
    name: 'server certificate not valid yet',
    err: nodeError('CERT_NOT_YET_VALID', 'certificate is not yet valid'),
    exit: ExitCode.Auth,
    code: 'CERT_NOT_YET_VALID',
    transient: false,
    message: 'the server certificate of QPS at node1.example:4243 is not valid yet',
    hint: 'Its validity starts in the future: check the clock of this machine and of the Qlik Sense node.',
  },
  {
    name: 'connection refused',
    err: nodeError('ECONNREFUSED', 'connect ECONNREFUSED'),
    exit: ExitCode.Failure,
    code: 'ECONNREFUSED',
    transient: false,
    message: 'cannot connect to QPS at node1.example:4243: connection refused',
    hint: 'Check that the QPS service is running on node1.example and that the port is right.',
  },
  ...['ENOTFOUND', 'EAI_AGAIN'].map(
    (code): Case => ({
      name: `host name not found (${code})`,
      err: nodeError(code, `getaddrinfo ${code} node1.example`),
      exit: ExitCode.Failure,
      code,
      transient: false,
      message: "cannot connect to QPS at node1.example:4243: host name 'node1.example' not found",
      hint: 'Check the host name, or use one that this machine can resolve.',
    }),
  ),
  ...['ETIMEDOUT', 'ECONNABORTED'].map(
    (code): Case => ({
      name: `timeout (${code})`,
      err: nodeError(code, 'no complete answer within 12345 ms'),
      exit: ExitCode.Failure,
      code: 'ETIMEDOUT',
      transient: false,
      message: 'no answer from QPS at node1.example:4243 within 12.3 s (GET /qps/session)',
      hint: 'Raise --timeout, or check the network path to that host.',
    }),
  ),
  ...['ECONNRESET', 'EPIPE', 'ERR_STREAM_PREMATURE_CLOSE'].map(
    (code): Case => ({
      name: `connection reset (${code}), retried`,
      err: nodeError(code, 'read ECONNRESET'),
      exit: ExitCode.Failure,
      code: 'ECONNRESET',
      transient: true,
      message: 'connection to QPS at node1.example:4243 was reset (GET /qps/session)',
      hint: undefined,
    }),
  ),
  {
    name: 'a server that offers only TLS 1.0/1.1',
    err: nodeError('ERR_SSL_UNSUPPORTED_PROTOCOL', 'error:0A000102:SSL routines::unsupported protocol'),
    exit: ExitCode.Auth,
    code: 'ERR_SSL_UNSUPPORTED_PROTOCOL',
    transient: false,
    message: 'QPS at node1.example:4243 offers only TLS versions older than 1.2, which Node.js refuses',
    hint: 'Enable TLS 1.2 or 1.3 on the Qlik Sense server (TLS 1.0 and 1.1 are obsolete); ctrl-q does not lower its minimum.',
  },
  {
    name: 'a protocol-version alert without a code',
    err: nodeError(undefined, 'tlsv1 alert protocol version'),
    exit: ExitCode.Auth,
    code: 'EPROTO',
    transient: false,
    message: 'QPS at node1.example:4243 offers only TLS versions older than 1.2, which Node.js refuses',
    hint: 'Enable TLS 1.2 or 1.3 on the Qlik Sense server (TLS 1.0 and 1.1 are obsolete); ctrl-q does not lower its minimum.',
  },
  {
    name: 'any other OpenSSL failure: the client certificate was refused',
    err: nodeError('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'tlsv13 alert certificate required'),
    exit: ExitCode.Auth,
    code: 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
    transient: false,
    message: 'QPS at node1.example:4243 rejected the TLS connection (ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED)',
    hint: CLIENT_CERT_HINT,
  },
  {
    name: 'TLS 1.2: the refusal as EPROTO, the alert only in the message',
    err: nodeError('EPROTO', 'write EPROTO 808C7A2B:error:0A000418:SSL routines:ssl3_read_bytes:tlsv1 alert unknown ca:../deps/openssl/ssl/record/rec_layer_s3.c:1605:SSL alert number 48'),
    exit: ExitCode.Auth,
    code: 'EPROTO',
    transient: false,
    message: 'QPS at node1.example:4243 rejected the TLS connection (TLS alert "unknown ca")',
    hint: CLIENT_CERT_HINT,
  },
  {
    name: 'a certificate alert with no code at all',
    err: nodeError(undefined, 'error:0A000412:SSL routines::sslv3 alert bad certificate'),
    exit: ExitCode.Auth,
    code: 'EPROTO',
    transient: false,
    message: 'QPS at node1.example:4243 rejected the TLS connection (TLS alert "bad certificate")',
    hint: CLIENT_CERT_HINT,
  },
  {
    name: 'socket hang up without a code, retried',
    err: nodeError(undefined, 'socket hang up'),
    exit: ExitCode.Failure,
    code: 'ECONNRESET',
    transient: true,
    message: 'connection to QPS at node1.example:4243 was closed without an answer',
    hint: undefined,
  },
  {
    name: 'a failure no rule knows keeps its own message and code',
    err: nodeError('EDECOMPRESS', 'the answer could not be decompressed: incorrect header check'),
    exit: ExitCode.Failure,
    code: 'EDECOMPRESS',
    transient: false,
    message: 'QPS request to node1.example:4243 failed: the answer could not be decompressed: incorrect header check',
    hint: undefined,
  },
  {
    name: 'an IPv6 host is written in brackets',
    err: nodeError('ECONNREFUSED', 'connect ECONNREFUSED'),
    request: ipv6,
    exit: ExitCode.Failure,
    code: 'ECONNREFUSED',
    transient: false,
    message: 'cannot connect to QPS at [::1]:4243: connection refused',
    hint: 'Check that the QPS service is running on ::1 and that the port is right.',
  },
];

describe('failureError: each failure → class, exit code, retry, message, hint', () => {
  for (const c of cases) {
    it(c.name, () => {
      const error = failureError(c.err, c.request ?? info, ctx);
      assert.ok(error instanceof QlikApiError);
      assert.equal(error instanceof AuthError, c.exit === ExitCode.Auth, 'AuthError exactly when exit 4');
      assert.equal(error.exitCode, c.exit);
      assert.equal(error.code, c.code);
      assert.equal(error.transient, c.transient);
      assert.equal(error.message, c.message);
      assert.equal(error.hint, c.hint);
      assert.equal(error.cause, c.err);
      assert.deepEqual(error.request, c.request ?? info);
    });
  }

  it('a thrown value that is not an Error is shown as text', () => {
    const error = failureError('boom', info, ctx);
    assert.equal(error.message, 'QPS request to node1.example:4243 failed: boom');
    assert.equal(error.exitCode, ExitCode.Failure);
  });

  it('the root certificate is named generically when its path is not known', () => {
    const error = failureError(nodeError('CERT_UNTRUSTED', 'x'), info, { timeoutMs: 1000, maxResponseBytes: 1 });
    assert.equal(error.hint, 'It is not signed by the root certificate. Use the root.pem exported from this site with --auth-root-cert-file, or skip the check with --secure false.');
  });
});

describe('statusError: an answer with a status the caller does not accept', () => {
  const qrs: RequestInfo = { service: 'QRS', method: 'GET', host: 'central', port: 4242, path: '/qrs/proxyservice/full' };
  for (const status of [401, 403]) {
    it(`HTTP ${status} is exit 4, not retried, with the body shown`, () => {
      const error = statusError(status, ' Forbidden\n\tby policy ', info);
      assert.ok(error instanceof AuthError);
      assert.equal(error.exitCode, ExitCode.Auth);
      assert.equal(error.status, status);
      assert.equal(error.transient, false);
      assert.equal(error.message, `QPS GET /qps/session on node1.example:4243 was refused: HTTP ${status} (Forbidden by policy)`);
      assert.equal(error.hint, 'Check that the client certificate was exported from this Qlik Sense site and that --auth-user-dir/--auth-user-id name a user that may do this.');
    });
  }
  for (const [status, transient] of [
    [500, false],
    [502, true],
    [503, true],
    [504, true],
    [404, false],
  ] as const) {
    it(`HTTP ${status} from QPS is exit 1, ${transient ? '' : 'not '}retried`, () => {
      const error = statusError(status, '', info);
      assert.equal(error instanceof AuthError, false);
      assert.equal(error.exitCode, ExitCode.Failure);
      assert.equal(error.transient, transient);
      assert.equal(error.message, `QPS GET /qps/session on node1.example:4243 failed: HTTP ${status}`);
      assert.equal(error.hint, undefined);
    });
  }
  it('HTTP 404 from QRS hints that the port may be a proxy, not QRS', () => {
    const error = statusError(404, 'Not found', qrs);
    assert.equal(error.message, 'QRS GET /qrs/proxyservice/full on central:4242 failed: HTTP 404 (Not found)');
    assert.equal(
      error.hint,
      'QRS has these paths, so central:4242 may not be QRS: check that --host and --qrs-port point at the repository service (QRS, port 4242), not at a proxy node (QPS, port 4243).',
    );
  });
  it('a long body is cut to 160 characters', () => {
    const error = statusError(500, 'x'.repeat(500), info);
    assert.equal(error.message, `QPS GET /qps/session on node1.example:4243 failed: HTTP 500 (${'x'.repeat(157)}...)`);
  });
});

describe('persistentResetError', () => {
  it('turns a reset on every attempt into a certificate problem, exit 4', () => {
    const reset = failureError(nodeError('ECONNRESET', 'read ECONNRESET'), info, ctx);
    const error = persistentResetError(reset);
    assert.ok(error instanceof AuthError);
    assert.equal(error.exitCode, ExitCode.Auth);
    assert.equal(error.code, 'ECONNRESET');
    assert.equal(
      error.message,
      'connection to QPS at node1.example:4243 was reset (GET /qps/session) on every attempt, right after the TLS handshake: QPS most likely rejected the client certificate',
    );
    assert.equal(error.hint, 'Use client.pem and client_key.pem exported from this Qlik Sense site (--auth-cert-file, --auth-cert-key-file).');
    assert.equal(error.cause, reset);
  });
});
