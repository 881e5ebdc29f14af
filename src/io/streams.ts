/** The process's streams as the layers above see them; tests pass buffers and TTY flags. */
import type { Readable, Writable } from 'node:stream';

export interface IOStreams {
  stdin: Readable;
  /** Data only: JSON, tables, reports. */
  stdout: Writable;
  /** Logs, warnings, prompts, progress. */
  stderr: Writable;
  stdinIsTTY: boolean;
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
  /** Colour on stderr (a TTY and NO_COLOR unset). */
  color: boolean;
  /** The error stdout failed with (a closed pipe, a full disk), once it has. */
  stdoutError?: () => NodeJS.ErrnoException | undefined;
}

/** True once stdout can take no more output: a repeating command stops. */
export function outputClosed(io: IOStreams): boolean {
  return io.stdoutError?.() !== undefined;
}

/** A prompt needs a person at the keyboard: stdin and stderr (where the prompt is drawn) on a terminal. */
export function canPrompt(io: IOStreams): boolean {
  return io.stdinIsTTY && io.stderrIsTTY;
}

/**
 * Writes and waits when the stream asks to (large outputs to a slow pipe). A failed write does not
 * throw: the stream's owner records the error (src/bin/ctrl-q.ts, see IOStreams.stdoutError) and
 * the work goes on, so that its outcome still decides the exit code and reaches stderr and the log.
 */
export function write(stream: Writable, text: string): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      stream.off('drain', done);
      resolve();
    };
    const ok = stream.write(text, (err) => {
      if (err) done();
    });
    if (ok) done();
    else stream.once('drain', done);
  });
}
