/**
 * For commands that keep running (--watch, --wait-until-empty): start the built bin, look at its
 * output while it runs, act (change the simulator, press Ctrl-C), then collect the result.
 */
import type { ChildProcess } from 'node:child_process';
import { runCli, type CliResult, type CliRunOptions } from './cli.js';

export interface LiveRun {
  child: ChildProcess;
  /** stdout and stderr so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves when the process has ended. */
  result: Promise<CliResult>;
}

export function startCli(args: readonly string[], options: Omit<CliRunOptions, 'onSpawn'> = {}): LiveRun {
  let child: ChildProcess | undefined;
  let out = '';
  let err = '';
  const result = runCli(args, {
    ...options,
    onSpawn: (spawned) => {
      child = spawned;
      spawned.stdout?.on('data', (d: string) => (out += d));
      spawned.stderr?.on('data', (d: string) => (err += d));
    },
  });
  if (child === undefined) throw new Error('runCli did not call onSpawn synchronously');
  return { child, stdout: () => out, stderr: () => err, result };
}

/**
 * Resolves once `ready()` is true; rejects (with what was seen) after `timeoutMs` or when the
 * process ends first. A safety net against hanging, not a measure of speed.
 */
export async function waitFor(run: Pick<LiveRun, 'child' | 'stdout' | 'stderr'>, ready: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!ready()) {
    if (run.child.exitCode !== null || run.child.signalCode !== null) {
      throw new Error(`the process ended before ${what}\nstdout: ${run.stdout()}\nstderr: ${run.stderr()}`);
    }
    if (Date.now() > until) throw new Error(`gave up waiting for ${what}\nstdout: ${run.stdout()}\nstderr: ${run.stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Complete lines written so far (the last one ended by a newline). */
export function lines(text: string): string[] {
  const all = text.split('\n');
  all.pop();
  return all;
}
