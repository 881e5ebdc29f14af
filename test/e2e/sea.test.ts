/**
 * The standalone binaries, built by `npm run build:sea` itself. The Linux one is copied alone into
 * an empty folder and run from there with an empty environment (no PATH to node, no NODE_PATH, no
 * node_modules anywhere near it) against the simulator: version, both output forms, a delete with
 * --yes, and the confirmation prompt in a pseudo-terminal. The Windows one is checked as a file (PE
 * headers, the blob as the NODE_SEA_BLOB resource, the fuse, the Node version) and run under Wine
 * against the simulator; where Wine is missing, those tests are skipped and say why.
 */
import { chmod, copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { deleteArgs, getArgs, listing, runNpm, runProgram, SEED_LISTING, type CliResult } from '../helpers/cli.js';
import { waitFor } from '../helpers/live.js';
import { startCommandInPty, type PtyRun } from '../helpers/pty.js';
import { connectionWithoutCerts, copyClientCerts, proxyRequests, resetToScenario, startSeedSite } from '../helpers/site.js';
import { startWine, windowsPath, wineMissing, type Wine } from '../helpers/wine.js';
import type { Simulator } from '../simulator/server.js';
import { SEA, SEA_RESOURCE } from '../tools/build-sea.js';
import { packageRoot } from '../tools/notices.js';
import { MACHINE_X64, SEA_FUSE, readPe } from '../tools/pe.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

let build: CliResult;
let version: string;
let sim: Simulator;
let central: string;
let scratch: string;
/** Holds the binary and nothing else. */
let binDir: string;
let binary: string;
/** The working directory of the runs; has ./cert/ with the simulator's client files. */
let workDir: string;

before(async () => {
  build = await runNpm(['run', 'build:sea'], { cwd: root, timeoutMs: 540_000 });
  assert.equal(build.code, 0, `${build.stdout}\n${build.stderr}`);
  version = (JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { version: string }).version;
  ({ sim, central } = await startSeedSite());

  scratch = await mkdtemp(join(tmpdir(), 'ctrlq-sea-'));
  binDir = join(scratch, 'bin');
  workDir = join(scratch, 'work');
  await mkdir(binDir);
  binary = join(binDir, 'ctrl-q');
  await copyFile(SEA.linux, binary);
  await chmod(binary, 0o755);
  await copyClientCerts(sim, join(workDir, 'cert'));
}, { timeout: 600_000 });

after(async () => {
  await sim?.stop();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

/** The copied binary, from workDir, with an empty environment. */
function sea(args: readonly string[], options: { cwd?: string; file?: string } = {}): Promise<CliResult> {
  return runProgram(options.file ?? binary, args, { cwd: options.cwd ?? workDir, env: {} });
}

const withDefaultCerts = (): string[] => connectionWithoutCerts(sim);
const deletes = (): string[] => proxyRequests(sim, 'DELETE');
const sessionsOn = (prefix: string): string[] => sim.sessions().filter((s) => s.prefix === prefix).map((s) => s.UserId).sort();

describe('npm run build:sea', () => {
  it('prints the size of the bundle, the blob and both binaries, as they are on disk', async () => {
    for (const path of [SEA.bundle, SEA.blob, SEA.linux, SEA.windows, SEA.notices]) {
      const name = path.slice(root.length);
      const line = build.stdout.split('\n').find((l) => l.trim().startsWith(`${name} `));
      assert.ok(line, `a line for ${name} in:\n${build.stdout}`);
      const printed = /\d+\.\d (?:MiB|KiB) +([\d,]+) bytes/.exec(line);
      assert.ok(printed, line);
      assert.equal(Number(printed[1]?.replace(/,/g, '')), (await stat(path)).size, line);
    }
  });

  it('writes the licences of Node.js and of every package whose code is in the bundle', async () => {
    const notices = await readFile(SEA.notices, 'utf8');
    const bundle = await readFile(SEA.bundle, 'utf8');
    // esbuild marks each bundled module with a "// node_modules/<package>/<file>" comment.
    const bundled = new Set([...bundle.matchAll(/^\/\/ (node_modules\/\S+)$/gm)].map((m) => packageRoot(m[1] as string)));
    assert.ok(bundled.size > 20, `packages found in the bundle: ${bundled.size}`);
    for (const path of ['node_modules/axios', 'node_modules/winston', 'node_modules/commander', 'node_modules/inquirer', 'node_modules/yargs-parser', 'node_modules/cli-table3']) {
      assert.ok(bundled.has(path), `${path} is bundled`);
    }
    const sections = notices.split(/\n-{78}\n/);
    for (const path of bundled) {
      const section = sections.find((text) => new RegExp(`^\\S+@\\S+ \\([^;]+; ${path}\\)\\n`).test(text.trimStart()));
      assert.ok(section, `a section for ${path}`);
      assert.ok(section.trim().split('\n').length >= 3, `licence text or licence name for ${path}:\n${section}`);
    }
    assert.match(notices, /^Node\.js v\d+\.\d+\.\d+\n\n/m);
    assert.match(notices, /MIT License|Permission is hereby granted/);
  });
});

describe('the Linux binary, alone in an empty folder with an empty environment', () => {
  it('--version prints the package version', async () => {
    assert.deepEqual(await readdir(binDir), ['ctrl-q']);
    const result = await sea(['--version']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, `${version}\n`);
    assert.equal(result.stderr, '', 'no experimental-feature warning');
  });

  it('session-get: JSON over mutual TLS, from the certificates in ./cert/ of the working directory', async () => {
    sim.clearRequests();
    const result = await sea(getArgs(withDefaultCerts()));
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(listing(result.stdout), SEED_LISTING);
    assert.ok(sim.requests.some((r) => r.target === 'qrs' && r.path === '/qrs/virtualproxyconfig/full'));
    assert.ok(sim.requests.some((r) => r.target === 'Central' && r.path === '/qps/session'));
  });

  it('session-get: the table', async () => {
    const result = await sea(getArgs(sim.cliArgs(), '--output-format', 'table'));
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Total number of sessions: 5\n/);
    assert.match(result.stdout, /│ Session user ID +│/);
    for (const user of ['goran', 'testuser_1', 'testuser_4']) assert.match(result.stdout, new RegExp(`│ ${user} +│`));
    assert.match(result.stderr, /Available proxy services/);
  });

  it('./cert/ is looked for in the working directory, not next to the executable', async () => {
    const beside = join(scratch, 'beside');
    await mkdir(beside);
    await copyFile(binary, join(beside, 'ctrl-q'));
    await chmod(join(beside, 'ctrl-q'), 0o755);
    await copyClientCerts(sim, join(beside, 'cert'));
    const elsewhere = join(scratch, 'elsewhere');
    await mkdir(elsewhere);
    const args = getArgs(withDefaultCerts());
    const result = await sea(args, { cwd: elsewhere, file: join(beside, 'ctrl-q') });
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, new RegExp(`file not found: ${elsewhere}/cert/`));
    assert.equal(result.stdout, '');
    const fromBeside = await sea(args, { cwd: beside, file: join(beside, 'ctrl-q') });
    assert.equal(fromBeside.code, 0, fromBeside.stderr);
  });

  it('session-delete --yes deletes the sessions of the virtual proxy given, and only those', async () => {
    sim.clearRequests();
    assert.deepEqual(sessionsOn('win'), ['testuser_3', 'testuser_4']);
    const result = await sea(deleteArgs(sim.cliArgs(), '--host-proxy', central, '--session-virtual-proxy', 'win', '--yes'));
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /Deleted 2 sessions/);
    assert.equal(deletes().length, 2);
    assert.ok(deletes().every((d) => d.startsWith('Central /qps/win/session/')));
    assert.deepEqual(sessionsOn('win'), []);
    assert.deepEqual(sessionsOn('finance'), ['testuser_1', 'testuser_2']);
  });

  describe('session-delete asks on a terminal (inquirer, bundled)', () => {
    const confirm = (): string => `Delete 2 sessions on 1 proxy node (${central}) and 1 virtual proxy (finance)? (y/N)`;
    // `env -i`: the binary gets TERM and nothing else; `script` and its shell need PATH for stty and env.
    const inPty = (args: readonly string[]): PtyRun =>
      startCommandInPty(['env', '-i', 'TERM=xterm', binary, ...args], { cwd: workDir, env: { PATH: '/usr/bin:/bin', TERM: 'xterm' } });
    const args = (): string[] => deleteArgs(sim.cliArgs(), '--host-proxy', central, '--session-virtual-proxy', 'finance');

    it('"n" deletes nothing and exits 1', async () => {
      sim.clearRequests();
      const run = inPty(args());
      await waitFor(run, () => run.screen().includes(confirm()), 'the confirmation prompt');
      run.type('n\r');
      const { code, screen } = await run.result;
      assert.equal(code, 1, screen);
      assert.match(screen, /Not deleting any sessions\./);
      assert.deepEqual(deletes(), []);
      assert.deepEqual(sessionsOn('finance'), ['testuser_1', 'testuser_2']);
    });

    it('"y" deletes them', async () => {
      sim.clearRequests();
      const run = inPty(args());
      await waitFor(run, () => run.screen().includes(confirm()), 'the confirmation prompt');
      assert.deepEqual(deletes(), [], 'nothing is deleted before the answer');
      run.type('y\r');
      const { code, screen } = await run.result;
      assert.equal(code, 0, screen);
      assert.match(screen, /✔ Delete 2 sessions .*\? Yes/);
      assert.match(screen, /Deleted 2 sessions/);
      assert.equal(deletes().length, 2);
      assert.deepEqual(sessionsOn('finance'), []);
    });
  });
});

