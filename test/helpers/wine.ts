/**
 * Runs a Windows program under Wine (Debian's wine64). Node for Windows cannot use a Linux pipe as
 * its stdin, stdout or stderr, so all three are files here, and the result is read back from them.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CliResult } from './cli.js';

export const WINE64 = '/usr/lib/wine/wine64';
const WINESERVER = '/usr/lib/wine/wineserver';

/** Why Wine tests cannot run here, or undefined when they can. */
export function wineMissing(): string | undefined {
  return existsSync(WINE64) ? undefined : `Wine is not installed (${WINE64} is missing; apt-get install wine64, as .ci/run does)`;
}

/** A Windows path for a Linux one: Wine maps the Linux root to drive Z:. */
export function windowsPath(linuxPath: string): string {
  return `Z:${linuxPath.replace(/\//g, '\\')}`;
}

export interface Wine {
  run(exe: string, args: readonly string[], options: { cwd: string; timeoutMs?: number }): Promise<CliResult>;
  /** Stops this prefix's wineserver and removes the prefix. */
  close(): Promise<void>;
}

/** A Wine prefix of its own, in a temporary folder (made on the first run, which takes a while). */
export async function startWine(): Promise<Wine> {
  const dir = await mkdtemp(join(tmpdir(), 'ctrlq-wine-'));
  const prefix = join(dir, 'prefix');
  const env = { WINEPREFIX: prefix, WINEDEBUG: '-all', NODE_SKIP_PLATFORM_CHECK: '1', PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir };
  let runs = 0;
  return {
    async run(exe, args, options) {
      const base = join(dir, `run-${++runs}`);
      const stdin = await open(`${base}.in`, 'w+');
      const stdout = await open(`${base}.out`, 'w+');
      const stderr = await open(`${base}.err`, 'w+');
      try {
        const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
          const child = spawn(WINE64, [exe, ...args], { cwd: options.cwd, env, stdio: [stdin.fd, stdout.fd, stderr.fd] });
          const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
          child.on('error', reject);
          child.on('close', (code, signal) => {
            clearTimeout(timer);
            resolve({ code, signal });
          });
        });
        return { ...exit, stdout: await readFile(`${base}.out`, 'utf8'), stderr: await readFile(`${base}.err`, 'utf8') };
      } finally {
        await Promise.all([stdin.close(), stdout.close(), stderr.close()]);
      }
    },
    async close() {
      await new Promise<void>((resolve) => {
        const child = spawn(WINESERVER, ['-k'], { env, stdio: 'ignore' });
        child.on('error', () => resolve());
        child.on('close', () => resolve());
      });
      await rm(dir, { recursive: true, force: true });
    },
  };
}
