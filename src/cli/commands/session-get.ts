/** `ctrl-q qseow session-get`: list the proxy sessions of a site as JSON or a table. */
import { Command } from 'commander';
import { toConnectionOptions, type ConnectionOptions } from '../connection.js';
import { withLogger, type CommandContext, type Deps } from '../context.js';
import {
  COMMON_OPTIONS,
  GET_OUTPUT_FORMATS,
  SESSION_GET_OPTIONS,
  SORT_COLUMNS,
  TARGET_OPTIONS,
  addOptions,
  asList,
  parseChoice,
  resolveOptions,
  type GetOutputFormat,
  type OptionSpec,
  type RawValue,
  type SortColumn,
} from '../options.js';

export interface SessionGetOptions {
  conn: ConnectionOptions;
  /** Virtual proxy prefixes; all when undefined. */
  sessionVirtualProxies?: string[];
  /** Proxy host names; all when undefined. */
  hostProxies?: string[];
  outputFormat: GetOutputFormat;
  sortBy: SortColumn;
}

export type RunSessionGet = (opts: SessionGetOptions, ctx: CommandContext) => Promise<void>;

export const SESSION_GET_SPECS: readonly OptionSpec[] = [
  COMMON_OPTIONS.logLevel,
  COMMON_OPTIONS.host,
  COMMON_OPTIONS.qrsPort,
  COMMON_OPTIONS.virtualProxy,
  COMMON_OPTIONS.secure,
  TARGET_OPTIONS.sessionVirtualProxyMany,
  TARGET_OPTIONS.hostProxyMany,
  COMMON_OPTIONS.qpsPort,
  COMMON_OPTIONS.authUserDir,
  COMMON_OPTIONS.authUserId,
  COMMON_OPTIONS.authType,
  COMMON_OPTIONS.authCertFile,
  COMMON_OPTIONS.authCertKeyFile,
  COMMON_OPTIONS.authRootCertFile,
  SESSION_GET_OPTIONS.outputFormat,
  SESSION_GET_OPTIONS.sortBy,
  COMMON_OPTIONS.concurrency,
  COMMON_OPTIONS.timeout,
  COMMON_OPTIONS.logFile,
];

export function toSessionGetOptions(raw: Record<string, RawValue | undefined>, cwd: string): SessionGetOptions {
  return {
    conn: toConnectionOptions(raw, cwd),
    sessionVirtualProxies: asList(raw.sessionVirtualProxy),
    hostProxies: asList(raw.hostProxy),
    outputFormat: parseChoice('--output-format', raw.outputFormat, GET_OUTPUT_FORMATS, 'json'),
    sortBy: parseChoice('--sort-by', raw.sortBy, SORT_COLUMNS, 'prefix'),
  };
}

export function newSessionGetCommand(deps: Deps, run: RunSessionGet = runSessionGet): Command {
  const cmd = new Command('session-get').description('get info about proxy sessions on one or more virtual proxies');
  addOptions(cmd, SESSION_GET_SPECS);
  cmd.action(async (_options: unknown, command: Command) => {
    const opts = toSessionGetOptions(resolveOptions(command, SESSION_GET_SPECS, deps.env), deps.cwd);
    await withLogger(opts.conn, deps, (ctx) => run(opts, ctx));
  });
  return cmd;
}

export async function runSessionGet(opts: SessionGetOptions, ctx: CommandContext): Promise<void> {
  // Loaded on use rather than at start-up (axios alone takes ~140 ms to import), so --help is fast.
  const [{ openClients }, { failureOutcome, listWithReport }, { writeJson }, { writeSessionsTable }, { countByProxy, sortRows, toRows }] =
    await Promise.all([
      import('../clients.js'),
      import('./listing.js'),
      import('../../render/json.js'),
      import('../../render/sessions.js'),
      import('../../sessions/rows.js'),
    ]);
  const clients = openClients(opts.conn, ctx.log);
  const started = Date.now();
  try {
    const listing = await listWithReport(
      clients,
      {
        prefixes: opts.sessionVirtualProxies,
        hostProxies: opts.hostProxies,
        qpsPort: opts.conn.qpsPort,
        concurrency: opts.conn.concurrency,
        signal: ctx.signal,
      },
      ctx,
    );
    const outcome = failureOutcome(listing, ctx);
    if (outcome !== undefined && listing.results.length === 0) throw outcome;
    const rows = sortRows(toRows(listing.results), opts.sortBy);
    if (opts.outputFormat === 'table') {
      await writeSessionsTable(ctx.io.stdout, rows, countByProxy(listing.proxies, rows));
    } else {
      await writeJson(ctx.io.stdout, rows);
    }
    ctx.log.verbose(`Listed ${rows.length} sessions from ${listing.targets.length} (virtual proxy, proxy service) pairs in ${Date.now() - started} ms`);
    if (outcome !== undefined) throw outcome;
  } finally {
    clients.close();
  }
}
