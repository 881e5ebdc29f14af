/**
 * `ctrl-q qseow session-get`: list the proxy sessions of a site as JSON, a table or a summary of
 * counts; optionally again and again (--watch) or until none is left (--wait-until-empty).
 */
import { Command } from 'commander';
import type { UserFilter } from '../../sessions/filter.js';
import { toUserFilter } from '../user-options.js';
import { count } from '../../plural.js';
import { SORT_COLUMNS, type SortColumn } from '../../sessions/rows.js';
import { toConnectionOptions, type ConnectionOptions } from '../connection.js';
import { withLogger, type CommandContext, type Deps } from '../context.js';
import {
  COMMON_OPTIONS,
  USER_AND_CERTIFICATE_OPTIONS,
  GET_OUTPUT_FORMATS,
  SESSION_GET_OPTIONS,
  TARGET_OPTIONS,
  WATCH_OPTIONS,
  addOptions,
  asList,
  parseChoice,
  parseSeconds,
  resolveOptions,
  type GetOutputFormat,
  type Env,
  type OptionSpec,
  type OptionValues,
} from '../options.js';

export interface SessionGetOptions {
  conn: ConnectionOptions;
  /** Virtual proxy prefixes; all when undefined. */
  sessionVirtualProxies?: string[];
  /** Proxy host names; all when undefined. */
  hostProxies?: string[];
  outputFormat: GetOutputFormat;
  sortBy: SortColumn;
  /** --exclude-user, --session-user-dir, --session-user-id. */
  users: UserFilter;
  /** --watch: seconds between readings; undefined: read once (--wait-until-empty: every 30 s). */
  watchSeconds?: number;
  /** --wait-until-empty: minutes to wait for the site to have no sessions. */
  waitUntilEmptyMinutes?: number;
}

/** How often --wait-until-empty checks when --watch is not given. */
const DEFAULT_WAIT_INTERVAL_SECONDS = 30;

export type RunSessionGet = (opts: SessionGetOptions, ctx: CommandContext) => Promise<void>;

export const SESSION_GET_SPECS = [
  COMMON_OPTIONS.logLevel,
  COMMON_OPTIONS.host,
  COMMON_OPTIONS.qrsPort,
  COMMON_OPTIONS.virtualProxy,
  COMMON_OPTIONS.secure,
  TARGET_OPTIONS.sessionVirtualProxy,
  TARGET_OPTIONS.hostProxy,
  ...USER_AND_CERTIFICATE_OPTIONS,
  SESSION_GET_OPTIONS.outputFormat,
  SESSION_GET_OPTIONS.sortBy,
  WATCH_OPTIONS.watch,
  WATCH_OPTIONS.waitUntilEmpty,
  COMMON_OPTIONS.concurrency,
  COMMON_OPTIONS.maxConcurrency,
  COMMON_OPTIONS.timeout,
  COMMON_OPTIONS.maxResponseSize,
  COMMON_OPTIONS.logFile,
] as const satisfies readonly OptionSpec[];

export type SessionGetValues = OptionValues<typeof SESSION_GET_SPECS>;

function toSessionGetOptions(raw: SessionGetValues, cwd: string, env: Env = {}): SessionGetOptions {
  return {
    conn: toConnectionOptions(raw, cwd, env),
    sessionVirtualProxies: asList(raw.sessionVirtualProxy),
    hostProxies: asList(raw.hostProxy),
    outputFormat: parseChoice('--output-format', raw.outputFormat, GET_OUTPUT_FORMATS, 'json'),
    sortBy: parseChoice('--sort-by', raw.sortBy, SORT_COLUMNS, 'prefix'),
    users: toUserFilter(raw),
    watchSeconds: parseSeconds('--watch', raw.watch, 0.5, 86_400),
    waitUntilEmptyMinutes: parseSeconds('--wait-until-empty', raw.waitUntilEmpty, 0, 10_080),
  };
}

export function newSessionGetCommand(deps: Deps, run: RunSessionGet = runSessionGet): Command {
  const cmd = new Command('session-get').description('get info about proxy sessions on one or more virtual proxies');
  addOptions(cmd, SESSION_GET_SPECS);
  cmd.action(async (_options: unknown, command: Command) => {
    const opts = toSessionGetOptions(resolveOptions(command, SESSION_GET_SPECS, deps.env), deps.cwd, deps.env);
    await withLogger(opts.conn, deps, (ctx) => run(opts, ctx));
  });
  return cmd;
}

async function runSessionGet(opts: SessionGetOptions, ctx: CommandContext): Promise<void> {
  // Loaded on use rather than at start-up, so --help loads only what it needs.
  const [{ openClients }, { failureOutcome }, { readSnapshot, repeatLog }, { writeSnapshot }] = await Promise.all([
    import('../clients.js'),
    import('./listing.js'),
    import('./snapshot.js'),
    import('./get-formats.js'),
  ]);
  const clients = openClients(opts.conn, ctx.log);
  const query = {
    sessionVirtualProxies: opts.sessionVirtualProxies,
    hostProxies: opts.hostProxies,
    qpsPort: opts.conn.qpsPort,
    concurrency: opts.conn.concurrency,
    users: opts.users,
    sortBy: opts.sortBy,
  };
  const quiet = { ...ctx, log: repeatLog(ctx.log) };
  const read = (repeat: boolean, signal = ctx.signal) => readSnapshot(clients, query, { ...(repeat ? quiet : ctx), signal });
  const started = Date.now();
  try {
    if (opts.waitUntilEmptyMinutes !== undefined || opts.watchSeconds !== undefined) {
      const { waitUntilEmpty, watchSessions } = await import('./watch.js');
      if (opts.waitUntilEmptyMinutes !== undefined) {
        const intervalMs = (opts.watchSeconds ?? DEFAULT_WAIT_INTERVAL_SECONDS) * 1000;
        const timeoutMs = opts.waitUntilEmptyMinutes * 60_000;
        return await waitUntilEmpty(read, { intervalMs, timeoutMs, format: opts.outputFormat }, ctx);
      }
      return await watchSessions(read, { intervalMs: (opts.watchSeconds ?? 0) * 1000, format: opts.outputFormat }, ctx);
    }
    const snapshot = await read(false);
    const outcome = failureOutcome(snapshot.listing, ctx);
    if (outcome !== undefined && snapshot.listing.results.length === 0) throw outcome;
    await writeSnapshot(ctx.io.stdout, opts.outputFormat, snapshot);
    ctx.log.verbose(
      `Listed ${count(snapshot.rows.length, 'session')} from ${count(snapshot.listing.targets.length, '(virtual proxy, proxy service) pair')} in ${Date.now() - started} ms`,
    );
    if (outcome !== undefined) throw outcome;
  } finally {
    clients.close();
  }
}
