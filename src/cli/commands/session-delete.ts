/**
 * `ctrl-q qseow session-delete`: delete sessions by id, all sessions on the targets, a user's
 * sessions, or the rows of a session-get listing (--from-json). Options → plan → select
 * (--interactive) → confirm → execute → report; never a prompt without a terminal.
 */
import { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { canPrompt } from '../../io/streams.js';
import type { ReportFilters } from '../../render/delete-report.js';
import type { DeleteRequest } from '../../sessions/delete.js';
import type { UserFilter } from '../../sessions/filter.js';
import { toUserFilter } from '../user-options.js';
import { toConnectionOptions, type ConnectionOptions } from '../connection.js';
import { withLogger, type CommandContext, type Deps } from '../context.js';
import {
  COMMON_OPTIONS,
  DELETE_USER_AND_CERTIFICATE_OPTIONS,
  DELETE_OUTPUT_FORMATS,
  SESSION_DELETE_OPTIONS,
  addOptions,
  asList,
  nonEmptyList,
  asString,
  parseBoolean,
  parseChoice,
  resolveOptions,
  type DeleteOutputFormat,
  type Env,
  type OptionSpec,
  type OptionValues,
} from '../options.js';

/** What to delete before the rows of --from-json are read: those come in as a `rows` request. */
export type DeleteWhat = Exclude<DeleteRequest, { mode: 'rows' }> | { mode: 'fromJson'; source: string };

export interface SessionDeleteOptions {
  conn: ConnectionOptions;
  /** Proxy host names; undefined means every proxy node (--all-host-proxies, --from-json). */
  hostProxies: string[] | undefined;
  /** Virtual proxy prefixes, `""` the default one; undefined means every linked virtual proxy. */
  prefixes: string[] | undefined;
  what: DeleteWhat;
  /** --exclude-user patterns: left alone by delete-all and by-user plans. */
  excludeUsers: string[];
  yes: boolean;
  dryRun: boolean;
  interactive: boolean;
  outputFormat: DeleteOutputFormat;
  /** The options that chose what to delete, for the report. */
  filters: ReportFilters;
}

export type RunSessionDelete = (opts: SessionDeleteOptions, ctx: CommandContext) => Promise<void>;

export const SESSION_DELETE_SPECS = [
  COMMON_OPTIONS.logLevel,
  COMMON_OPTIONS.host,
  COMMON_OPTIONS.qrsPort,
  COMMON_OPTIONS.virtualProxy,
  COMMON_OPTIONS.secure,
  SESSION_DELETE_OPTIONS.sessionId,
  SESSION_DELETE_OPTIONS.sessionVirtualProxy,
  SESSION_DELETE_OPTIONS.allVirtualProxies,
  SESSION_DELETE_OPTIONS.hostProxy,
  SESSION_DELETE_OPTIONS.allHostProxies,
  SESSION_DELETE_OPTIONS.fromJson,
  ...DELETE_USER_AND_CERTIFICATE_OPTIONS,
  SESSION_DELETE_OPTIONS.yes,
  SESSION_DELETE_OPTIONS.dryRun,
  SESSION_DELETE_OPTIONS.interactive,
  SESSION_DELETE_OPTIONS.outputFormat,
  COMMON_OPTIONS.concurrency,
  COMMON_OPTIONS.maxConcurrency,
  COMMON_OPTIONS.timeout,
  COMMON_OPTIONS.maxResponseSize,
  COMMON_OPTIONS.logFile,
] as const satisfies readonly OptionSpec[];

export type SessionDeleteValues = OptionValues<typeof SESSION_DELETE_SPECS>;

function notBoth(a: string, aGiven: boolean, b: string, bGiven: boolean): void {
  if (aGiven && bGiven) throw new UsageError(`use either '${a}' or '${b}', not both`);
}

/** By id, by user, everything, or the rows of a file: the options that pick one, checked together. */
function toWhat(raw: SessionDeleteValues, users: UserFilter): DeleteWhat {
  const sessionIds = nonEmptyList('--session-id', asList(raw.sessionId));
  const { userDir, userIds } = users;
  const fromJson = raw.fromJson === undefined ? undefined : asString(raw.fromJson).trim();
  if (fromJson === '') throw new UsageError("option '--from-json' must not be empty");
  if (userIds !== undefined && userDir === undefined) {
    throw new UsageError("option '--session-user-id' needs '--session-user-dir <directory>' too");
  }
  if (userDir !== undefined && userIds === undefined) {
    throw new UsageError("option '--session-user-dir' needs '--session-user-id <userid...>' too");
  }
  notBoth('--session-id', sessionIds !== undefined, "--session-user-dir'/'--session-user-id", userDir !== undefined);
  notBoth('--from-json', fromJson !== undefined, '--session-id', sessionIds !== undefined);
  notBoth('--from-json', fromJson !== undefined, "--session-user-dir'/'--session-user-id", userDir !== undefined);
  if (fromJson !== undefined) return { mode: 'fromJson', source: fromJson };
  if (sessionIds !== undefined) return { mode: 'ids', sessionIds: [...new Set(sessionIds)] };
  if (userDir !== undefined && userIds !== undefined) return { mode: 'user', userDir, userIds };
  return { mode: 'all' };
}

/** The proxy nodes and virtual proxies: listed, all, or (for --from-json) those of the rows. */
function toTargets(raw: SessionDeleteValues, fromJson: boolean): Pick<SessionDeleteOptions, 'hostProxies' | 'prefixes'> {
  const hostProxies = nonEmptyList('--host-proxy', asList(raw.hostProxy));
  const allHosts = parseBoolean('--all-host-proxies', raw.allHostProxies, false);
  const listedPrefixes = asList(raw.sessionVirtualProxy);
  const allPrefixes = parseBoolean('--all-virtual-proxies', raw.allVirtualProxies, false);
  notBoth('--host-proxy', hostProxies !== undefined, '--all-host-proxies', allHosts);
  notBoth('--session-virtual-proxy', listedPrefixes !== undefined, '--all-virtual-proxies', allPrefixes);
  if (fromJson) {
    const given: [string, boolean][] = [
      ['--host-proxy', hostProxies !== undefined],
      ['--all-host-proxies', allHosts],
      ['--session-virtual-proxy', listedPrefixes !== undefined],
      ['--all-virtual-proxies', allPrefixes],
    ];
    const clash = given.find(([, isGiven]) => isGiven)?.[0];
    if (clash !== undefined) throw new UsageError(`use either '--from-json' or '${clash}', not both: the rows name their proxy node and virtual proxy`);
    return { hostProxies: undefined, prefixes: undefined };
  }
  if (hostProxies === undefined && !allHosts) {
    throw new UsageError("required option '--host-proxy <host...>' not specified (or set CTRLQ_HOST_PROXY), or use --all-host-proxies");
  }
  return { hostProxies: allHosts ? undefined : hostProxies, prefixes: allPrefixes ? undefined : [...new Set(listedPrefixes ?? [''])] };
}

function toSessionDeleteOptions(raw: SessionDeleteValues, cwd: string, env: Env = {}): SessionDeleteOptions {
  const users = toUserFilter(raw);
  const what = toWhat(raw, users);
  const targets = toTargets(raw, what.mode === 'fromJson');
  const interactive = parseBoolean('--interactive', raw.interactive, false);
  const yes = parseBoolean('--yes', raw.yes, false);
  const dryRun = parseBoolean('--dry-run', raw.dryRun, false);
  const excludeUsers = [...(users.excludeUsers ?? [])];
  if (interactive && yes) throw new UsageError("use either '--interactive' or '--yes', not both");
  if (what.mode === 'fromJson') {
    notBoth('--from-json', true, '--interactive', interactive);
    notBoth('--from-json', true, '--exclude-user', excludeUsers.length > 0);
    if (what.source === '-' && !yes && !dryRun) {
      throw new UsageError(
        "not deleting: '--from-json -' reads the rows from stdin, which leaves no terminal to confirm on. Add --yes to delete them without asking, or --dry-run to see the plan",
      );
    }
  }
  return {
    conn: toConnectionOptions(raw, cwd, env),
    ...targets,
    what,
    excludeUsers,
    yes,
    dryRun,
    interactive,
    outputFormat: parseChoice('--output-format', raw.outputFormat, DELETE_OUTPUT_FORMATS, 'text'),
    filters: {
      hostProxy: targets.hostProxies ?? null,
      allHostProxies: what.mode !== 'fromJson' && targets.hostProxies === undefined,
      sessionVirtualProxy: targets.prefixes ?? null,
      allVirtualProxies: what.mode !== 'fromJson' && targets.prefixes === undefined,
      sessionId: what.mode === 'ids' ? [...what.sessionIds] : null,
      sessionUserDir: what.mode === 'user' ? what.userDir : null,
      sessionUserId: what.mode === 'user' ? [...what.userIds] : null,
      excludeUser: excludeUsers,
      fromJson: what.mode === 'fromJson' ? what.source : null,
      interactive,
    },
  };
}

export function newSessionDeleteCommand(deps: Deps, run?: RunSessionDelete): Command {
  const cmd = new Command('session-delete').description(
    'delete proxy sessions: by id, every session on the given virtual proxies and proxies, the sessions of users, or the rows of a session-get listing',
  );
  addOptions(cmd, SESSION_DELETE_SPECS);
  cmd.action(async (_options: unknown, command: Command) => {
    const opts = toSessionDeleteOptions(resolveOptions(command, SESSION_DELETE_SPECS, deps.env), deps.cwd, deps.env);
    refuseWithoutTerminal(opts, deps);
    // Loaded on use rather than at start-up, so --help stays fast.
    const runner = run ?? (await import('./session-delete-run.js')).runSessionDelete;
    await withLogger(opts.conn, deps, (ctx) => runner(opts, ctx));
  });
  return cmd;
}

/**
 * The one confirmation rule, before anything is sent and again once the plan is known: a delete asks
 * first unless --yes, --interactive (the checklist is the question) or --dry-run, or unless it is of
 * explicit session ids on one (virtual proxy, proxy node) pair. `pairs`: how many pairs it deletes
 * on; undefined while that is not known (every proxy node, every virtual proxy, or --from-json).
 */
export function asksFirst(opts: Pick<SessionDeleteOptions, 'yes' | 'interactive' | 'dryRun' | 'what'>, pairs: number | undefined): boolean {
  if (opts.yes || opts.interactive || opts.dryRun) return false;
  return opts.what.mode !== 'ids' || pairs === undefined || pairs > 1;
}

/** The pairs a delete of these options may touch, when the options alone say. */
function namedPairs(opts: SessionDeleteOptions): number | undefined {
  return opts.prefixes === undefined || opts.hostProxies === undefined ? undefined : opts.prefixes.length * opts.hostProxies.length;
}

export const NO_TERMINAL_TO_CONFIRM =
  'not deleting: this delete needs confirmation and there is no terminal to ask on. Add --yes to delete without asking, or --dry-run to see what would be deleted';

/**
 * Decided before anything is sent: a scheduled task (no terminal) gets a clear refusal and exit 2,
 * never a prompt that hangs or silently does nothing.
 */
function refuseWithoutTerminal(opts: SessionDeleteOptions, deps: Deps): void {
  if (opts.interactive && !canPrompt(deps.io)) {
    throw new UsageError("'--interactive' needs a terminal; use --session-id, or --yes to delete without asking");
  }
  if (!canPrompt(deps.io) && asksFirst(opts, namedPairs(opts))) throw new UsageError(NO_TERMINAL_TO_CONFIRM);
}
