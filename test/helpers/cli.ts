/**
 * Runs the built `ctrl-q` (dist/bin/ctrl-q.js) as a child process, asynchronously — the simulator
 * runs in the test's own process and must keep serving while the CLI runs.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../dist/bin/ctrl-q.js', import.meta.url));

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

export function runCli(args: readonly string[], options: CliRunOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...options.env };
    const child = spawn(process.execPath, [BIN, ...args], { env, cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
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

/** `qseow session-get` / `session-delete` plus the simulator's connection arguments. */
export function getArgs(simArgs: readonly string[], ...extra: string[]): string[] {
  return ['qseow', 'session-get', ...simArgs, ...extra];
}

export function deleteArgs(simArgs: readonly string[], ...extra: string[]): string[] {
  return ['qseow', 'session-delete', ...simArgs, ...extra];
}
