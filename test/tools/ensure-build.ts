/**
 * `npm run sim` runs this first: builds dist/ (npm run build) when it is missing or older than the
 * sources, so the `npx ctrl-q …` command the simulator prints works as printed.
 */
import { spawnSync } from 'node:child_process';
import { ROOT, staleBuildMessage } from '../helpers/build.js';

const stale = staleBuildMessage();
if (stale !== undefined) {
  process.stderr.write(`${stale}: running npm run build first\n`);
  const result = spawnSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) process.exitCode = result.status ?? 1;
}
