/**
 * Typed errors and the exit codes they map to. An error becomes an exit code in one place,
 * src/cli/main.ts, and src/bin/ctrl-q.ts sets it; the only codes decided elsewhere are those of a
 * run stopped by a signal (130, 143, 129), in src/bin/ctrl-q.ts. Everything else throws.
 */
export const ExitCode = {
  /** Success, including "no sessions found". */
  Ok: 0,
  /** API error, network error, unexpected error. */
  Failure: 1,
  /** Invalid option or value, unreadable file, destructive action without --yes off a terminal. */
  Usage: 2,
  /** Some nodes, virtual proxies or deletions failed; the rest was done and reported. */
  Partial: 3,
  /** TLS or authorisation failure. */
  Auth: 4,
  /** --wait-until-empty ran out of time with sessions still present. */
  WaitTimeout: 5,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export class CliError extends Error {
  readonly exitCode: ExitCode;
  /** One extra line telling the user what to do next. */
  readonly hint?: string;

  constructor(message: string, exitCode: ExitCode, options?: { hint?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.exitCode = exitCode;
    this.hint = options?.hint;
  }
}

/** Bad input: nothing has been sent to any server. */
export class UsageError extends CliError {
  constructor(message: string, options?: { hint?: string; cause?: unknown }) {
    super(message, ExitCode.Usage, options);
  }
}

export type QlikService = 'QRS' | 'QPS';

export interface RequestInfo {
  service: QlikService;
  method: string;
  host: string;
  port: number;
  /** Path without the query string (the xrfkey is never part of it). */
  path: string;
}

/** A request to QRS or QPS failed (network, timeout, HTTP status, unparsable body). */
export class QlikApiError extends CliError {
  readonly request: RequestInfo;
  readonly status?: number;
  /** Node error code such as ECONNRESET, or a code of ours such as EMALFORMED. */
  readonly code?: string;
  /** Worth retrying: connection reset, 502/503/504. */
  readonly transient: boolean;

  constructor(
    message: string,
    request: RequestInfo,
    options: { status?: number; code?: string; transient?: boolean; hint?: string; cause?: unknown; exitCode?: ExitCode },
  ) {
    super(message, options.exitCode ?? ExitCode.Failure, options);
    this.request = request;
    this.status = options.status;
    this.code = options.code;
    this.transient = options.transient ?? false;
  }
}

/** TLS failure or HTTP 401/403: the certificates or the user are wrong, retrying will not help. */
export class AuthError extends QlikApiError {
  constructor(
    message: string,
    request: RequestInfo,
    options: { status?: number; code?: string; hint?: string; cause?: unknown },
  ) {
    super(message, request, { ...options, transient: false, exitCode: ExitCode.Auth });
  }
}

/** Part of the work failed; what succeeded has been output already. */
export class PartialFailureError extends CliError {
  constructor(message: string) {
    super(message, ExitCode.Partial);
  }
}

/** The user answered "no" at a confirmation prompt, or interrupted it. Nothing was changed. */
export class CancelledError extends CliError {
  constructor(message = 'Cancelled, nothing was deleted.') {
    super(message, ExitCode.Failure);
  }
}

/** --wait-until-empty ran out of time. */
export class WaitTimeoutError extends CliError {
  constructor(message: string) {
    super(message, ExitCode.WaitTimeout);
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

const reported = new WeakSet<object>();

/** Marks an error as already shown to the user (through the logger), so it is not printed twice. */
export function markReported(err: unknown): void {
  if (typeof err === 'object' && err !== null) reported.add(err);
}

export function isReported(err: unknown): boolean {
  return typeof err === 'object' && err !== null && reported.has(err);
}
