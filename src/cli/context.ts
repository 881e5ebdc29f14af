/** What every command run receives: the process's streams and environment, and a logger. */
import { CliError, ExitCode, errorMessage, markReported } from '../errors.js';
import { shown } from '../safe-text.js';
import type { AppLogger } from '../io/logger.js';
import type { Prompter } from '../io/prompter.js';
import type { IOStreams } from '../io/streams.js';
import type { Env } from './options.js';
import type { ConnectionOptions } from './connection.js';

export interface Deps {
  io: IOStreams;
  env: Env;
  cwd: string;
  /** Aborted on Ctrl-C: no new request starts, requests in flight finish. */
  signal?: AbortSignal;
  /** Questions at the terminal; defaults to inquirer on stdin/stderr. */
  prompter?: Prompter;
}

export interface CommandContext extends Deps {
  log: AppLogger;
}

/** Opens the logger (and log file) for one run and closes it afterwards, whatever happens. */
export async function withLogger(conn: Pick<ConnectionOptions, 'logLevel' | 'logFile'>, deps: Deps, run: (ctx: CommandContext) => Promise<void>): Promise<void> {
  // Loaded here, not at start-up (winston is about as much CPU to import as Node's own start-up), so
  // --help and usage errors load only what they need.
  const { createAppLogger } = await import('../io/logger.js');
  const log = await createAppLogger({
    level: conn.logLevel,
    stderr: deps.io.stderr,
    color: deps.io.color,
    logFile: conn.logFile,
  });
  try {
    await run({ ...deps, log });
  } catch (err) {
    // Errors go through the logger too, so a --log-file keeps them. The message and the hint are a
    // line each: a newline inside one (from site text) is shown as \n.
    const hint = err instanceof CliError && err.hint ? `\n${shown(err.hint)}` : '';
    log.error(`${shown(errorMessage(err))}${hint}`);
    if (err instanceof Error && err.stack) log.debug(err.stack);
    markReported(err);
    await finish(deps, log);
    throw err; // a run that failed keeps its own exit code
  }
  const problem = await finish(deps, log);
  if (problem !== undefined) {
    // The work is done; its output or its record is not complete: exit 1, said on stderr already.
    const err = new CliError(problem, ExitCode.Failure);
    markReported(err);
    throw err;
  }
}

/** Closes the log; what went wrong with stdout or the log file, if anything. */
async function finish(deps: Deps, log: AppLogger): Promise<string | undefined> {
  const output = outputProblem(deps, log);
  await log.close();
  return output ?? log.logFileError?.();
}

/**
 * What went wrong with stdout, said through the logger (so the log file has it too). A reader that
 * closed the pipe (`| head`) chose to stop reading: not an error, and the exit code stays the
 * work's own (a delete with failures is still exit 3). A full disk or an I/O error is.
 */
function outputProblem(deps: Deps, log: AppLogger): string | undefined {
  const err = deps.io.stdoutError?.();
  if (err === undefined) return undefined;
  if (err.code === 'EPIPE') {
    log.verbose('standard output was closed by its reader; the rest of the output was dropped');
    return undefined;
  }
  const message = `cannot write to standard output: ${err.code ?? err.message}; the output is incomplete`;
  log.error(message);
  return message;
}