describe('the Windows binary, as a file', () => {
  let exe: Buffer;
  before(async () => {
    exe = await readFile(SEA.windows);
  });

  it('is a PE file: MZ, then PE\\0\\0 at e_lfanew, for x64', () => {
    assert.equal(exe.toString('latin1', 0, 2), 'MZ');
    const peOffset = exe.readUInt32LE(0x3c);
    assert.equal(exe.toString('latin1', peOffset, peOffset + 4), 'PE\0\0');
    assert.equal(exe.readUInt16LE(peOffset + 4), MACHINE_X64);
  });

  it('carries the same blob as the Linux binary as its NODE_SEA_BLOB resource, with the fuse flipped', async () => {
    const blob = await readFile(SEA.blob);
    const resource = readPe(exe).rcdata.get(SEA_RESOURCE);
    assert.ok(resource, 'an RT_RCDATA resource named NODE_SEA_BLOB');
    assert.ok(resource.equals(blob));
    assert.ok(exe.includes('Qlik Sense proxy sessions from the command line: list them, delete them'), "the bundle's text is in the file");
    assert.ok(exe.includes(`${SEA_FUSE}:1`) && !exe.includes(`${SEA_FUSE}:0`), 'the fuse is flipped');
    const linux = await readFile(SEA.linux);
    assert.ok(linux.includes(blob), 'the Linux binary holds the same blob');
  });

  it("is Node's own node.exe of the version that built it, unsigned, and bigger by about the blob", async () => {
    const at = exe.indexOf(Buffer.from('ProductVersion\0', 'utf16le'));
    assert.notEqual(at, -1);
    const productVersion = /^ProductVersion\0+([\d.]+)\0/.exec(exe.toString('utf16le', at, at + 80));
    assert.equal(productVersion?.[1], process.version.slice(1));
    assert.equal(readPe(exe).certificateTable.size, 0, 'no stale Authenticode signature');
    const blobSize = (await stat(SEA.blob)).size;
    assert.ok(exe.length > 40 * 1024 * 1024 + blobSize, `${exe.length} bytes is too small for node.exe plus the blob`);
  });
});

