/**
 * QlikTransport against real loopback HTTPS servers with mutual TLS: each way a request can fail
 * becomes one typed error (class, exit code, message, hint), transient failures are retried with a
 * doubling delay (attempts counted on the server, delays read from the log, never from a clock),
 * and an AbortSignal ends a request at any point. Only the transport's public API is used, so the
 * tests hold whatever HTTP client it runs on.
 */
import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server, type ServerOptions } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { AuthError, QlikApiError, type QlikService } from '../../src/errors.js';
import type { Log } from '../../src/io/logger.js';
import { loadTlsMaterial } from '../../src/qlik/tls.js';
import { QlikTransport, type HttpRequest, type TransportOptions } from '../../src/qlik/transport.js';
import { generateDatedCertAsync } from '../simulator/certs.js';
import { makeTempForeignCerts, makeTempSiteCerts, type ForeignCerts, type SiteCerts } from '../helpers/certs.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

interface TestServer {
  host: string;
  port: number;
  /** Requests that reached the handler, as `METHOD path` without the query. */
  requests: string[];
  /** The xrfkey of each request: query parameter and header, which must agree. */
  xrfkeys: { query: string | null; header: string | undefined }[];
  users: (string | undefined)[];
  handler: Handler;
  close(): Promise<void>;
}

let site: SiteCerts & { cleanup(): void };
let foreign: ForeignCerts & { cleanup(): void };
let expired: { cert: string; key: string };
let notYetValid: { cert: string; key: string };
/** A self-signed server certificate for 127.0.0.1, and one signed by the site root naming no host but its CN. */
let selfSigned: { cert: string; key: string };
let commonNameOnly: { cert: string; key: string };
const servers: TestServer[] = [];
const transports: QlikTransport[] = [];

before(async () => {
  // The server certificate covers localhost and 127.0.0.1 only: 127.0.0.2 is a name it lacks.
  site = await makeTempSiteCerts({ ipAddresses: ['127.0.0.1'] });
  foreign = await makeTempForeignCerts();
  const root = { cert: site.paths.root, key: site.paths.rootKey };
  const day = 86_400_000;
  const now = Date.now();
  expired = await generateDatedCertAsync(join(site.dir, 'dated'), root, {
    kind: 'server', notBefore: new Date(now - 60 * day), notAfter: new Date(now - day), site: { ipAddresses: ['127.0.0.1'] },
  });
  notYetValid = await generateDatedCertAsync(join(site.dir, 'dated'), root, {
    kind: 'server', notBefore: new Date(now + day), notAfter: new Date(now + 60 * day), site: { ipAddresses: ['127.0.0.1'] },
  });
  const config = join(site.dir, 'leaf.cnf');
  writeFileSync(config, [
    '[req]', 'distinguished_name = dn', 'prompt = no', '[dn]',
    '[leaf]', 'basicConstraints = critical,CA:FALSE', 'keyUsage = critical,digitalSignature,keyEncipherment', 'extendedKeyUsage = serverAuth',
    '[leaf_ip]', 'basicConstraints = critical,CA:FALSE', 'keyUsage = critical,digitalSignature,keyEncipherment', 'extendedKeyUsage = serverAuth',
    'subjectAltName = IP:127.0.0.1', '',
  ].join('\n'));
  const leaf = (name: string, ext: string, ca: string[]): { cert: string; key: string } => {
    const files = { cert: join(site.dir, `${name}.pem`), key: join(site.dir, `${name}_key.pem`) };
    execFileSync('openssl', ['req', '-x509', '-config', config, '-extensions', ext, '-newkey', 'rsa:2048', '-noenc', '-keyout', files.key, '-out', files.cert, '-subj', `/CN=${name}`, '-days', '2', ...ca], { stdio: 'ignore' });
    return { cert: readFileSync(files.cert, 'utf8'), key: readFileSync(files.key, 'utf8') };
  };
  selfSigned = leaf('self-signed', 'leaf_ip', []);
  commonNameOnly = leaf('qlik-node', 'leaf', ['-CA', site.paths.root, '-CAkey', site.paths.rootKey]);
});

