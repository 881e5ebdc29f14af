/**
 * The licence notices a standalone binary must carry: it redistributes Node.js and every npm
 * package the bundle pulls in, and their licences (MIT, ISC, BSD, Apache-2.0) ask for the notice to
 * go with every copy. Built from esbuild's metafile, so the list is exactly what was bundled.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';

export interface BundledPackage {
  name: string;
  version: string;
  license: string;
  author?: string;
  /** Where the package sits, relative to the project root (node_modules/…). */
  path: string;
  /** The package's own licence file, or undefined when it ships none. */
  licenseText?: string;
}

/** `node_modules/a/node_modules/@s/b/lib/x.js` → `node_modules/a/node_modules/@s/b`. */
export function packageRoot(input: string): string | undefined {
  const parts = input.split('/');
  const last = parts.lastIndexOf('node_modules');
  if (last < 0 || last + 1 >= parts.length) return undefined;
  const scoped = parts[last + 1]?.startsWith('@') === true;
  return parts.slice(0, last + (scoped ? 3 : 2)).join('/');
}

const LICENSE_FILE = /^(licen[cs]e|copying)(\.(md|txt|markdown))?$/i;

async function licenseText(dir: string): Promise<string | undefined> {
  const file = (await readdir(dir)).find((name) => LICENSE_FILE.test(name));
  return file === undefined ? undefined : (await readFile(join(dir, file), 'utf8')).trim();
}

/** The packages behind the bundle's inputs (paths relative to `root`, as esbuild's metafile gives them). */
export async function bundledPackages(root: string, inputs: readonly string[]): Promise<BundledPackage[]> {
  const roots = [...new Set(inputs.map((input) => packageRoot(input.split(sep).join('/'))).filter((r) => r !== undefined))];
  const packages = await Promise.all(
    roots.map(async (path): Promise<BundledPackage> => {
      const dir = join(root, path);
      const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string; license?: unknown; author?: unknown };
      const author = typeof pkg.author === 'string' ? pkg.author : (pkg.author as { name?: unknown } | undefined)?.name;
      return {
        name: pkg.name ?? path,
        version: pkg.version ?? '?',
        license: typeof pkg.license === 'string' ? pkg.license : 'see the licence text',
        author: typeof author === 'string' ? author : undefined,
        path,
        licenseText: await licenseText(dir),
      };
    }),
  );
  return packages.sort((a, b) => (a.name === b.name ? a.path.localeCompare(b.path) : a.name < b.name ? -1 : 1));
}

/** Node's LICENSE as installed beside the running node (official tarballs, Debian/NodeSource packages). */
export function nodeLicenseFile(execPath: string): string | undefined {
  const prefix = dirname(dirname(execPath));
  return [join(prefix, 'LICENSE'), join(prefix, 'share/doc/node/LICENSE'), join(prefix, 'share/doc/nodejs/LICENSE')].find((f) => existsSync(f));
}

const RULE = '-'.repeat(78);

export async function writeNotices(options: {
  root: string;
  inputs: readonly string[];
  nodeVersion: string;
  execPath: string;
}): Promise<{ text: string; packages: BundledPackage[]; nodeLicense?: string }> {
  const { root, inputs, nodeVersion, execPath } = options;
  const packages = await bundledPackages(root, inputs);
  const ownLicense = (await readFile(join(root, 'LICENSE'), 'utf8')).trim();
  const nodeLicense = nodeLicenseFile(execPath);
  const nodeText = nodeLicense
    ? (await readFile(nodeLicense, 'utf8')).trim()
    : `The licence of Node.js v${nodeVersion} is at https://github.com/nodejs/node/blob/v${nodeVersion}/LICENSE`;
  const sections = [
    `Third-party notices for the ctrl-q standalone binaries (ctrl-q, ctrl-q.exe).\n\n` +
      `Each binary is Node.js v${nodeVersion} with ctrl-q and the ${packages.length} npm packages below bundled into it.`,
    `ctrl-q\n\n${ownLicense}`,
    `Node.js v${nodeVersion}\n\n${nodeText}`,
    ...packages.map(
      (p) =>
        `${p.name}@${p.version} (${p.license}; ${p.path})\n\n` +
        (p.licenseText ??
          `The package ships no licence file; its package.json gives the licence ${p.license}` +
            `${p.author ? ` and the author ${p.author}` : ''}.`),
    ),
  ];
  return { text: `${sections.join(`\n\n${RULE}\n\n`)}\n`, packages, nodeLicense };
}
