#!/usr/bin/env node
/** Entry point: the only code that touches process.argv, process.env, the signals and the exit code. */
import { setMaxListeners } from 'node:events';
import nodeModule from 'node:module';

// Where this Node has it (22.1 and later), its compiled code of ctrl-q's modules and packages is
// kept on disk (in the temp folder; NODE_DISABLE_COMPILE_CACHE=1 turns it off), so later runs skip
// compiling them. It must be on before they load, hence the dynamic import of main below.
(nodeModule as { enableCompileCache?: () => unknown }).enableCompileCache?.();

const controller = new AbortController();
// Every request in flight listens on this signal; with --concurrency above 10 that is expected.
setMaxListeners(0, controller.signal);

/**
 * Ctrl-C, a scheduler's stop (SIGTERM) and a closed terminal or SSH session (SIGHUP) all stop a run
 * the same way: no new request, those in flight finish, the report is written; then exit 128 + the
 * signal's number. A second signal quits at once.
 */
const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGHUP: 129, SIGTERM: 143 } as const;
type StopSignal = keyof typeof SIGNAL_EXIT_CODES;
let stoppedBy: StopSignal | undefined;
function onStopSignal(signal: StopSignal): void {
  if (stoppedBy !== undefined) process.exit(SIGNAL_EXIT_CODES[signal]);
  stoppedBy = signal;
  const what = signal === 'SIGINT' ? 'Interrupted' : `Interrupted by ${signal}`;
  const again = signal === 'SIGINT' ? 'Ctrl-C again' : 'a second signal';
  process.stderr.write(`\n${what}: no new requests are sent; waiting for the ones in flight (${again} to quit now)\n`);
  controller.abort(signal);
}
for (const signal of Object.keys(SIGNAL_EXIT_CODES) as StopSignal[]) process.on(signal, onStopSignal);

// stdout failing — a closed pipe (`ctrl-q ... | head`), a full disk — is recorded, never thrown: the
// work goes on and its outcome decides the exit code (a closed stdout must not hide failed deletes).
// What the failure means for the exit code is decided in src/cli/context.ts.
let stdoutError: NodeJS.ErrnoException | undefined;
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  stdoutError ??= err;
});
// A closed stderr never stops the work: what it would have shown is lost, the log file keeps it.
process.stderr.on('error', () => undefined);

const stderrIsTTY = process.stderr.isTTY === true;
void import('../cli/main.js').then(({ main }) => main(process.argv.slice(2), {
  io: {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    stdinIsTTY: process.stdin.isTTY === true,
    stdoutIsTTY: process.stdout.isTTY === true,
    stderrIsTTY,
    color: stderrIsTTY && process.env.NO_COLOR === undefined,
    stdoutError: () => stdoutError,
  },
  env: process.env,
  cwd: process.cwd(),
  signal: controller.signal,
})).then((code) => {
  process.exitCode = stoppedBy !== undefined && code !== 0 ? SIGNAL_EXIT_CODES[stoppedBy] : code;
});
