/**
 * `npm run demo`: builds the CLI if needed, starts the simulator on the seed scenario, runs
 * `ctrl-q qseow session-get --output-format table` against it, and stops the simulator.
 */
import { spawn } from 'node:child_process';
import { BIN, ROOT, staleBuildMessage } from '../helpers/build.js';
import { loadScenario } from '../simulator/scenario.js';
import { startSimulator } from '../simulator/server.js';

function run(command: string, args: string[], stdio: 'inherit' | 'pipe' = 'inherit'): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, stdio });
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? 1));
  });
}

async function main(): Promise<number> {
  if (staleBuildMessage() !== undefined) {
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