afterEach(async () => {
  for (const transport of transports.splice(0)) transport.close();
  await Promise.all(servers.splice(0).map((server) => server.close()));
  for (const child of opensslServers.splice(0)) child.kill();
});

after(() => {
  site.cleanup();
  foreign.cleanup();
});


/** A Qlik-like HTTPS server on loopback: asks for a client certificate signed by the site root. */
async function startServer(options: { tls?: ServerOptions; host?: string; handler?: Handler } = {}): Promise<TestServer> {
  const state: TestServer = {
    host: options.host ?? '127.0.0.1',
    port: 0,
    requests: [],
    xrfkeys: [],
    users: [],
    handler: options.handler ?? ((_req, res) => res.end('[]')),
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  const server: Server = createServer(
    { key: site.pem.serverKey, cert: site.pem.server, ca: site.pem.root, requestCert: true, rejectUnauthorized: true, ...options.tls },
    (req, res) => {
      const url = new URL(req.url ?? '/', 'https://x');
      state.requests.push(`${req.method} ${url.pathname}`);
      state.xrfkeys.push({ query: url.searchParams.get('xrfkey'), header: req.headers['x-qlik-xrfkey'] as string | undefined });
      state.users.push(req.headers['x-qlik-user'] as string | undefined);
      state.handler(req, res);
    },
  );
  // A failed handshake is the client's business here, not the server's.
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, state.host, resolve));
  state.port = (server.address() as AddressInfo).port;
  servers.push(state);
  return state;
}

const opensslServers: ChildProcess[] = [];

/**
 * `openssl s_server` with the site's server certificate, requiring a client certificate signed by
 * the site root: unlike a Node.js server, it refuses another one with a TLS alert, as a server whose
 * TLS library checks the certificate in the handshake does.
 */
async function startOpensslServer(version: '-tls1_2' | '-tls1_3'): Promise<{ host: string; port: number }> {
  const port = await closedPort();
  const { server, serverKey, root } = site.paths;
  const child = spawn('openssl', ['s_server', '-accept', `127.0.0.1:${port}`, '-cert', server, '-key', serverKey, '-CAfile', root, '-Verify', '1', '-verify_return_error', version, '-www'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  opensslServers.push(child);
  let output = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      if (output.includes('ACCEPT')) resolve();
    });
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`openssl s_server ended (${code}) before listening: ${output}`)));
  });
  return { host: '127.0.0.1', port };
}

/** What the transport logged, level and message. */
function recordingLog(onMessage?: (level: string, message: string) => void): Log & { lines: string[] } {
  const lines: string[] = [];
  const write = (level: string) => (message: string): void => {
    lines.push(`${level}: ${message}`);
    onMessage?.(level, message);
  };
  return {
    lines,
    error: write('error'),
    warn: write('warn'),
    info: write('info'),
    verbose: write('verbose'),
    debug: write('debug'),
    silly: write('silly'),
    isLevelEnabled: () => true,
  };
}

interface TransportSetup extends Partial<Omit<TransportOptions, 'tls'>> {
  /** Client certificate and key (default: the site's). */
  client?: { cert: string; key: string };
  /** The root the server certificate is checked against (default: the site's). */
  rootCertFile?: string;
}

function transport(setup: TransportSetup = {}): QlikTransport {
  const client = setup.client ?? { cert: site.paths.client, key: site.paths.clientKey };
  const rootCertFile = setup.rootCertFile ?? site.paths.root;
  const secure = setup.secure ?? true;
  const tls = loadTlsMaterial({ certFile: client.cert, keyFile: client.key, rootCertFile }, secure);
  const made = new QlikTransport({
    tls,
    secure,
    timeoutMs: 10_000,
    maxResponseBytes: 1024 * 1024,
    user: { directory: 'LAB', id: 'admin' },
    log: recordingLog(),
    retryDelayMs: 1,
    ...setup,
    rootCertFile,
  });
  transports.push(made);
  return made;
}

function get(server: { host: string; port: number }, extra: Partial<HttpRequest> = {}): HttpRequest {
  return { service: 'QRS', host: server.host, port: server.port, method: 'GET', path: '/qrs/about', ...extra };
}

interface Expected {
  class: typeof QlikApiError | typeof AuthError;
  exitCode: number;
  message: string;
  hint?: string;
  code?: string;
  status?: number;
  transient?: boolean;
}

