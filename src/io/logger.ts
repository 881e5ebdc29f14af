/**
 * Logging through winston, always to stderr (never stdout, which carries data only), optionally
 * also to a log file with timestamps. Ctrl-Q's levels: error, warn, info, verbose, debug, silly.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import winston from 'winston';
import { UsageError } from '../errors.js';
import { shownLines } from '../safe-text.js';
import type { LogLevel } from './log-level.js';
import { readableByOthersWarning } from './file-mode.js';

/** What the layers below the CLI need from a logger; winston's Logger satisfies it. */
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

/** Opens the log file first, so an unusable path is a usage error before anything is sent. */
export async function createAppLogger(options: LoggerOptions): Promise<AppLogger> {
  const detailed = options.level === 'debug' || options.level === 'silly';
  const consoleFormat = winston.format.printf((info) => {
    const level = info.level;
    const message = printable(info.message);
    const stamp = detailed ? `${String(info.timestamp)} ` : '';
    if (level === 'info' && !detailed) return message;
    const label = options.color && COLORS[level] ? `${COLORS[level]}${level}\x1b[0m` : level;
    return `${stamp}${label}: ${message}`;
  });
  const transports: winston.transport[] = [
    new winston.transports.Stream({ stream: options.stderr, format: consoleFormat }),
  ];
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
    transports.push(
      new winston.transports.Stream({
        stream: file,
        format: winston.format.printf((info) => `${String(info.timestamp)} ${info.level}: ${printable(info.message)}`),
      }),
    );
  }
  const logger = winston.createLogger({
    level: options.level,
    levels: winston.config.npm.levels,
    format: winston.format.timestamp(),
    transports,
  });
  for (const warning of warnings) logger.warn(warning);
  return Object.assign(logger, {
    logFileError: () => fileError,
    close: () =>
      new Promise<void>((resolve) => {
        if (file === undefined) return resolve();
        const stream = file;
        // Let winston hand over what it buffered before the stream ends.
        setImmediate(() => {
          if (stream.destroyed) return resolve();
          stream.end(() => resolve());
        });
      }),
  });
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
