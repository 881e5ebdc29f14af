/**
 * `ctrl-q qseow session-delete`: delete sessions by id, all sessions on the targets, or a user's
 * sessions. Plan → (confirm) → execute, with a report; never a prompt without a terminal.
 */
import { Command } from 'commander';
import { CancelledError, CliError, PartialFailureError, UsageError } from '../../errors.js';
import { canPrompt, write } from '../../io/streams.js';
import { shown } from '../../safe-text.js';
import type { DeletePlan, DeleteRequest, PlanItem } from '../../sessions/delete.js';
import type { Target } from '../../sessions/site.js';
import { toConnectionOptions, type ConnectionOptions } from '../connection.js';
import { withLogger, type CommandContext, type Deps } from '../context.js';
import { count } from '../../render/plural.js';
import {
  COMMON_OPTIONS,
  DELETE_USER_AND_CERTIFICATE_OPTIONS,
  DELETE_OUTPUT_FORMATS,
  SESSION_DELETE_OPTIONS,
  addOptions,
  asList,
  asString,
  parseBoolean,
  parseChoice,
  resolveOptions,
  type DeleteOutputFormat,
  type Env,
  type OptionSpec,
  type RawValue,
} from '../options.js';

export interface SessionDeleteOptions {
  conn: ConnectionOptions;
  hostProxies: string[];
  /** Virtual proxy prefixes; `""` is the default virtual proxy. */
  prefixes: string[];
  request: DeleteRequest;
  /** --exclude-user patterns: left alone by delete-all and by-user plans. */
  excludeUsers: string[];
  yes: boolean;
  dryRun: boolean;
  interactive: boolean;
  outputFormat: DeleteOutputFormat;
}

export type RunSessionDelete = (opts: SessionDeleteOptions, ctx: CommandContext) => Promise<void>;

export const SESSION_DELETE_SPECS: readonly OptionSpec[] = [
  COMMON_OPTIONS.logLevel,
  COMMON_OPTIONS.host,
  COMMON_OPTIONS.qrsPort,
  COMMON_OPTIONS.virtualProxy,
  COMMON_OPTIONS.secure,
  SESSION_DELETE_OPTIONS.sessionId,
  SESSION_DELETE_OPTIONS.sessionVirtualProxy,
  SESSION_DELETE_OPTIONS.hostProxy,
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
];

function nonEmpty(flag: string, values: string[] | undefined): string[] | undefined {
  if (values === undefined) return undefined;
  if (values.length === 0 || values.some((v) => v.trim() === '')) throw new UsageError(`option '${flag}' must not be empty`);
  return values.map((v) => v.trim());
}

export function toSessionDeleteOptions(raw: Record<string, RawValue | undefined>, cwd: string, env: Env = {}): SessionDeleteOptions {
  const sessionIds = nonEmpty('--session-id', asList(raw.sessionId));
  const userDir = raw.sessionUserDir === undefined ? undefined : asString(raw.sessionUserDir).trim();
  const userIds = nonEmpty('--session-user-id', asList(raw.sessionUserId));
  if (userDir === '') throw new UsageError("option '--session-user-dir' must not be empty");
  if (userIds !== undefined && userDir === undefined) {
    throw new UsageError("option '--session-user-id' needs '--session-user-dir <directory>' too");
  }
  if (userDir !== undefined && userIds === undefined) {
    throw new UsageError("option '--session-user-dir' needs '--session-user-id <userid...>' too");
  }
  if (sessionIds !== undefined && userDir !== undefined) {
    throw new UsageError("use either '--session-id' or '--session-user-dir'/'--session-user-id', not both");
  }
  const request: DeleteRequest =
    sessionIds !== undefined
      ? { mode: 'ids', sessionIds: [...new Set(sessionIds)] }
      : userDir !== undefined && userIds !== undefined
        ? { mode: 'user', userDir, userIds }
        : { mode: 'all' };
  const interactive = parseBoolean('--interactive', raw.interactive, false);
  const yes = parseBoolean('--yes', raw.yes, false);
  if (interactive && yes) throw new UsageError("use either '--interactive' or '--yes', not both");
  return {
    conn: toConnectionOptions(raw, cwd, env),
    hostProxies: nonEmpty('--host-proxy', asList(raw.hostProxy)) ?? [],
    prefixes: [...new Set(asList(raw.sessionVirtualProxy) ?? [''])],
    request,
    excludeUsers: nonEmpty('--exclude-user', asList(raw.excludeUser)) ?? [],
    yes,
    dryRun: parseBoolean('--dry-run', raw.dryRun, false),
    interactive,
    outputFormat: parseChoice('--output-format', raw.outputFormat, DELETE_OUTPUT_FORMATS, 'text'),
  };
}

