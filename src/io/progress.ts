/**
 * "done / total" on stderr while long work runs: only on a terminal, only after a second, cleared
 * at the end. Nothing is written when stderr is a pipe or a file.
 */
import type { IOStreams } from './streams.js';

export interface Progress {
  update(done: number, total: number): void;
  stop(): void;
}

export function createProgress(io: IOStreams, label: string, delayMs = 1000): Progress {
  if (!io.stderrIsTTY) return { update: () => undefined, stop: () => undefined };
  const started = Date.now();
  let shown = false;
  let last = '';
  let latest: [number, number] = [0, 0];
  const draw = (): void => {
    const text = `${label}: ${latest[0]} / ${latest[1]}`;
    if (text === last) return;
    last = text;
    shown = true;
    io.stderr.write(`\r\x1b[2K${text}`);
  };
  // Redraw at most 10 times a second, and at all only once the work has taken longer than delayMs.
  const timer = setInterval(() => {
    if (Date.now() - started >= delayMs) draw();
  }, 100);
  timer.unref();
  return {
    update(done, total) {
      latest = [done, total];
    },
    stop() {
      clearInterval(timer);
      if (shown) io.stderr.write('\r\x1b[2K');
    },
  };
}
