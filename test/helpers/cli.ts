/**
 * Runs the built `ctrl-q` (dist/bin/ctrl-q.js) as a child process, asynchronously — the simulator
 * runs in the test's own process and must keep serving while the CLI runs.
 */
import { spawn } from 'node:child_process';
import { BIN, staleBuildMessage } from './build.js';

export { BIN };

// The end-to-end tests run dist/, so a dist/ older than src/ would test yesterday's code: every test
// file that runs the CLI imports this module, and it refuses to start on a stale build.
const stale = staleBuildMessage();
if (stale !== undefined) throw new Error(`${stale}: run \`npm run build\` first (npm test does)`);

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliRunOptions {
  /** Replaces the environment (PATH and HOME are kept); CTRLQ_* from the test process never leak in. */
  env?: Record<string, string>;
  input?: string;
  cwd?: string;
  timeoutMs?: number;
  /** Called once the child has started, e.g. to send it a signal. */
  onSpawn?: (child: import('node:child_process').ChildProcess) => void;
}

/**
 * Under `npm test`, c8 sets NODE_V8_COVERAGE: every CLI the tests start writes its coverage there
 * too, so the end-to-end tests count. Empty when coverage is not being collected.
 */
export function coverageEnv(): Record<string, string> {
  const dir = process.env.NODE_V8_COVERAGE;
  return dir === undefined ? {} : { NODE_V8_COVERAGE: dir };
}

export function runCli(args: readonly string[], options: CliRunOptions = {}): Promise<CliResult> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...options.env, ...coverageEnv() };
  return runProgram(process.execPath, [BIN, ...args], { ...options, env });
}

/** Any program (an installed bin, a standalone binary) with exactly the environment given (none by default). */
export function runProgram(file: string, args: readonly string[], options: CliRunOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env: options.env ?? {}, cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
    options.onSpawn?.(child);
  });
}

/** npm with this process's environment minus what an outer `npm test` set (its prefix, its project). */
export function runNpm(args: readonly string[], options: Omit<CliRunOptions, 'env'> = {}): Promise<CliResult> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !/^npm_/i.test(key)) env[key] = value;
  }
  return runProgram('npm', args, { ...options, env });
}

/** session-get's JSON on the seed scenario, as `prefix|user` in output order. */
export const SEED_LISTING = ['|goran', 'finance|testuser_1', 'finance|testuser_2', 'win|testuser_3', 'win|testuser_4'];

export function listing(stdout: string): string[] {
  const rows = JSON.parse(stdout) as { vpPrefix: string; userId: string }[];
  return rows.map((r) => `${r.vpPrefix}|${r.userId}`);
}

/** `qseow session-get` / `session-delete` plus the simulator's connection arguments. */
export function getArgs(simArgs: readonly string[], ...extra: string[]): string[] {
  return ['qseow', 'session-get', ...simArgs, ...extra];
}

export function deleteArgs(simArgs: readonly string[], ...extra: string[]): string[] {
  return ['qseow', 'session-delete', ...simArgs, ...extra];
}