export function newSessionDeleteCommand(deps: Deps, run: RunSessionDelete = runSessionDelete): Command {
  const cmd = new Command('session-delete').description(
    'delete proxy sessions: by id, every session on the given virtual proxies and proxies, or the sessions of users',
  );
  addOptions(cmd, SESSION_DELETE_SPECS);
  cmd.action(async (_options: unknown, command: Command) => {
    const opts = toSessionDeleteOptions(resolveOptions(command, SESSION_DELETE_SPECS, deps.env), deps.cwd, deps.env);
    refuseWithoutTerminal(opts, deps);
    await withLogger(opts.conn, deps, (ctx) => run(opts, ctx));
  });
  return cmd;
}

/** A plan that needs confirmation: anything but explicit ids on one virtual proxy and one proxy. */
function mayNeedConfirmation(opts: SessionDeleteOptions): boolean {
  return opts.request.mode !== 'ids' || opts.prefixes.length > 1 || opts.hostProxies.length > 1;
}

/**
 * Decided before anything is sent: a scheduled task (no terminal) gets a clear refusal and exit 2,
 * never a prompt that hangs or silently does nothing.
 */
function refuseWithoutTerminal(opts: SessionDeleteOptions, deps: Deps): void {
  if (opts.interactive && !canPrompt(deps.io)) {
    throw new UsageError("'--interactive' needs a terminal; use --session-id, or --yes to delete without asking");
  }
  if (opts.dryRun || opts.yes || opts.interactive || canPrompt(deps.io)) return;
  if (mayNeedConfirmation(opts)) {
    throw new UsageError(
      'not deleting: this delete needs confirmation and there is no terminal to ask on. Add --yes to delete without asking, or --dry-run to see what would be deleted',
    );
  }
}

function planTargets(plan: DeletePlan): Target[] {
  const seen = new Map<string, Target>();
  for (const item of plan.items) seen.set(`${item.target.vp.id}@${item.target.node.id}`, item.target);
  return [...seen.values()];
}

function onlyChosen(plan: DeletePlan, chosen: ReadonlySet<string>): DeletePlan {
  const items: PlanItem[] = [];
  for (const item of plan.items) {
    const sessions = item.kind === 'session' ? [item.session] : item.sessions;
    for (const session of sessions) {
      if (chosen.has(`${item.target.vp.id}@${item.target.node.id}/${session.SessionId}`)) {
        items.push({ kind: 'session', target: item.target, session });
      }
    }
  }
  return { ...plan, items };
}

