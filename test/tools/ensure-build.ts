/**
 * `npm run sim` runs this first: builds dist/ (npm run build) when it is missing or older than the
 * sources, so the `npx ctrl-q …` command the simulator prints works as printed.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(root, 'dist', 'bin', 'ctrl-q.js');

/** The newest modification time among the files that go into dist/. */
function newestSource(): number {
  let newest = 0;
  const visit = (path: string): void => {
    const info = statSync(path);
    if (info.isDirectory()) for (const entry of readdirSync(path)) visit(join(path, entry));
    else newest = Math.max(newest, info.mtimeMs);
  };
  for (const path of ['src', 'tsconfig.json', 'package.json']) visit(join(root, path));
  return newest;
}

function builtAt(): number | undefined {
  try {
    return statSync(bin).mtimeMs;
  } catch {
    return undefined;
  }
}

const built = builtAt();
if (built === undefined || built < newestSource()) {
  process.stderr.write(`${built === undefined ? 'dist/ is not built yet' : 'dist/ is older than src/'}: running npm run build first\n`);
  const result = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exitCode = result.status ?? 1;
}
