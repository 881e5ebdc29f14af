/**
 * The CLI run in the test's own process through main(argv, deps): buffer streams, an injected
 * environment and prompter, no child process. For parsing, precedence and exit-code mapping;
 * spawned processes stay for TLS end to end, signals and terminals.
 */
import { PassThrough } from 'node:stream';
import { main } from '../../src/cli/main.js';
import type { Prompter } from '../../src/io/prompter.js';

export interface InProcessResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface InProcessOptions {
  env?: Record<string, string>;
  cwd?: string;
  /** Pretend stdin and stderr are a terminal (so a prompt may be asked). */
  terminal?: boolean;
  prompter?: Prompter;
}

function collector(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  return { stream, text: () => text };
}

export async function runMain(argv: readonly string[], options: InProcessOptions = {}): Promise<InProcessResult> {
  const stdout = collector();
  const stderr = collector();
  const terminal = options.terminal ?? false;
  const code = await main(argv, {
    io: {
      stdin: new PassThrough(),
      stdout: stdout.stream,
      stderr: stderr.stream,
      stdinIsTTY: terminal,
      stdoutIsTTY: false,
      stderrIsTTY: terminal,
      color: false,
    },
    env: options.env ?? {},
    cwd: options.cwd ?? process.cwd(),
    prompter: options.prompter,
  });
  // Let the streams hand over what was written last.
  await new Promise((resolve) => setImmediate(resolve));
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}
