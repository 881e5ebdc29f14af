/**
 * The TLS material read before anything is sent: every format, every unreadable or wrong file with
 * its exact message, and the material kept out of logs (util.inspect and JSON.stringify).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { inspect } from 'node:util';
import { CliError, UsageError } from '../../src/errors.js';
import { loadTlsMaterial, type CertificateFiles } from '../../src/qlik/tls.js';
import { makeTempSiteCerts, type SiteCerts } from '../helpers/certs.js';

let certs: SiteCerts & { cleanup(): void };
let dir: string;
let files: CertificateFiles;
const PASSWORD = 'pfx-secret';

const openssl = (...args: string[]): void => {
  execFileSync('openssl', args, { stdio: 'ignore' });
};

before(async () => {
  certs = await makeTempSiteCerts();
  dir = join(certs.dir, 'extra');
  mkdirSync(dir);
  const { client, clientKey, root } = certs.paths;
  files = { certFile: client, keyFile: clientKey, rootCertFile: root };
  openssl('pkcs12', '-export', '-in', client, '-inkey', clientKey, '-out', join(dir, 'client.pfx'), '-passout', `pass:${PASSWORD}`);
  openssl('rsa', '-in', clientKey, '-aes256', '-passout', `pass:${PASSWORD}`, '-out', join(dir, 'encrypted.pem'));
  openssl('rsa', '-in', clientKey, '-traditional', '-out', join(dir, 'pkcs1.pem'));
  writeFileSync(join(dir, 'corrupt.pem'), '-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n');
  writeFileSync(join(dir, 'text.txt'), 'hello\n');
  writeFileSync(join(dir, 'garbage.pfx'), 'this is no PKCS#12 file');
  writeFileSync(join(dir, 'locked.pem'), certs.pem.client);
  chmodSync(join(dir, 'locked.pem'), 0o000);
  // Other users may walk to the files (the EACCES case runs as `nobody` when the tests run as root).
  for (const folder of [certs.dir, dir]) chmodSync(folder, 0o755);
  for (const f of ['client.pfx', 'encrypted.pem', 'pkcs1.pem']) chmodSync(join(dir, f), 0o600);
  chmodSync(clientKey, 0o600);
});
after(() => certs.cleanup());

function usage(message: string): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof UsageError, `a UsageError, got ${String(err)}`);
    assert.equal(err.message, message);
    assert.equal(err.exitCode, 2);
    return true;
  };
}

describe('loadTlsMaterial: the formats it reads', () => {
  it('PEM certificate and PKCS#8 key, with the root', () => {
    const material = loadTlsMaterial(files, true);
    // The files as they are on disk, nothing added or lost.
    assert.equal(material.cert, readFileSync(files.certFile, 'utf8'));
    assert.equal(material.ca, readFileSync(files.rootCertFile, 'utf8'));
    assert.deepEqual(material.warnings, []);
    assert.ok(material.secureContext());
  });

  it('a PKCS#1 key', () => {
    assert.ok(loadTlsMaterial({ ...files, keyFile: join(dir, 'pkcs1.pem') }, true).key?.includes('BEGIN RSA PRIVATE KEY'));
  });

  it('an encrypted key with its password', () => {
    assert.ok(loadTlsMaterial({ ...files, keyFile: join(dir, 'encrypted.pem'), passphrase: PASSWORD }, true).key);
  });

  it('a .pfx with its password; no root file needed when --secure is on', () => {
    const material = loadTlsMaterial({ ...files, rootCertFile: join(dir, 'none.pem'), pfxFile: join(dir, 'client.pfx'), passphrase: PASSWORD }, true);
    assert.ok(material.pfx);
    assert.equal(material.ca, undefined);
  });

  it('with --secure false a missing root file is not read', () => {
    assert.equal(loadTlsMaterial({ ...files, rootCertFile: join(dir, 'none.pem') }, false).ca, undefined);
  });
});

describe('loadTlsMaterial: each file that cannot be used, with its exact message', () => {
  const cases: [string, () => Partial<CertificateFiles>, () => string][] = [
    ['a missing certificate', () => ({ certFile: join(dir, 'none.pem') }), () => `--auth-cert-file: file not found: ${join(dir, 'none.pem')}`],
    ['a folder as certificate', () => ({ certFile: dir }), () => `--auth-cert-file: ${dir} is not a file`],
    [
      'a certificate path that goes through a file',
      () => ({ certFile: join(certs.paths.client, 'x') }),
      () => `--auth-cert-file: cannot read ${join(certs.paths.client, 'x')}: ENOTDIR: not a directory, stat '${join(certs.paths.client, 'x')}'`,
    ],
    ['text as certificate', () => ({ certFile: join(dir, 'text.txt') }), () => `--auth-cert-file: ${join(dir, 'text.txt')} is not a PEM certificate`],
    ['a corrupt PEM certificate', () => ({ certFile: join(dir, 'corrupt.pem') }), () => `--auth-cert-file: ${join(dir, 'corrupt.pem')} is not a valid PEM certificate`],
    ['a corrupt root', () => ({ rootCertFile: join(dir, 'corrupt.pem') }), () => `--auth-root-cert-file: ${join(dir, 'corrupt.pem')} is not a valid PEM certificate`],
    ['a missing root with --secure on', () => ({ rootCertFile: join(dir, 'none.pem') }), () => `--auth-root-cert-file: file not found: ${join(dir, 'none.pem')}`],
    ['text as key', () => ({ keyFile: join(dir, 'text.txt') }), () => `--auth-cert-key-file: ${join(dir, 'text.txt')} is not a PEM private key`],
    ['a certificate as key', () => ({ keyFile: certs.paths.client }), () => `--auth-cert-key-file: ${certs.paths.client} is not a PEM private key`],
    ['the key of another certificate', () => ({ keyFile: certs.paths.serverKey }), () => `--auth-cert-key-file: ${certs.paths.serverKey} is not the key of the certificate ${certs.paths.client}`],
    [
      'an encrypted key without password',
      () => ({ keyFile: join(dir, 'encrypted.pem') }),
      () => `--auth-cert-key-file: ${join(dir, 'encrypted.pem')} is encrypted; give its password with --auth-cert-passphrase-file or CTRLQ_CERT_PASSPHRASE`,
    ],
    ['an encrypted key with the wrong password', () => ({ keyFile: join(dir, 'encrypted.pem'), passphrase: 'wrong' }), () => `--auth-cert-key-file: wrong password for ${join(dir, 'encrypted.pem')}`],
    [
      'a .pfx without its password',
      () => ({ pfxFile: join(dir, 'client.pfx') }),
      () => `--auth-cert-pfx-file: ${join(dir, 'client.pfx')} is password protected; give the password with --auth-cert-passphrase-file or CTRLQ_CERT_PASSPHRASE`,
    ],
    ['a .pfx with the wrong password', () => ({ pfxFile: join(dir, 'client.pfx'), passphrase: 'wrong' }), () => `--auth-cert-pfx-file: wrong password for ${join(dir, 'client.pfx')}`],
  ];
  for (const [what, change, message] of cases) {
    it(`${what}: exit 2`, () => {
      assert.throws(() => loadTlsMaterial({ ...files, ...change() }, true), usage(message()));
    });
  }

  it('a certificate this user may not read: exit 2, "permission denied"', (t) => {
    const locked = join(dir, 'locked.pem');
    const expected = `--auth-cert-file: cannot read ${locked}: permission denied`;
    if (process.getuid?.() !== 0) {
      assert.throws(() => loadTlsMaterial({ ...files, certFile: locked }, true), usage(expected));
      return;
    }
    // root reads any file: ask as the unprivileged user `nobody` instead.
    if (!existsSync('/usr/bin/setpriv')) return t.skip('running as root without setpriv(1), so no user to be refused');
    const script = `import('./src/qlik/tls.ts').then((m) => { try { m.loadTlsMaterial(${JSON.stringify({ ...files, certFile: locked })}, true); console.log('read'); } catch (e) { console.log(e.name + ': ' + e.message); } })`;
    const child = spawnSync('/usr/bin/setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '--import', 'tsx', '-e', script], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      encoding: 'utf8',
      // nobody may not write to the coverage folder of an `npm test` run as root.
      env: Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== 'NODE_V8_COVERAGE')),
    });
    // A checkout in a folder only root may enter (mktemp -d makes 0700 folders) cannot be run as nobody.
    if (child.status !== 0 && /Cannot find package 'tsx'|EACCES/.test(child.stderr)) {
      return t.skip('this checkout cannot be read by the user nobody, so the refusal cannot be shown while running as root');
    }
    const out = child.stdout;
    assert.equal(out, `UsageError: ${expected}\n`);
  });

  it('an encrypted key and any wrong password: always "wrong password", never "not a PEM private key"', () => {
    // About 1 wrong password in 300 decrypts to bytes with valid padding that then fail to decode.
    const keyFile = join(dir, 'encrypted.pem');
    const messages = new Set<string>();
    for (let i = 0; i < 3000; i++) {
      try {
        loadTlsMaterial({ ...files, keyFile, passphrase: `wrong-${i}` }, true);
        messages.add('accepted');
      } catch (err) {
        messages.add(err instanceof Error ? err.message : String(err));
      }
    }
    assert.deepEqual([...messages], [`--auth-cert-key-file: wrong password for ${keyFile}`]);
  });

  it('a file that is no PKCS#12 at all names the file: exit 2', () => {
    assert.throws(
      () => loadTlsMaterial({ ...files, pfxFile: join(dir, 'garbage.pfx') }, true),
      (err) => err instanceof CliError && err.exitCode === 2 && err.message.startsWith(`--auth-cert-pfx-file: ${join(dir, 'garbage.pfx')} is not a usable PKCS#12 file (`),
    );
  });
});

describe('loadTlsMaterial: warnings', () => {
  it('a private key others may read is named', () => {
    const open = join(dir, 'open-key.pem');
    writeFileSync(open, certs.pem.clientKey);
    chmodSync(open, 0o644);
    const { warnings } = loadTlsMaterial({ ...files, keyFile: open }, true);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] ?? '', new RegExp(`private key file ${open.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} `));
  });
});

describe('TlsMaterial never shows its secrets', () => {
  it('util.inspect, JSON.stringify and string conversion show no key, certificate or password', () => {
    const material = loadTlsMaterial({ ...files, keyFile: join(dir, 'encrypted.pem'), passphrase: PASSWORD }, true);
    const keyLine = (material.key ?? '').split('\n')[1] ?? 'missing';
    const certLine = (material.cert ?? '').split('\n')[1] ?? 'missing';
    for (const text of [inspect(material), inspect({ nested: { material } }, { depth: 10 }), JSON.stringify(material), JSON.stringify({ tls: material }), `${inspect(material, { showHidden: true })}`]) {
      assert.ok(text.includes('[TLS material redacted]'), text);
      for (const secret of [keyLine, certLine, PASSWORD, 'PRIVATE KEY']) assert.ok(!text.includes(secret), `leaked ${secret.slice(0, 12)} in ${text}`);
    }
  });
});
