import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { statSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { makeTempForeignCerts, type ForeignCerts } from '../helpers/certs.js';
import { rawRequest, simRequest, simTls } from '../helpers/qlik-request.js';
import { loadScenario } from '../simulator/scenario.js';
import { startSimulator, USER_BODY, XSRF_BODY, type Simulator } from '../simulator/server.js';

let sim: Simulator;
let foreign: ForeignCerts & { cleanup(): void };

before(async () => {
  [sim, foreign] = await Promise.all([startSimulator({ scenario: loadScenario('seed') }), makeTempForeignCerts()]);
});
after(async () => {
  await sim.stop();
  foreign.cleanup();
});

/** TLS 1.3 reports a missing/refused client cert after the handshake, so several codes are possible. */
/**
 * How a Node.js TLS server refuses a client certificate, one way per case. With no certificate at all,
 * OpenSSL itself ends the TLS 1.3 handshake with a "certificate required" alert. A certificate from
 * another CA passes OpenSSL (Node verifies it afterwards) and Node then closes the socket without an
 * alert: the client sees an end without an answer, "socket hang up", code ECONNRESET.
 */
const refusedWithoutCertificate = (err: unknown): boolean => (err as { code?: unknown }).code === 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED';
const closedAfterHandshake = (err: unknown): boolean => (err as { code?: unknown }).code === 'ECONNRESET' && (err as Error).message === 'socket hang up';

const targets = (): { name: string; host: string; port: number }[] => [
  { name: 'qrs', host: sim.qrs.host, port: sim.qrs.port },
  ...sim.nodes.map((n) => ({ name: n.name, host: n.address, port: n.port })),
];

describe('certificates', () => {
  it('writes QMC export names, PKCS#8 keys with mode 0600, and a Qlik-like chain', () => {
    const { pem, paths } = sim.siteCerts;
    assert.match(pem.clientKey, /^-----BEGIN PRIVATE KEY-----/);
    for (const key of [paths.clientKey, paths.serverKey, paths.rootKey]) assert.equal(statSync(key).mode & 0o777, 0o600);
    assert.ok(paths.root.endsWith('/root.pem') && paths.client.endsWith('/client.pem') && paths.clientKey.endsWith('/client_key.pem'));
    const root = new X509Certificate(pem.root);
    const client = new X509Certificate(pem.client);
    const server = new X509Certificate(pem.server);
    assert.equal(root.ca, true);
    assert.match(root.subject, /CN=pro2-win1-CA/);
    assert.match(client.subject, /CN=QlikClient/);
    assert.ok(client.verify(root.publicKey) && server.verify(root.publicKey));
    for (const n of sim.nodes) assert.ok(server.checkIP(n.address), n.address);
    assert.ok(server.checkIP('127.0.0.1'));
    assert.ok(server.checkHost('localhost'));
    assert.deepEqual(sim.certs, { root: paths.root, client: paths.client, clientKey: paths.clientKey });
  });
});

describe('mutual TLS on QRS and every QPS node', () => {
  it('accepts the site client certificate', async () => {
    for (const t of targets()) {
      const path = t.name === 'qrs' ? '/qrs/about' : '/qps/finance/session';
      const res = await simRequest(sim, t.name, { path });
      assert.equal(res.status, 200, t.name);
    }
  });

  it('rejects a client without a certificate', async () => {
    for (const t of targets()) {
      await assert.rejects(
        rawRequest({ host: t.host, port: t.port, path: '/qrs/about?xrfkey=abcdefghij987654', tls: { ca: sim.siteCerts.pem.root } }),
        refusedWithoutCertificate,
        t.name,
      );
    }
  });

  it('rejects a client certificate issued by another CA', async () => {
    for (const t of targets()) {
      await assert.rejects(
        rawRequest({
          host: t.host,
          port: t.port,
          path: '/qrs/about?xrfkey=abcdefghij987654',
          tls: { ca: sim.siteCerts.pem.root, cert: foreign.pem.client, key: foreign.pem.clientKey },
        }),
        closedAfterHandshake,
        t.name,
      );
    }
  });

  it('a client trusting another root refuses the server: "unable to verify the first certificate"', async () => {
    for (const t of targets()) {
      await assert.rejects(
        rawRequest({ host: t.host, port: t.port, path: '/qrs/about', tls: { ...simTls(sim), ca: foreign.pem.root } }),
        (err: unknown) => (err as { code?: unknown }).code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
        t.name,
      );
    }
  });

  it("serverChain 'with-root' sends the root too (SELF_SIGNED_CERT_IN_CHAIN)", async () => {
    const other = await startSimulator({ scenario: loadScenario('seed'), serverChain: 'with-root', certDir: sim.certDir });
    try {
      await assert.rejects(
        rawRequest({ host: other.qrs.host, port: other.qrs.port, path: '/qrs/about', tls: { ...simTls(other), ca: foreign.pem.root } }),
        (err: unknown) => (err as { code?: unknown }).code === 'SELF_SIGNED_CERT_IN_CHAIN',
      );
      const ok = await simRequest(other, 'qrs', { path: '/qrs/about' });
      assert.equal(ok.status, 200);
    } finally {
      await other.stop();
    }
  });

  it('certificates in a given certDir are reused and kept on stop', async () => {
    const other = await startSimulator({ scenario: loadScenario('seed'), certDir: sim.certDir });
    await other.stop();
    assert.equal(other.siteCerts.pem.root, sim.siteCerts.pem.root);
    assert.equal(statSync(sim.certs.root).isFile(), true);
  });
});

describe('xrfkey', () => {
  const cases: { name: string; xrfkey?: string | null; headerXrfkey?: string | null; xrfkeyParam?: string; ok: boolean }[] = [
    { name: 'valid key', xrfkey: 'abcdefghij987654', ok: true },
    { name: 'query name Xrfkey (capital X)', xrfkey: 'ABCDEFGHIJ987654', xrfkeyParam: 'Xrfkey', ok: true },
    { name: 'query name XRFKEY', xrfkey: 'ABCDEFGHIJ987654', xrfkeyParam: 'XRFKEY', ok: true },
    { name: 'missing in both', xrfkey: null, ok: false },
    { name: 'missing header', xrfkey: 'abcdefghij987654', headerXrfkey: null, ok: false },
    { name: 'missing query', xrfkey: null, headerXrfkey: 'abcdefghij987654', ok: false },
    { name: 'mismatch', xrfkey: 'abcdefghij987654', headerXrfkey: 'abcdefghij987655', ok: false },
    { name: 'case differs', xrfkey: 'abcdefghij987654', headerXrfkey: 'ABCDEFGHIJ987654', ok: false },
    { name: 'too short', xrfkey: 'abcdefghij98765', ok: false },
    { name: 'too long', xrfkey: 'abcdefghij9876543', ok: false },
    { name: 'bad characters', xrfkey: 'abcdefghij98765-', ok: false },
    { name: 'underscore', xrfkey: 'abcdefghij_87654', ok: false },
  ];
  for (const c of cases) {
    it(`${c.name} → ${c.ok ? '200' : '403'}`, async () => {
      for (const [target, path] of [['qrs', '/qrs/about'], ['Central', '/qps/session']] as const) {
        const res = await simRequest(sim, target, { path, xrfkey: c.xrfkey, headerXrfkey: c.headerXrfkey, xrfkeyParam: c.xrfkeyParam });
        if (c.ok) {
          assert.equal(res.status, 200, `${target}: ${res.text}`);
        } else {
          assert.equal(res.status, 403, target);
          assert.equal(res.text, XSRF_BODY);
        }
      }
    });
  }
});

describe('X-Qlik-User', () => {
  it('missing → 403 with a short plain-text body', async () => {
    for (const [target, path] of [['qrs', '/qrs/about'], ['dev1', '/qps/finance/session']] as const) {
      const res = await simRequest(sim, target, { path, user: null });
      assert.equal(res.status, 403);
      assert.equal(res.text, USER_BODY);
      assert.match(String(res.headers['content-type']), /^text\/plain/);
    }
  });

  it('malformed → 403', async () => {
    for (const user of ['UserDirectory:Internal;UserId:sa_repository', 'UserDirectory=INTERNAL', 'UserId=sa_api', '', 'garbage']) {
      const res = await simRequest(sim, 'qrs', { path: '/qrs/about', user });
      assert.equal(res.status, 403, user);
    }
  });

  it('accepts both "; " and ";" spacing', async () => {
    for (const user of ['UserDirectory=INTERNAL; UserId=sa_api', 'UserDirectory=INTERNAL;UserId=sa_api', 'UserDirectory=LAB;UserId=goran']) {
      const res = await simRequest(sim, 'qrs', { path: '/qrs/about', user });
      assert.equal(res.status, 200, user);
      const q = await simRequest(sim, 'Central', { path: '/qps/session', user });
      assert.equal(q.status, 200, user);
    }
  });

  it('xrfkey is checked first', async () => {
    const res = await simRequest(sim, 'qrs', { path: '/qrs/about', user: null, xrfkey: null });
    assert.equal(res.text, XSRF_BODY);
  });
});
