/**
 * Logging, always to stderr (never stdout, which carries data only), optionally also to a log file
 * with timestamps. Ctrl-Q's levels (npm's): error, warn, info, verbose, debug, silly.
 *
 * The lines are those ctrl-q wrote through winston (a level filter, one printf format per stream,
 * ISO timestamps, os.EOL), written here directly: importing winston loads 84 modules, which cost
 * about as much CPU as Node's own start-up (measured for issue 14, Node 20), for what is ten lines
 * of work; `npm run bench` P2 and P4 have no room for it.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { EOL } from 'node:os';
import type { Writable } from 'node:stream';
import { UsageError } from '../errors.js';
import { shownLines } from '../safe-text.js';
import type { LogLevel } from './log-level.js';
import { readableByOthersWarning } from './file-mode.js';

/** What the layers below the CLI need from a logger. */
export interface Log {
  error(message: string): unknown;
  warn(message: string): unknown;
  info(message: string): unknown;
  verbose(message: string): unknown;
  debug(message: string): unknown;
  silly(message: string): unknown;
  isLevelEnabled(level: string): boolean;
}

export interface AppLogger extends Log {
  /** Flushes and closes the log file, if any. */
  close(): Promise<void>;
  /** Why the log file could not be written (a full disk, an I/O error), once it failed. */
  logFileError?(): string | undefined;
}

export interface LoggerOptions {
  level: LogLevel;
  stderr: Writable;
  color: boolean;
  logFile?: string;
}

const COLORS: Record<string, string> = { error: '\x1b[31m', warn: '\x1b[33m', verbose: '\x1b[36m', debug: '\x1b[35m', silly: '\x1b[90m' };

/**
 * The message as it may be printed: no control character reaches the terminal or the file, whatever
 * a caller forgot. Only the message's own line breaks stay; site values are `shown()` where they are
 * put into a message, so a newline of theirs cannot start a line here.
 */
function printable(message: unknown): string {
  return shownLines(String(message));
}

/** npm's levels: a message is written when its level is at most the logger's. */
const LEVELS: Readonly<Record<string, number>> = { error: 0, warn: 1, info: 2, http: 3, verbose: 4, debug: 5, silly: 6 };

/** Opens the log file first, so an unusable path is a usage error before anything is sent. */
export async function createAppLogger(options: LoggerOptions): Promise<AppLogger> {
  const detailed = options.level === 'debug' || options.level === 'silly';
  const threshold = LEVELS[options.level] ?? LEVELS.info ?? 2;
  const consoleLine = (level: string, message: string, timestamp: string): string => {
    if (level === 'info' && !detailed) return message;
    const label = options.color && COLORS[level] ? `${COLORS[level]}${level}\x1b[0m` : level;
    return `${detailed ? `${timestamp} ` : ''}${label}: ${message}`;
  };
  let file: WriteStream | undefined;
  let fileError: string | undefined;
  const warnings: string[] = [];
  if (options.logFile !== undefined) {
    const path = options.logFile;
    // Checked before opening: a file created now gets mode 600, one that exists keeps its own.
    const loose = readableByOthersWarning(path, 'log file');
    if (loose) warnings.push(loose);
    file = await openLogFile(path);
    // A log that cannot be written (full disk, I/O error) is said once on stderr; the run goes on,
    // and its exit code says the record is incomplete (see withLogger).
    file.on('error', (err: NodeJS.ErrnoException) => {
      if (fileError !== undefined) return;
      fileError = `cannot write to the log file ${path}: ${err.code ?? err.message}; the log is incomplete`;
      options.stderr.write(`warn: ${fileError}\n`);
    });
  }
  const enabled = (level: string): boolean => (LEVELS[level] ?? Infinity) <= threshold;
  const log = (level: string) => (message: string): void => {
    if (!enabled(level)) return;
    const text = printable(message);
    const timestamp = new Date().toISOString();
    options.stderr.write(`${consoleLine(level, text, timestamp)}${EOL}`);
    if (file !== undefined && !file.destroyed) file.write(`${timestamp} ${level}: ${text}${EOL}`);
  };
  const logger: AppLogger = {
    error: log('error'),
    warn: log('warn'),
    info: log('info'),
    verbose: log('verbose'),
    debug: log('debug'),
    silly: log('silly'),
    isLevelEnabled: enabled,
    logFileError: () => fileError,
    close: () =>
      new Promise<void>((resolve) => {
        if (file === undefined) return resolve();
        const stream = file;
        setImmediate(() => {
          if (stream.destroyed) return resolve();
          stream.end(() => resolve());
        });
      }),
  };
  for (const warning of warnings) logger.warn(warning);
  return logger;
}

function openLogFile(path: string): Promise<WriteStream> {
  return new Promise((resolve, reject) => {
    const stream = createWriteStream(path, { flags: 'a', mode: 0o600 });
    stream.once('open', () => resolve(stream));
    stream.once('error', (err: NodeJS.ErrnoException) => {
      reject(new UsageError(`cannot open log file ${path}: ${err.code === 'ENOENT' ? 'folder does not exist' : err.message}`));
    });
  });
}

/** A logger that drops everything; for tests and library use. */
export const silentLog: Log = {
  error: () => undefined,
  warn: () => undefined,
  info: () => undefined,
  verbose: () => undefined,
  debug: () => undefined,
  silly: () => undefined,
  isLevelEnabled: () => false,
};