/** The request fails with exactly this error. */
async function failsWith(promise: Promise<unknown>, expected: Expected): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof QlikApiError, `a QlikApiError, got ${String(err)}`);
    assert.equal(err.constructor, expected.class, `${err.name}: ${err.message}`);
    assert.equal(err.message, expected.message);
    assert.equal(err.exitCode, expected.exitCode);
    assert.equal(err.hint, expected.hint);
    if (expected.code !== undefined) assert.equal(err.code, expected.code);
    assert.equal(err.status, expected.status);
    if (expected.transient !== undefined) assert.equal(err.transient, expected.transient);
    return true;
  });
}

/** A port on loopback that nothing listens on. */
async function closedPort(): Promise<number> {
  const server = await startServer();
  const { port } = server;
  await server.close();
  servers.splice(servers.indexOf(server), 1);
  return port;
}

const CLIENT_HINT = 'Use client.pem and client_key.pem exported from this Qlik Sense site (--auth-cert-file, --auth-cert-key-file).';
const AUTH_HINT =
  'Check that the client certificate was exported from this Qlik Sense site and that --auth-user-dir/--auth-user-id name a user that may do this.';

describe('QlikTransport: an answer', () => {
  it('sends a fresh xrfkey in query and header, the user header, and returns status and body', async () => {
    const server = await startServer({ handler: (_req, res) => res.end('{"buildVersion":"x"}') });
    const t = transport({ user: { directory: 'LAB DIR', id: 'ad;min' } });
    const first = await t.request(get(server, { query: { filter: "name eq 'a b'" } }));
    await t.request(get(server));
    assert.deepEqual(first, { status: 200, body: '{"buildVersion":"x"}', lostAnswers: 0 });
    assert.deepEqual(server.requests, ['GET /qrs/about', 'GET /qrs/about']);
    const [a, b] = server.xrfkeys;
    assert.match(a?.query ?? '', /^[0-9A-Za-z]{16}$/);
    assert.equal(a?.header, a?.query);
    assert.equal(b?.header, b?.query);
    assert.notEqual(a?.query, b?.query);
    assert.deepEqual(server.users, ['UserDirectory=LAB%20DIR; UserId=ad%3Bmin', 'UserDirectory=LAB%20DIR; UserId=ad%3Bmin']);
  });

  it('a status listed in `accept` is an answer, not an error', async () => {
    const server = await startServer({ handler: (_req, res) => res.writeHead(404).end('gone') });
    assert.deepEqual(await transport().request(get(server, { service: 'QPS', method: 'DELETE', path: '/qps/session/s1', accept: [200, 404] })), {
      status: 404,
      body: 'gone',
      lostAnswers: 0,
    });
  });
});

