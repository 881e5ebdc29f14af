#!/usr/bin/env node
/** Entry point: the only code that touches process.argv, process.env, the signals and the exit code. */
import { setMaxListeners } from 'node:events';
import { main } from '../cli/main.js';

const controller = new AbortController();
// Every request in flight listens on this signal; with --concurrency above 10 that is expected.
setMaxListeners(0, controller.signal);
process.once('SIGINT', () => {
  process.stderr.write('\nInterrupted: no new requests are sent; waiting for the ones in flight (Ctrl-C again to quit now)\n');
  controller.abort();
  process.once('SIGINT', () => process.exit(130));
});

// A closed pipe (`ctrl-q ... | head`) is not an error worth a stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

const stderrIsTTY = process.stderr.isTTY === true;
main(process.argv.slice(2), {
  io: {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    stdinIsTTY: process.stdin.isTTY === true,
    stdoutIsTTY: process.stdout.isTTY === true,
    stderrIsTTY,
    color: stderrIsTTY && process.env.NO_COLOR === undefined,
  },
  env: process.env,
  cwd: process.cwd(),
  signal: controller.signal,
}).then((code) => {
  process.exitCode = controller.signal.aborted && code !== 0 ? 130 : code;
});
