/** What every command run receives: the process's streams and environment, and a logger. */
import { CliError, errorMessage, markReported } from '../errors.js';
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
  // winston is loaded here, not at start-up, so --help stays fast.
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
    // Errors go through the logger too, so a --log-file keeps them.
    const hint = err instanceof CliError && err.hint ? `\n${err.hint}` : '';
    log.error(`${errorMessage(err)}${hint}`);
    if (err instanceof Error && err.stack) log.debug(err.stack);
    markReported(err);
    throw err;
  } finally {
    await log.close();
  }
}