describe('QlikTransport: HTTP statuses → error class, exit code, message and hint', () => {
  const long = `${'x'.repeat(200)}`;
  const cases: {
    what: string;
    status: number;
    body: string;
    service?: QlikService;
    attempts: number;
    expected: (where: string, endpoint: string) => Omit<Expected, 'status'>;
  }[] = [
    {
      what: '401', status: 401, body: 'Unauthorized', attempts: 1,
      expected: (where) => ({ class: AuthError, exitCode: 4, message: `${where} was refused: HTTP 401 (Unauthorized)`, hint: AUTH_HINT, transient: false }),
    },
    {
      what: '403 without a body', status: 403, body: '', attempts: 1,
      expected: (where) => ({ class: AuthError, exitCode: 4, message: `${where} was refused: HTTP 403`, hint: AUTH_HINT, transient: false }),
    },
    {
      what: '404 from QRS names the QPS port mix-up', status: 404, body: 'Not Found', attempts: 1,
      expected: (where, endpoint) => ({
        class: QlikApiError, exitCode: 1, transient: false,
        message: `${where} failed: HTTP 404 (Not Found)`,
        hint: `QRS has these paths, so ${endpoint} may not be QRS: check that --host and --qrs-port point at the repository service (QRS, port 4242), not at a proxy node (QPS, port 4243).`,
      }),
    },
    {
      what: '404 from QPS has no hint', status: 404, body: 'Not Found', service: 'QPS', attempts: 1,
      expected: (where) => ({ class: QlikApiError, exitCode: 1, transient: false, message: `${where} failed: HTTP 404 (Not Found)`, hint: undefined }),
    },
    {
      what: '500 is not retried; its body is shortened to one line', status: 500, body: `  Internal\n\n  error ${long}`, attempts: 1,
      expected: (where) => ({
        class: QlikApiError, exitCode: 1, transient: false,
        message: `${where} failed: HTTP 500 (${`Internal error ${long}`.slice(0, 157)}...)`,
      }),
    },
    ...[502, 503, 504].map((status) => ({
      what: `${status} is retried twice`, status, body: 'busy', attempts: 3,
      expected: (where: string) => ({ class: QlikApiError, exitCode: 1, transient: true, message: `${where} failed: HTTP ${status} (busy)` }),
    })),
  ];
  for (const { what, status, body, service, attempts, expected } of cases) {
    it(`${what}: ${attempts} attempt(s)`, async () => {
      const server = await startServer({ handler: (_req, res) => res.writeHead(status).end(body) });
      const path = service === 'QPS' ? '/qps/session' : '/qrs/about';
      const where = `${service ?? 'QRS'} GET ${path} on 127.0.0.1:${server.port}`;
      await failsWith(transport().request(get(server, { service: service ?? 'QRS', path })), { ...expected(where, `127.0.0.1:${server.port}`), status });
      assert.equal(server.requests.length, attempts);
    });
  }
});

describe('QlikTransport: retries and back-off', () => {
  it('a 503 twice, then an answer: three attempts, the delay doubling, each logged with its number', async () => {
    let n = 0;
    const server = await startServer({ handler: (_req, res) => (++n <= 2 ? res.writeHead(503).end() : res.end('ok')) });
    const log = recordingLog();
    const answer = await transport({ log, retryDelayMs: 5 }).request(get(server));
    assert.deepEqual(answer, { status: 200, body: 'ok', lostAnswers: 0 });
    assert.equal(server.requests.length, 3);
    const where = `QRS GET /qrs/about on 127.0.0.1:${server.port}`;
    assert.deepEqual(
      log.lines.filter((line) => line.startsWith('verbose:')),
      [`verbose: ${where} failed: HTTP 503; retrying in 5 ms (attempt 2 of 3)`, `verbose: ${where} failed: HTTP 503; retrying in 10 ms (attempt 3 of 3)`],
    );
    assert.equal(new Set(server.xrfkeys.map((k) => k.query)).size, 3, 'a new xrfkey for each attempt');
  });

  it('`retries: 0` makes one attempt', async () => {
    const server = await startServer({ handler: (_req, res) => res.writeHead(503).end() });
    await assert.rejects(transport({ retries: 0 }).request(get(server)), QlikApiError);
    assert.equal(server.requests.length, 1);
  });

  it('`retries: 4` makes five attempts', async () => {
    const server = await startServer({ handler: (_req, res) => res.writeHead(502).end() });
    await assert.rejects(transport({ retries: 4 }).request(get(server)), QlikApiError);
    assert.equal(server.requests.length, 5);
  });

  it('connections reset twice, then an answer: both lost attempts are counted for the caller', async () => {
    let n = 0;
    const server = await startServer({ handler: (req, res) => (++n <= 2 ? req.socket.destroy() : res.end('null')) });
    const answer = await transport().request(get(server, { service: 'QPS', method: 'DELETE', path: '/qps/session/s1' }));
    assert.deepEqual(answer, { status: 200, body: 'null', lostAnswers: 2 });
    assert.equal(server.requests.length, 3);
  });

  it('a host that answered once and then resets every attempt: a network failure, exit 1', async () => {
    let n = 0;
    const server = await startServer({ handler: (req, res) => (++n === 1 ? res.end('[]') : req.socket.destroy()) });
    const t = transport();
    await t.request(get(server));
    await failsWith(t.request(get(server, { path: '/qrs/proxyservice' })), {
      class: QlikApiError,
      exitCode: 1,
      code: 'ECONNRESET',
      transient: true,
      message: `connection to QRS at 127.0.0.1:${server.port} was reset (GET /qrs/proxyservice)`,
    });
    assert.equal(server.requests.length, 4);
  });

  it('a host that never answered and resets every attempt: the client certificate was refused, exit 4', async () => {
    const server = await startServer({ handler: (req) => req.socket.destroy() });
    await failsWith(transport().request(get(server)), {
      class: AuthError,
      exitCode: 4,
      code: 'ECONNRESET',
      transient: false,
      message: `connection to QRS at 127.0.0.1:${server.port} was reset (GET /qrs/about) on every attempt, right after the TLS handshake: QRS most likely rejected the client certificate`,
      hint: CLIENT_HINT,
    });
    assert.equal(server.requests.length, 3);
  });
});