export async function runSessionDelete(opts: SessionDeleteOptions, ctx: CommandContext): Promise<void> {
  // Loaded on use rather than at start-up, so --help stays fast.
  const [{ openClients }, { failureOutcome, listWithReport }, deletion, { matchesAnyUser }, report, { writeJson }, { createProgress }, prompts] =
    await Promise.all([
      import('../clients.js'),
      import('./listing.js'),
      import('../../sessions/delete.js'),
      import('../../sessions/filter.js'),
      import('../../render/delete-report.js'),
      import('../../render/json.js'),
      import('../../io/progress.js'),
      import('../../io/prompter.js'),
    ]);
  const { log, io } = ctx;
  const prompter = ctx.prompter ?? prompts.inquirerPrompter(io.stdin, io.stderr);
  const clients = openClients(opts.conn, log);
  try {
    const listing = await listWithReport(
      clients,
      {
        prefixes: opts.prefixes,
        hostProxies: opts.hostProxies,
        qpsPort: opts.conn.qpsPort,
        concurrency: opts.conn.concurrency,
        signal: ctx.signal,
        users: { userDir: opts.request.mode === 'user' ? opts.request.userDir : undefined, excludeUsers: opts.excludeUsers },
      },
      ctx,
      (_target, sessions) => sessions, // the plan needs the sessions as QPS sent them
    );
    const listingProblem = failureOutcome(listing, ctx);
    if (listingProblem !== undefined && listing.results.length === 0) throw listingProblem;

    let plan = deletion.planDeletion(listing.results, opts.request, {
      exclude: opts.excludeUsers.length > 0 ? matchesAnyUser(opts.excludeUsers) : undefined,
    });
    // With a node unread, "not found" only speaks for the proxies that answered.
    const where = listingProblem === undefined ? '' : ' on the proxies that could be read';
    for (const id of plan.missingIds) log.warn(`${report.notFoundLine(id)}${where}`);
    for (const user of plan.excludedUsers) log.warn(`Not deleting the sessions of ${shown(user)}: excluded by --exclude-user`);
    if (plan.excludedSessions > 0) log.info(`Leaving ${count(plan.excludedSessions, 'session')} of users excluded by --exclude-user`);

    if (opts.interactive && plan.items.length > 0) {
      const choices = deletion.plannedSessions(plan).map(({ target, session }) => ({
        name: `${report.userLabel(session)}  ${target.vp.prefix === '' ? '(default)' : shown(target.vp.prefix)}@${shown(target.node.host)}  ${shown(session.SessionId)}`,
        value: `${target.vp.id}@${target.node.id}/${session.SessionId}`,
      }));
      const chosen = await prompter.checklist('Sessions to delete (space to tick, enter to confirm)', choices);
      plan = onlyChosen(plan, new Set(chosen));
    }

    const planned = deletion.plannedSessions(plan);
    const targets = planTargets(plan);
    if (opts.dryRun) {
      log.info(`Dry run: would delete ${report.describeScope(planned.length, targets)}; nothing was deleted`);
      if (opts.outputFormat === 'json') await writeJson(io.stdout, report.jsonPlan(plan));
      else if (planned.length > 0) await write(io.stdout, `${report.planTable(plan)}\n`);
      if (listingProblem !== undefined) throw listingProblem;
      return;
    }

    const needsConfirmation = planned.length > 0 && !opts.yes && !opts.interactive && (opts.request.mode !== 'ids' || targets.length > 1);
    if (needsConfirmation) {
      if (!canPrompt(io)) {
        throw new UsageError('not deleting: this delete needs confirmation and there is no terminal to ask on. Add --yes, or --dry-run to see what would be deleted');
      }
      const answer = await prompter.confirm(`Delete ${report.describeScope(planned.length, targets)}?`);
      if (!answer) throw new CancelledError('Not deleting any sessions.');
    }

    const progress = createProgress(io, 'Deleting sessions');
    let result;
    try {
      result = await deletion.executeDeletion(clients.qps, plan, {
        concurrency: opts.conn.concurrency,
        signal: ctx.signal,
        onProgress: (done, total) => progress.update(done, total),
        onEvent: (event) => {
          if (event.type === 'deleted') log.info(report.deletedLine(event.outcome));
          else if (event.type === 'notFound') log.warn(report.notFoundLine(event.outcome.session.SessionId));
          else log.error(`Session ID "${shown(event.outcome.session.SessionId)}" could not be deleted: ${shown(event.outcome.reason)}`);
        },
      });
    } finally {
      progress.stop();
    }
    log.info(`Deleted ${count(result.deleted.length, 'session')}`);
    const notFound = result.notFound.length + plan.missingIds.length;
    if (notFound > 0) log.info(`${notFound} not found`);
    if (opts.outputFormat === 'json') await writeJson(io.stdout, report.jsonReport(result, plan.missingIds));

    if (result.failed.length > 0) {
      const first = result.failed[0]?.error;
      if (result.deleted.length === 0 && result.notFound.length === 0 && first instanceof CliError && !ctx.signal?.aborted) throw first;
      throw new PartialFailureError(
        `${result.failed.length} of ${count(planned.length, 'session')} could not be deleted (${result.deleted.length} deleted, ${notFound} not found)`,
      );
    }
    if (listingProblem !== undefined) throw listingProblem;
  } finally {
    clients.close();
  }
}