describe('the Windows binary, run under Wine', () => {
  const skip = wineMissing();
  const timeout = 180_000;
  let wine: Wine | undefined;
  let exe: string;
  /** Has .\cert\ with the simulator's client files. */
  let winWork: string;
  /** Has no cert folder. */
  let empty: string;
  const run = (args: readonly string[], cwd = winWork): Promise<CliResult> => {
    assert.ok(wine);
    return wine.run(exe, args, { cwd });
  };
  const winCert = (name: string): string => windowsPath(join(winWork, 'cert', name));

  before(async () => {
    if (skip) return;
    const dir = join(scratch, 'windows');
    exe = join(dir, 'bin', 'ctrl-q.exe');
    winWork = join(dir, 'work');
    empty = join(dir, 'empty');
    await mkdir(join(dir, 'bin'), { recursive: true });
    await mkdir(empty);
    await copyFile(SEA.windows, exe);
    await copyClientCerts(sim, join(winWork, 'cert'));
    wine = await startWine();
    // The first run makes the Wine prefix, and Wine says so on stderr: not part of any test.
    await wine.run(exe, ['--version'], { cwd: winWork, timeoutMs: 300_000 });
  }, { timeout: 360_000 });
  after(async () => {
    await wine?.close();
  });
  beforeEach(() => (skip ? undefined : resetToScenario(sim)));

  it('--version prints the package version, and nothing on stderr', { skip, timeout }, async () => {
    const result = await run(['--version']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, `${version}\n`);
    assert.equal(result.stderr, '');
  });

  it('session-get with the certificates in .\\cert\\ of the working folder, named or by default', { skip, timeout }, async () => {
    const named = await run(
      getArgs(connectionWithoutCerts(sim), '--auth-cert-file', '.\\cert\\client.pem', '--auth-cert-key-file', '.\\cert\\client_key.pem', '--auth-root-cert-file', '.\\cert\\root.pem'),
    );
    assert.equal(named.code, 0, named.stderr);
    assert.deepEqual(listing(named.stdout), SEED_LISTING);
    const byDefault = await run(getArgs(connectionWithoutCerts(sim)));
    assert.equal(byDefault.code, 0, byDefault.stderr);
    assert.deepEqual(listing(byDefault.stdout), SEED_LISTING);
  });

  it('session-get with Z:\\… absolute paths, from a folder without certificates', { skip, timeout }, async () => {
    const result = await run(
      getArgs(connectionWithoutCerts(sim), '--auth-cert-file', winCert('client.pem'), '--auth-cert-key-file', winCert('client_key.pem'), '--auth-root-cert-file', winCert('root.pem')),
      empty,
    );
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(listing(result.stdout), SEED_LISTING);
  });

  it('session-delete --yes deletes the sessions of the virtual proxy given, and only those', { skip, timeout }, async () => {
    const result = await run(deleteArgs(connectionWithoutCerts(sim), '--host-proxy', central, '--session-virtual-proxy', 'win', '--yes'));
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /^Deleted 2 sessions$/m);
    assert.equal(result.stdout, '');
    assert.deepEqual(deletes().map((d) => d.replace(/[^/]+$/, '…')), ['Central /qps/win/session/…', 'Central /qps/win/session/…']);
    assert.deepEqual(sessionsOn('win'), []);
    assert.deepEqual(sessionsOn('finance'), ['testuser_1', 'testuser_2']);
  });

  it('a missing certificate is exit 2, naming the Windows path it tried', { skip, timeout }, async () => {
    const result = await run(getArgs(connectionWithoutCerts(sim)), empty);
    assert.equal(result.code, 2, result.stderr);
    assert.equal(result.stdout, '');
    // Under Wine this line ends in CRLF, as Windows lines do.
    assert.equal(result.stderr.replace(/\r\n/g, '\n'), `error: --auth-root-cert-file: file not found: ${windowsPath(join(empty, 'cert', 'root.pem'))}\n`);
    assert.deepEqual(sim.requests, []);
  });

  it('without a terminal, a delete that needs confirmation is refused: exit 2, nothing deleted', { skip, timeout }, async () => {
    const result = await run(deleteArgs(connectionWithoutCerts(sim), '--host-proxy', central, '--session-virtual-proxy', 'win'));
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /^error: not deleting: this delete needs confirmation and there is no terminal to ask on\./m);
    assert.deepEqual(deletes(), []);
    assert.deepEqual(sessionsOn('win'), ['testuser_3', 'testuser_4']);
  });
});
