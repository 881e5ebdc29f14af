/**
 * `npm run demo`: builds the CLI if needed, starts the simulator on the seed scenario, runs
 * `ctrl-q qseow session-get --output-format table` against it, and stops the simulator.
 */
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BIN } from '../helpers/cli.js';
import { loadScenario } from '../simulator/scenario.js';
import { startSimulator } from '../simulator/server.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function needsBuild(): boolean {
  try {
    return statSync(BIN).mtimeMs < newestMtime(join(root, 'src'));
  } catch {
    return true;
  }
}

function run(command: string, args: string[], stdio: 'inherit' | 'pipe' = 'inherit'): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, stdio });
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? 1));
  });
}

async function main(): Promise<number> {
  if (needsBuild()) {
    process.stderr.write('Building ctrl-q (npm run build)...\n');
    const code = await run('npm', ['run', '--silent', 'build']);
    if (code !== 0) return code;
  }
  process.stderr.write('Starting the Qlik Sense simulator (seed scenario: the two-node site from Ctrl-Q\'s docs)...\n');
  const sim = await startSimulator({ scenario: loadScenario('seed'), latencyMs: 20 });
  try {
    const args = ['qseow', 'session-get', ...sim.cliArgs(), '--output-format', 'table'];
    process.stderr.write(`\n$ ctrl-q ${args.join(' ')}\n\n`);
    return await run(process.execPath, [BIN, ...args]);
  } finally {
    await sim.stop();
    process.stderr.write('\nSimulator stopped.\n');
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
