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
}

/** A prompt needs a person at the keyboard: stdin and stderr (where the prompt is drawn) on a terminal. */
export function canPrompt(io: IOStreams): boolean {
  return io.stdinIsTTY && io.stderrIsTTY;
}

/** Writes and waits when the stream asks to (large outputs to a slow pipe). */
export function write(stream: Writable, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const ok = stream.write(text, (err) => {
      if (err) reject(err);
    });
    if (ok) resolve();
    else stream.once('drain', () => resolve());
  });
}