describe('QlikTransport: network failures', () => {
  it('connection refused: exit 1, not retried, with the service and port named', async () => {
    const port = await closedPort();
    await failsWith(transport().request(get({ host: '127.0.0.1', port }, { service: 'QPS', path: '/qps/session' })), {
      class: QlikApiError,
      exitCode: 1,
      code: 'ECONNREFUSED',
      transient: false,
      message: `cannot connect to QPS at 127.0.0.1:${port}: connection refused`,
      hint: 'Check that the QPS service is running on 127.0.0.1 and that the port is right.',
    });
  });

  it('no answer within the timeout: exit 1, not retried, the timeout named in seconds', async () => {
    const server = await startServer({ handler: () => undefined });
    await failsWith(transport({ timeoutMs: 300 }).request(get(server)), {
      class: QlikApiError,
      exitCode: 1,
      code: 'ETIMEDOUT',
      transient: false,
      message: `no answer from QRS at 127.0.0.1:${server.port} within 0.3 s (GET /qrs/about)`,
      hint: 'Raise --timeout, or check the network path to that host.',
    });
    assert.equal(server.requests.length, 1);
  });

  it('an answer larger than --max-response-size: exit 1, not read further', async () => {
    const server = await startServer({ handler: (_req, res) => res.end('x'.repeat(3 * 1024 * 1024)) });
    await failsWith(transport({ maxResponseBytes: 1.5 * 1024 * 1024 }).request(get(server)), {
      class: QlikApiError,
      exitCode: 1,
      code: 'ETOOLARGE',
      transient: false,
      message: `the answer of QRS at 127.0.0.1:${server.port} to GET /qrs/about is larger than 1.5 MiB: not read further`,
      hint: 'Raise --max-response-size if this site really sends answers that large.',
    });
    assert.equal(server.requests.length, 1);
  });

  it('a small gzip that inflates past --max-response-size is stopped the same way', async () => {
    const bomb = gzipSync(Buffer.alloc(4 * 1024 * 1024, 0x20));
    const server = await startServer({ handler: (_req, res) => res.writeHead(200, { 'Content-Encoding': 'gzip' }).end(bomb) });
    assert.ok(bomb.length < 64 * 1024);
    await failsWith(transport({ maxResponseBytes: 2 * 1024 * 1024 }).request(get(server)), {
      class: QlikApiError,
      exitCode: 1,
      code: 'ETOOLARGE',
      message: `the answer of QRS at 127.0.0.1:${server.port} to GET /qrs/about is larger than 2 MiB: not read further`,
      hint: 'Raise --max-response-size if this site really sends answers that large.',
    });
  });

  it('a body that claims gzip but is not: exit 1, not retried', async () => {
    const server = await startServer({ handler: (_req, res) => res.writeHead(200, { 'Content-Encoding': 'gzip' }).end('plain text, no gzip') });
    await failsWith(transport().request(get(server)), {
      class: QlikApiError,
      exitCode: 1,
      code: 'EDECOMPRESS',
      transient: false,
      message: `QRS request to 127.0.0.1:${server.port} failed: the answer could not be decompressed: incorrect header check`,
    });
    assert.equal(server.requests.length, 1);
  });
});

