/**
 * The built CLI in dist/ and whether it is older than its sources. The end-to-end tests refuse a
 * stale dist/ (test/helpers/cli.ts); `npm run sim` and `npm run demo` rebuild it instead.
 */
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = join(ROOT, 'dist', 'bin', 'ctrl-q.js');

const mtime = (path: string): number | undefined => statSync(path, { throwIfNoEntry: false })?.mtimeMs;

/**
 * The sources (relative to `root`) whose compiled file is missing or older than they are, or than
 * the build settings (tsconfig.json, package.json). Empty when dist/ is up to date.
 */
export function staleBuildFiles(root = ROOT): string[] {
  const src = join(root, 'src');
  const settings = Math.max(...['tsconfig.json', 'package.json'].map((file) => mtime(join(root, file)) ?? 0));
  const stale: string[] = [];
  const visit = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) visit(path);
      else if (entry.name.endsWith('.ts')) {
        const builtAt = mtime(join(root, 'dist', relative(src, path)).replace(/\.ts$/, '.js'));
        if (builtAt === undefined || builtAt < Math.max(settings, mtime(path) ?? 0)) stale.push(relative(root, path));
      }
    }
  };
  visit(src);
  return stale;
}

/** One line naming the first stale sources, or undefined when dist/ is up to date. */
export function staleBuildMessage(root = ROOT): string | undefined {
  const stale = staleBuildFiles(root);
  if (stale.length === 0) return undefined;
  const more = stale.length > 3 ? ` and ${stale.length - 3} more` : '';
  return `dist/ is missing or older than ${stale.slice(0, 3).join(', ')}${more}`;
}
