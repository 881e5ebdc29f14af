/**
 * Issue 11 item 7 and issue 12 item 6: the client certificate's dates checked before connecting,
 * servers that offer only TLS 1.0/1.1, expired and not-yet-valid server certificates, a .pfx whose
 * CA must not widen the trust of --auth-root-cert-file, and files others can read.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getArgs, runCli, type CliResult } from '../helpers/cli.js';
import { generateDatedCertAsync, generateForeignClientCert } from '../simulator/certs.js';
import { loadScenario } from '../simulator/scenario.js';
import { startSimulator, type Simulator } from '../simulator/server.js';

const DAY = 86_400_000;
let sim: Simulator;
let dir: string;

before(async () => {
  sim = await startSimulator({ scenario: loadScenario('seed') });
  dir = mkdtempSync(join(tmpdir(), 'ctrlq-tls-'));
});

after(async () => {
  await sim.stop();
  rmSync(dir, { recursive: true, force: true });
});

function noStack(result: CliResult): void {
  assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
}

/** session-get on the simulator with some connection options replaced. */
function args(replace: Record<string, string>, ...extra: string[]): string[] {
  const base = sim.cliArgs();
  const out: string[] = [];
  for (let i = 0; i < base.length; i += 2) {
    const flag = base[i] as string;
    if (!(flag in replace)) out.push(flag, base[i + 1] as string);
  }
  for (const [flag, value] of Object.entries(replace)) out.push(flag, value);
  return ['qseow', 'session-get', ...out, ...extra];
}