describe('QlikTransport: TLS failures → AuthError, exit 4, never retried', () => {
  it('a server certificate from another CA than the root file', async () => {
    const server = await startServer();
    await failsWith(transport({ rootCertFile: foreign.paths.root }).request(get(server)), {
      class: AuthError,
      exitCode: 4,
      code: 'SELF_SIGNED_CERT_IN_CHAIN',
      message: `the server certificate of QRS at 127.0.0.1:${server.port} is not trusted: self-signed certificate in certificate chain`,
      hint: `It is not signed by ${foreign.paths.root}. Use the root.pem exported from this site with --auth-root-cert-file, or skip the check with --secure false.`,
    });
    assert.equal(server.requests.length, 0);
  });

  it('a self-signed server certificate', async () => {
    const server = await startServer({ tls: selfSigned });
    await failsWith(transport().request(get(server)), {
      class: AuthError,
      exitCode: 4,
      code: 'DEPTH_ZERO_SELF_SIGNED_CERT',
      message: `the server certificate of QRS at 127.0.0.1:${server.port} is not trusted: self-signed certificate`,
      hint: `It is not signed by ${site.paths.root}. Use the root.pem exported from this site with --auth-root-cert-file, or skip the check with --secure false.`,
    });
  });

  it('a CA certificate used as server certificate', async () => {
    const server = await startServer({ tls: { cert: site.pem.root, key: site.pem.rootKey } });
    await failsWith(transport().request(get(server)), {
      class: AuthError,
      exitCode: 4,
      code: 'INVALID_PURPOSE',
      message: `the server certificate of QRS at 127.0.0.1:${server.port} is not trusted: unsuitable certificate purpose`,
      hint: `It is not signed by ${site.paths.root}. Use the root.pem exported from this site with --auth-root-cert-file, or skip the check with --secure false.`,
    });
  });

  it('--secure false accepts a self-signed certificate', async () => {
    const server = await startServer({ tls: selfSigned });
    assert.equal((await transport({ secure: false }).request(get(server))).status, 200);
  });

  it('a host name the certificate does not cover names the ones it does', async () => {
    const server = await startServer({ host: '127.0.0.2' });
    await failsWith(transport().request(get(server)), {
      class: AuthError,
      exitCode: 4,
      code: 'ERR_TLS_CERT_ALTNAME_INVALID',
      message: `host name '127.0.0.2' is not in the server certificate of QRS at 127.0.0.2:${server.port}; the certificate covers localhost, 127.0.0.1`,
      hint: 'Connect with a name the certificate covers (for proxy nodes, the host names QRS lists), or skip the check with --secure false.',
    });
    assert.equal(server.requests.length, 0);
  });

  it('a certificate without alternative names is named by its common name', async () => {
    const server = await startServer({ tls: commonNameOnly });
    await failsWith(transport().request(get(server)), {
      class: AuthError,
      exitCode: 4,
      code: 'ERR_TLS_CERT_ALTNAME_INVALID',
      message: `host name '127.0.0.1' is not in the server certificate of QRS at 127.0.0.1:${server.port}; the certificate covers qlik-node`,
      hint: 'Connect with a name the certificate covers (for proxy nodes, the host names QRS lists), or skip the check with --secure false.',
    });
  });

  it('an expired server certificate', async () => {
    const server = await startServer({ tls: { cert: readFileSync(expired.cert, 'utf8'), key: readFileSync(expired.key, 'utf8') } });
    await failsWith(transport().request(get(server)), {
      class: AuthError,
      exitCode: 4,
      code: 'CERT_HAS_EXPIRED',
      message: `the server certificate of QRS at 127.0.0.1:${server.port} has expired`,
      hint: "Renew the certificates of that Qlik Sense node (or check this machine's clock), or skip the check with --secure false.",
    });
  });

  it('a server certificate not valid yet', async () => {
    const server = await startServer({ tls: { cert: readFileSync(notYetValid.cert, 'utf8'), key: readFileSync(notYetValid.key, 'utf8') } });
    await failsWith(transport().request(get(server)), {
      class: AuthError,
      exitCode: 4,
      code: 'CERT_NOT_YET_VALID',
      message: `the server certificate of QRS at 127.0.0.1:${server.port} is not valid yet`,
      hint: 'Its validity starts in the future: check the clock of this machine and of the Qlik Sense node.',
    });
  });

  it('a client certificate refused by a Node.js server (it closes the connection): reset on every attempt, exit 4', async () => {
    const server = await startServer();
    await failsWith(transport({ client: { cert: foreign.paths.client, key: foreign.paths.clientKey } }).request(get(server)), {
      class: AuthError,
      exitCode: 4,
      code: 'ECONNRESET',
      message: `connection to QRS at 127.0.0.1:${server.port} was reset (GET /qrs/about) on every attempt, right after the TLS handshake: QRS most likely rejected the client certificate`,
      hint: CLIENT_HINT,
    });
    assert.equal(server.requests.length, 0);
  });

  it('TLS 1.3: a client certificate refused with an alert (ERR_SSL_TLSV1_ALERT_UNKNOWN_CA)', async () => {
    const server = await startOpensslServer('-tls1_3');
    await failsWith(transport({ client: { cert: foreign.paths.client, key: foreign.paths.clientKey } }).request(get(server)), {
      class: AuthError,
      exitCode: 4,
      code: 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA',
      message: `QRS at 127.0.0.1:${server.port} rejected the TLS connection (ERR_SSL_TLSV1_ALERT_UNKNOWN_CA)`,
      hint: 'The client certificate was refused: use client.pem and client_key.pem exported from this site (--auth-cert-file, --auth-cert-key-file).',
    });
  });

  it('TLS 1.2: a client certificate refused with an alert (Node reports EPROTO "tlsv1 alert unknown ca")', async () => {
    const server = await startOpensslServer('-tls1_2');
    await failsWith(transport({ client: { cert: foreign.paths.client, key: foreign.paths.clientKey } }).request(get(server)), {
      class: AuthError,
      exitCode: 4,
      code: 'EPROTO',
      message: `QRS at 127.0.0.1:${server.port} rejected the TLS connection (TLS alert "unknown ca")`,
      hint: 'The client certificate was refused: use client.pem and client_key.pem exported from this site (--auth-cert-file, --auth-cert-key-file).',
    });
  });

  it('the site client certificate is accepted by that same server', async () => {
    const server = await startOpensslServer('-tls1_3');
    assert.equal((await transport().request(get(server))).status, 200);
  });

  it('a server offering only TLS 1.1 or older', async () => {
    const server = await startServer({ tls: { minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT:@SECLEVEL=0' } });
    await failsWith(transport().request(get(server)), {
      class: AuthError,
      exitCode: 4,
      message: `QRS at 127.0.0.1:${server.port} offers only TLS versions older than 1.2, which Node.js refuses`,
      hint: 'Enable TLS 1.2 or 1.3 on the Qlik Sense server (TLS 1.0 and 1.1 are obsolete); ctrl-q does not lower its minimum.',
    });
  });
});

describe('QlikTransport: cancellation through the AbortSignal', () => {
  const cancelled = (port: number): Expected => ({
    class: QlikApiError,
    exitCode: 1,
    code: 'ECANCELED',
    transient: false,
    message: `QRS request to 127.0.0.1:${port} was cancelled`,
  });

  it('a signal aborted before the request: nothing is sent', async () => {
    const server = await startServer();
    await failsWith(transport().request(get(server, { signal: AbortSignal.abort() })), cancelled(server.port));
    assert.equal(server.requests.length, 0);
  });

  it('aborted while waiting for the answer: the request ends at once, without a retry', async () => {
    const controller = new AbortController();
    const server = await startServer({ handler: () => controller.abort() });
    await failsWith(transport().request(get(server, { signal: controller.signal })), cancelled(server.port));
    assert.equal(server.requests.length, 1);
  });

  // A minute's delay and a 20 s guard against a hang: the test passes only if the abort cuts it short.
  it('aborted during the back-off before a retry: no further attempt', { timeout: 20_000 }, async () => {
    const controller = new AbortController();
    const server = await startServer({ handler: (_req, res) => res.writeHead(503).end() });
    // The retry is announced just before the back-off starts: abort once it has.
    const log = recordingLog((level, message) => {
      if (level === 'verbose' && message.includes('retrying in')) setImmediate(() => controller.abort());
    });
    await failsWith(transport({ log, retryDelayMs: 60_000 }).request(get(server, { signal: controller.signal })), cancelled(server.port));
    assert.equal(server.requests.length, 1);
  });
});
