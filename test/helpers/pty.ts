/**
 * A program with a real pseudo-terminal (util-linux `script`) as its stdin, stdout and stderr, for
 * the prompts: keys typed go to the terminal once the question is on the screen.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { BIN, coverageEnv } from './cli.js';

const quote = (arg: string): string => `'${arg.replace(/'/g, `'\\''`)}'`;
// eslint-disable-next-line no-control-regex
export const plain = (text: string): string => text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '');

export interface PtyRun {
  child: ChildProcess;
  /** What the terminal showed (stdout and stderr together), escape sequences removed. */
  screen(): string;
  /** The same with the escape sequences (cursor moves, clears) kept. */
  raw(): string;
  stdout(): string;
  stderr(): string;
  type(keys: string): void;
  result: Promise<{ code: number | null; screen: string; raw: string }>;
}

export interface PtyOptions {
  /** The environment of `script` and its shell; the command gets it too unless it starts with `env -i`. */
  env?: Record<string, string>;
  cwd?: string;
  timeoutMs?: number;
}

/** Runs `command` (program and arguments) in a 200×50 pseudo-terminal. */
export function startCommandInPty(command: readonly string[], options: PtyOptions = {}): PtyRun {
  // A wide terminal, so inquirer does not wrap the question. `exec`: the shell `script` starts is
  // replaced by the program, so the keys and Ctrl-C reach it alone (a shell waiting for it, dash for
  // one, would die of the SIGINT itself and hide the program's exit code).
  const line = `stty cols 200 rows 50; exec ${command.map(quote).join(' ')}`;
  const env = { ...(options.env ?? { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TERM: 'xterm' }), ...coverageEnv() };
  const child = spawn('script', ['-qefc', line, '/dev/null'], { env, cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  let errors = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (errors += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 45_000);
  const result = new Promise<{ code: number | null; screen: string; raw: string }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, screen: plain(output), raw: output });
    });
  });
  return {
    child,
    screen: () => plain(output),
    raw: () => output,
    stdout: () => plain(output),
    stderr: () => errors,
    type: (keys) => child.stdin.write(keys),
    result,
  };
}

/** The built bin (node dist/bin/ctrl-q.js) in a pseudo-terminal. */
export function startInPty(args: readonly string[]): PtyRun {
  return startCommandInPty([process.execPath, BIN, ...args]);
}
