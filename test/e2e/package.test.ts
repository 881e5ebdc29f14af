/**
 * The npm package as a user gets it: `npm pack`, then `npm install -g --prefix <empty folder>
 * <tarball>` (dependencies from the registry, no dev dependencies), then the installed `ctrl-q` run
 * from an empty folder against the simulator, with only that prefix's bin and node on PATH.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BIN, getArgs, listing, runNpm, runProgram, SEED_LISTING, type CliResult } from '../helpers/cli.js';
import { startSeedSite } from '../helpers/site.js';
import type { Simulator } from '../simulator/server.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

interface Manifest {
  version: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
}
interface PackedFile {
  path: string;
  size: number;
}
interface PackResult {
  filename: string;
  size: number;
  entryCount: number;
  files: PackedFile[];
}

let sim: Simulator;
let scratch: string;
let packed: PackResult;
let prefix: string;
let installed: string;
let workDir: string;
let install: CliResult;

/** The installed bin, found through PATH like a user's shell would; node is the only other thing there. */
function ctrlq(args: readonly string[], cwd = workDir): Promise<CliResult> {
  const PATH = `${join(prefix, 'bin')}:${dirname(process.execPath)}`;
  return runProgram('ctrl-q', args, { cwd, env: { PATH } });
}

before(async () => {
  // `npm test` has just built dist/. Packing runs without the prepack rebuild so that no other test
  // file running at the same time sees dist/ half rewritten.
  assert.ok(existsSync(BIN), `${BIN} is missing: run npm run build first`);
  scratch = await mkdtemp(join(tmpdir(), 'ctrlq-pack-'));
  const pack = await runNpm(['pack', '--ignore-scripts', '--json', '--pack-destination', scratch], { cwd: root, timeoutMs: 120_000 });
  assert.equal(pack.code, 0, pack.stderr);
  const results = JSON.parse(pack.stdout) as PackResult[];
  assert.equal(results.length, 1);
  packed = results[0] as PackResult;

  prefix = join(scratch, 'prefix');
  workDir = join(scratch, 'work');
  await mkdir(workDir);
  install = await runNpm(['install', '-g', '--prefix', prefix, join(scratch, packed.filename)], { cwd: scratch, timeoutMs: 240_000 });
  installed = join(prefix, 'lib', 'node_modules', 'ctrl-q');
  ({ sim } = await startSeedSite());
}, { timeout: 300_000 });

after(async () => {
  await sim?.stop();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe('npm pack', () => {
  it('packs the built code, README, LICENSE and package.json, and nothing else', async () => {
    const paths = packed.files.map((f) => f.path).sort();
    for (const required of ['LICENSE', 'README.md', 'package.json', 'dist/bin/ctrl-q.js', 'dist/cli/main.js', 'dist/version.js']) {
      assert.ok(paths.includes(required), `${required} is in the tarball`);
    }
    const extra = paths.filter((p) => !['LICENSE', 'README.md', 'package.json'].includes(p) && !/^dist\/.+\.js$/.test(p));
    assert.deepEqual(extra, [], 'no tests, sources, source maps, certificates or build outputs');
    // Every compiled file still has its source: a file left in dist/ by a deleted module is not shipped.
    const stale = paths.filter((p) => p.startsWith('dist/') && !existsSync(join(root, 'src', p.slice('dist/'.length).replace(/\.js$/, '.ts'))));
    assert.deepEqual(stale, []);
  });
});

describe('npm install -g --prefix <tmp> <tarball>', () => {
  it('installs ctrl-q and its run-time dependencies only', async () => {
    assert.equal(install.code, 0, install.stderr);
    const pkg = JSON.parse(await readFile(join(installed, 'package.json'), 'utf8')) as Manifest;
    const modules = join(installed, 'node_modules');
    for (const name of Object.keys(pkg.dependencies)) assert.ok(existsSync(join(modules, name, 'package.json')), `${name} is installed`);
    for (const dev of Object.keys(pkg.devDependencies)) assert.ok(!existsSync(join(modules, dev)), `dev dependency ${dev} is not installed`);
  });

  it('ctrl-q --version prints the package version', async () => {
    const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as Manifest;
    const result = await ctrlq(['--version']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, `${pkg.version}\n`);
  });

  it('ctrl-q qseow session-get --help lists the options', async () => {
    const result = await ctrlq(['qseow', 'session-get', '--help']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^Usage: ctrl-q qseow session-get \[options\]/);
    for (const option of ['--host <host>', '--auth-cert-file', '--output-format', '--session-virtual-proxy']) assert.ok(result.stdout.includes(option), option);
  });

  it('lists the simulator sessions over mutual TLS', async () => {
    const result = await ctrlq(getArgs(sim.cliArgs()));
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(listing(result.stdout), SEED_LISTING);
    assert.ok(sim.requests.some((r) => r.target === 'Central' && r.path === '/qps/session'));
  });
});