function iso(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const siteRoot = (): { cert: string; key: string } => ({ cert: sim.siteCerts.paths.root, key: sim.siteCerts.paths.rootKey });

function pfx(out: string, cert: string, key: string, extra?: string): string {
  execFileSync('openssl', ['pkcs12', '-export', '-in', cert, '-inkey', key, ...(extra ? ['-certfile', extra] : []), '-out', out, '-passout', 'pass:'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  chmodSync(out, 0o600);
  return out;
}

describe('the client certificate is checked before connecting', () => {
  const notBefore = new Date('2020-01-01T00:00:00Z');
  const notAfter = new Date('2020-02-01T00:00:00Z');

  it('expired: exit 4 naming the file and the date, nothing sent', async () => {
    const expired = await generateDatedCertAsync(join(dir, 'expired'), siteRoot(), { kind: 'client', notBefore, notAfter });
    sim.clearRequests();
    const r = await runCli(args({ '--auth-cert-file': expired.cert, '--auth-cert-key-file': expired.key }));
    assert.equal(r.code, 4, r.stderr);
    assert.equal(
      r.stderr,
      `error: --auth-cert-file: the client certificate in ${expired.cert} expired on 2020-02-01T00:00:00Z\n` +
        'Export a new client certificate from the QMC (Certificates) for this machine.\n',
    );
    assert.equal(sim.requests.length, 0);
  });

  it('expired inside a .pfx: exit 4 naming the .pfx', async () => {
    const expired = await generateDatedCertAsync(join(dir, 'expired-pfx'), siteRoot(), { kind: 'client', notBefore, notAfter });
    const file = pfx(join(dir, 'expired.pfx'), expired.cert, expired.key);
    sim.clearRequests();
    const r = await runCli(args({ '--auth-cert-pfx-file': file }));
    assert.equal(r.code, 4, r.stderr);
    assert.match(r.stderr, new RegExp(`^error: --auth-cert-pfx-file: the client certificate in ${file} expired on 2020-02-01T00:00:00Z\n`));
    assert.equal(sim.requests.length, 0);
  });

  it('not yet valid: exit 4 naming the date it starts, nothing sent', async () => {
    const from = new Date(Math.floor((Date.now() + 10 * DAY) / 1000) * 1000);
    const future = await generateDatedCertAsync(join(dir, 'future'), siteRoot(), { kind: 'client', notBefore: from, notAfter: new Date(from.getTime() + 90 * DAY) });
    sim.clearRequests();
    const r = await runCli(args({ '--auth-cert-file': future.cert, '--auth-cert-key-file': future.key }));
    assert.equal(r.code, 4, r.stderr);
    assert.match(r.stderr, new RegExp(`^error: --auth-cert-file: the client certificate in ${future.cert} is not valid until ${iso(from)}\n`));
    noStack(r);
    assert.equal(sim.requests.length, 0);
  });

  it('expiring within 30 days: a warning, and the run goes on', async () => {
    const until = new Date(Math.floor((Date.now() + 10 * DAY + 3_600_000) / 1000) * 1000);
    const soon = await generateDatedCertAsync(join(dir, 'soon'), siteRoot(), { kind: 'client', notBefore: new Date(Date.now() - DAY), notAfter: until });
    const r = await runCli(args({ '--auth-cert-file': soon.cert, '--auth-cert-key-file': soon.key }));
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(`^warn: the client certificate in ${soon.cert} expires on ${iso(until)} \\(in 10 days\\): export a new one from the QMC before then\n`),
    );
  });

  it('valid for longer than 30 days: no warning', async () => {
    const r = await runCli(getArgs(sim.cliArgs()));
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /expires on/);
  });
});

describe('TLS versions', () => {
  let old: Server;
  let port = 0;
  before(async () => {
    // A server that offers only TLS 1.0 and 1.1 (SECLEVEL=0: OpenSSL 3 refuses their SHA-1 otherwise).
    old = createServer(
      { key: sim.siteCerts.pem.serverKey, cert: sim.siteCerts.pem.server, minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT:@SECLEVEL=0' },
      (_req, res) => res.end('[]'),
    );
    await new Promise<void>((resolve) => old.listen(0, '127.0.0.1', resolve));
    const address = old.address();
    port = typeof address === 'object' && address ? address.port : 0;
  });
  after(async () => {
    await new Promise<void>((resolve) => old.close(() => resolve()));
  });

  it('a server offering only TLS 1.0/1.1: exit 4 with a hint', async () => {
    const r = await runCli(args({ '--qrs-port': String(port) }));
    assert.equal(r.code, 4, r.stderr);
    assert.equal(
      r.stderr,
      `error: QRS at 127.0.0.1:${port} offers only TLS versions older than 1.2, which Node.js refuses\n` +
        'Enable TLS 1.2 or 1.3 on the Qlik Sense server (TLS 1.0 and 1.1 are obsolete); ctrl-q does not lower its minimum.\n',
    );
  });
});

describe('server certificates outside their validity', () => {
  for (const [name, window, message, hint] of [
    [
      'expired',
      { notBefore: new Date('2020-01-01T00:00:00Z'), notAfter: new Date('2020-02-01T00:00:00Z') },
      'has expired',
      "Renew the certificates of that Qlik Sense node (or check this machine's clock), or skip the check with --secure false.",
    ],
    [
      'not yet valid',
      { notBefore: new Date(Date.now() + 10 * DAY), notAfter: new Date(Date.now() + 100 * DAY) },
      'is not valid yet',
      'Its validity starts in the future: check the clock of this machine and of the Qlik Sense node.',
    ],
  ] as const) {
    it(`${name}: exit 4 with a hint`, async () => {
      const dated = await startSimulator({ scenario: loadScenario('seed'), serverCertValidity: window });
      try {
        const r = await runCli(getArgs(dated.cliArgs()));
        assert.equal(r.code, 4, r.stderr);
        assert.match(r.stderr, new RegExp(`error: the server certificate of QRS at 127\\.0\\.0\\.1:${dated.qrs.port} ${message}\n`));
        assert.ok(r.stderr.endsWith(`${hint}\n`), r.stderr);
      } finally {
        await dated.stop();
      }
    });
  }
});

describe('trust comes from --auth-root-cert-file alone', () => {
  it("a CA inside the .pfx is not trusted in addition to the root file: exit 4", async () => {
    const foreign = generateForeignClientCert(join(dir, 'foreign'));
    // The site's own client certificate, key and root in one .pfx; the root file is another CA.
    const file = pfx(join(dir, 'with-site-root.pfx'), sim.siteCerts.paths.client, sim.siteCerts.paths.clientKey, sim.siteCerts.paths.root);
    const r = await runCli(args({ '--auth-cert-pfx-file': file, '--auth-root-cert-file': foreign.paths.root }));
    assert.equal(r.code, 4, r.stderr);
    assert.match(
      r.stderr,
      /error: the server certificate of QRS at 127\.0\.0\.1:\d+ is not trusted: the server certificate is not signed by the root certificate file \(a CA inside the \.pfx is not trusted\)\n/,
    );
    noStack(r);
    // The same .pfx with the site's root file works.
    const ok = await runCli(args({ '--auth-cert-pfx-file': file }));
    assert.equal(ok.code, 0, ok.stderr);
  });
});

describe('files other users can read', () => {
  it('a passphrase file readable by others: a warning', async () => {
    const key = join(dir, 'enc-key.pem');
    execFileSync('openssl', ['pkcs8', '-topk8', '-v2', 'aes-256-cbc', '-in', sim.siteCerts.paths.clientKey, '-out', key, '-passout', 'pass:pw'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    chmodSync(key, 0o600);
    const pass = join(dir, 'pass.txt');
    writeFileSync(pass, 'pw\n');
    chmodSync(pass, 0o644);
    const loose = await runCli(args({ '--auth-cert-key-file': key, '--auth-cert-passphrase-file': pass }));
    assert.equal(loose.code, 0, loose.stderr);
    assert.match(loose.stderr, new RegExp(`warn: passphrase file ${pass} is readable by other users \\(mode 644\\); run: chmod 600 ${pass}\n`));
    chmodSync(pass, 0o600);
    const tight = await runCli(args({ '--auth-cert-key-file': key, '--auth-cert-passphrase-file': pass }));
    assert.equal(tight.code, 0, tight.stderr);
    assert.doesNotMatch(tight.stderr, /readable by other users/);
  });

  it('an existing log file readable by others: a warning (a new one is created readable by its owner only)', async () => {
    const log = join(dir, 'ctrl-q.log');
    const created = await runCli(getArgs(sim.cliArgs(), '--log-file', log));
    assert.equal(created.code, 0, created.stderr);
    assert.doesNotMatch(created.stderr, /readable by other users/);
    chmodSync(log, 0o644);
    const r = await runCli(getArgs(sim.cliArgs(), '--log-file', log));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`warn: log file ${log} is readable by other users \\(mode 644\\); run: chmod 600 ${log}\n`));
  });
});

describe('secrets stay out of every log level (kept from issue 12)', () => {
  it('no key or certificate text on stdout, stderr or in the log file, at each level, with a failing node', async () => {
    const secrets = [
      sim.siteCerts.pem.clientKey.split('\n')[1] as string,
      sim.siteCerts.pem.client.split('\n')[1] as string,
      sim.siteCerts.pem.root.split('\n')[1] as string,
      'PRIVATE KEY',
      'BEGIN CERTIFICATE',
    ];
    await sim.setFault('dev1', { kind: 'status', status: 500, body: 'boom' });
    try {
      for (const level of ['error', 'warn', 'info', 'verbose', 'debug', 'silly']) {
        const log = join(dir, `secrets-${level}.log`);
        const r = await runCli(getArgs(sim.cliArgs(), '--log-level', level, '--log-file', log));
        assert.equal(r.code, 3, r.stderr);
        const all = r.stdout + r.stderr + readFileSync(log, 'utf8');
        assert.match(all, /HTTP 500/, `${level}: the failure was logged`);
        for (const secret of secrets) assert.ok(!all.includes(secret), `${level}: leaked ${secret.slice(0, 20)}`);
      }
    } finally {
      await sim.setFault('dev1', undefined);
    }
  });
});
