/**
 * session-delete's run, one step per function: plan → select (--interactive) → confirm → execute →
 * report. Loaded only when a delete runs, so --help stays fast.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { CancelledError, CliError, PartialFailureError, UsageError, errorMessage } from '../../errors.js';
import type { Log } from '../../io/logger.js';
import { createProgress } from '../../io/progress.js';
import { inquirerPrompter } from '../../io/prompter.js';
import { canPrompt, write } from '../../io/streams.js';
import { confirmationLines } from '../../render/delete-plan.js';
import * as report from '../../render/delete-report.js';
import { count } from '../../plural.js';
import { shown } from '../../safe-text.js';
import {
  executeDeletion,
  planDeletion,
  plannedSessions,
  type DeleteEvent,
  type DeletePlan,
  type DeleteRequest,
  type DeleteResult,
  type PlanItem,
} from '../../sessions/delete.js';
import type { TargetFailure } from '../../sessions/fetch.js';
import type { Concurrency } from '../../sessions/pool.js';
import { matchesAnyUser } from '../../sessions/filter.js';
import { checkRows, parseRows, rowTargets } from '../../sessions/from-json.js';
import type { Target } from '../../sessions/site.js';
import { VERSION } from '../../version.js';
import { openClients, type Clients } from '../clients.js';
import type { CommandContext } from '../context.js';
import { DELETE_FORMATS } from './delete-formats.js';
import { failureOutcome, listWithReport } from './listing.js';
import { asksFirst, NO_TERMINAL_TO_CONFIRM, type SessionDeleteOptions } from './session-delete.js';

/** What the plan step found: the plan, and what the report says about the listing behind it. */
interface Planned {
  request: DeleteRequest;
  plan: DeletePlan;
  /** Every (virtual proxy, proxy node) pair the plan was made from, read or not. */
  targets: Target[];
  unread: TargetFailure[];
  /** Sessions listed per read pair (report.targetKey). */
  listed: Map<string, number>;
  /** The listing's own error when no pair at all could be read (exit 1, or 4). */
  nothingRead?: CliError;
}

export async function runSessionDelete(opts: SessionDeleteOptions, ctx: CommandContext): Promise<void> {
  const startTime = new Date();
  const request = await readRequest(opts, ctx);
  const clients = openClients(opts.conn, ctx.log);
  try {
    const planned = await plan(opts, request, clients, ctx);
    if (opts.interactive) planned.plan = await select(planned.plan, ctx);
    if (opts.dryRun) {
      await reportPlan(opts, planned, ctx, runInfo(opts, planned, startTime, ctx));
      return;
    }
    await confirm(opts, planned, ctx);
    const result = await execute(clients, planned.plan, opts.conn.concurrency, ctx);
    await reportResult(opts, planned, result, ctx, runInfo(opts, planned, startTime, ctx));
  } finally {
    clients.close();
  }
}

// ---- the rows of --from-json --------------------------------------------------------------------

async function readAll(stream: Readable): Promise<string> {
  let text = '';
  stream.setEncoding('utf8');
  for await (const chunk of stream) text += String(chunk);
  return text;
}

function readRowsFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(code === 'ENOENT' ? `--from-json: file not found: ${path}` : `--from-json: cannot read ${path}: ${errorMessage(err)}`);
  }
}

/** The request as options give it; --from-json's rows read (from a file or stdin) and parsed first. */
async function readRequest(opts: SessionDeleteOptions, ctx: CommandContext): Promise<DeleteRequest> {
  const { what } = opts;
  if (what.mode !== 'fromJson') return what;
  if (what.source === '-') return { mode: 'rows', rows: parseRows(await readAll(ctx.io.stdin), 'stdin') };
  const path = resolve(ctx.cwd, what.source);
  return { mode: 'rows', rows: parseRows(readRowsFile(path), path) };
}

// ---- plan ---------------------------------------------------------------------------------------

/** Lists the targets, checks --from-json rows against the site, and decides what to delete. */
async function plan(opts: SessionDeleteOptions, request: DeleteRequest, clients: Clients, ctx: CommandContext): Promise<Planned> {
  const { conn } = opts;
  const query = {
    prefixes: opts.prefixes,
    hostProxies: opts.hostProxies,
    qpsPort: conn.qpsPort,
    concurrency: conn.concurrency,
    signal: ctx.signal,
    // A user directory no session has is named in a warning (a typo, or users gone).
    users: { userDir: request.mode === 'user' ? request.userDir : undefined, excludeUsers: opts.excludeUsers },
  };
  // The plan needs the sessions as QPS sent them.
  const listing = await listWithReport(clients, query, ctx, (_target, sessions) => sessions);
  const rows = request.mode === 'rows' ? request.rows : undefined;
  const targets = rows === undefined ? listing.targets : rowTargets(rows, listing.targets);
  const results = listing.results.filter((r) => targets.includes(r.target));
  const unread = listing.failures.filter((f) => targets.includes(f.target));
  const problem = failureOutcome({ ...listing, results, failures: unread }, ctx); // names each unread pair
  if (rows !== undefined) checkRows(rows, listing.site, results, unread);
  const planned = planDeletion(results, request, {
    exclude: opts.excludeUsers.length > 0 ? matchesAnyUser(opts.excludeUsers) : undefined,
  });
  logPlanNotes(planned, opts, unread.length > 0, ctx.log);
  return {
    request,
    plan: planned,
    targets,
    unread,
    listed: new Map(results.map((r) => [report.targetKey(r.target), r.sessions.length])),
    nothingRead: results.length === 0 ? problem : undefined,
  };
}

/** Where the ids were looked for, so an id on another virtual proxy can be found. */
function lookedFor(opts: SessionDeleteOptions): string {
  const prefixes = opts.prefixes;
  const vps =
    prefixes === undefined
      ? 'every virtual proxy'
      : `${prefixes.length === 1 ? 'virtual proxy' : 'virtual proxies'} ${prefixes.map((p) => `"${shown(p)}"`).join(', ')}${prefixes.length === 1 && prefixes[0] === '' ? ' (the default virtual proxy)' : ''}`;
  const nodes = opts.hostProxies === undefined ? 'every proxy node' : opts.hostProxies.map(shown).join(', ');
  return `Looked for on ${vps} of ${nodes}. session-get's vpPrefix tells which virtual proxy a session is on: name it with --session-virtual-proxy`;
}

function logPlanNotes(plan: DeletePlan, opts: SessionDeleteOptions, someUnread: boolean, log: Log): void {
  // With a node unread, "not found" only speaks for the proxies that answered.
  const where = someUnread ? ' on the proxies that could be read' : '';
  for (const id of plan.missingIds) log.warn(`${report.notFoundLine(id)}${where}`);
  if (plan.missingIds.length > 0) log.info(lookedFor(opts));
  for (const user of plan.excludedUsers) log.warn(`Not deleting the sessions of ${shown(user)}: excluded by --exclude-user`);
  if (plan.excludedSessions > 0) log.info(`Leaving ${count(plan.excludedSessions, 'session')} of users excluded by --exclude-user`);
}

/** The pairs a plan deletes on. */
function planTargets(plan: DeletePlan): Target[] {
  const seen = new Map<string, Target>();
  for (const item of plan.items) seen.set(report.targetKey(item.target), item.target);
  return [...seen.values()];
}

// ---- select (--interactive) ---------------------------------------------------------------------

const sessionKey = (target: Target, sessionId: string): string => `${report.targetKey(target)}/${sessionId}`;

async function select(plan: DeletePlan, ctx: CommandContext): Promise<DeletePlan> {
  if (plan.items.length === 0) return plan;
  const prompter = ctx.prompter ?? inquirerPrompter(ctx.io.stdin, ctx.io.stderr, ctx.signal);
  const choices = plannedSessions(plan).map(({ target, session }) => ({
    name: `${report.userLabel(session)}  ${report.prefixLabel(target.vp.prefix)}@${shown(target.node.host)}  ${shown(session.SessionId)}`,
    value: sessionKey(target, session.SessionId),
  }));
  const chosen = new Set(await prompter.checklist('Sessions to delete (space to tick, enter to confirm)', choices));
  const items: PlanItem[] = [];
  for (const { target, session } of plannedSessions(plan)) {
    if (chosen.has(sessionKey(target, session.SessionId))) items.push({ kind: 'session', target, session });
  }
  return { ...plan, items };
}

// ---- confirm ------------------------------------------------------------------------------------

/** One question, after the lines that name who is cut off (the rule: asksFirst). */
async function confirm(opts: SessionDeleteOptions, planned: Planned, ctx: CommandContext): Promise<void> {
  const sessions = plannedSessions(planned.plan);
  const targets = planTargets(planned.plan);
  // Nothing to delete, or interrupted while planning: nothing will be sent, so there is nothing to ask.
  if (sessions.length === 0 || !asksFirst(opts, targets.length) || ctx.signal?.aborted) return;
  if (!canPrompt(ctx.io)) throw new UsageError(NO_TERMINAL_TO_CONFIRM);
  const prompter = ctx.prompter ?? inquirerPrompter(ctx.io.stdin, ctx.io.stderr, ctx.signal);
  await write(ctx.io.stderr, `${confirmationLines(sessions, planned.unread).join('\n')}\n`);
  const answer = await prompter.confirm(`Delete ${report.describeScope(sessions.length, targets)}?`);
  if (!answer) throw new CancelledError('Not deleting any sessions.');
}

// ---- execute ------------------------------------------------------------------------------------

function logEvent(event: DeleteEvent, log: Log): void {
  const { outcome } = event;
  if (event.type === 'deleted' && outcome.unconfirmed) log.warn(report.deletedLine(outcome));
  else if (event.type === 'deleted') log.info(report.deletedLine(outcome));
  else if (event.type === 'notFound') log.warn(report.notFoundLine(outcome.session.SessionId));
  else log.error(`Session ID "${shown(outcome.session.SessionId)}" could not be deleted: ${shown(event.outcome.reason)}`);
}

async function execute(clients: Clients, plan: DeletePlan, concurrency: Concurrency, ctx: CommandContext): Promise<DeleteResult> {
  const progress = createProgress(ctx.io, 'Deleting sessions');
  try {
    return await executeDeletion(clients.qps, plan, {
      concurrency,
      signal: ctx.signal,
      onProgress: (done, total) => progress.update(done, total),
      onEvent: (event) => logEvent(event, ctx.log),
    });
  } finally {
    progress.stop();
  }
}

// ---- report -------------------------------------------------------------------------------------

function runInfo(opts: SessionDeleteOptions, planned: Planned, startTime: Date, ctx: CommandContext): report.RunInfo {
  const reason: unknown = ctx.signal?.reason;
  return {
    version: VERSION,
    dryRun: opts.dryRun,
    interrupted: ctx.signal?.aborted ? (typeof reason === 'string' ? reason : 'interrupted') : null,
    startTime,
    endTime: new Date(),
    qrsHost: opts.conn.host,
    qrsPort: opts.conn.qrsPort,
    filters: opts.filters,
    targets: planned.targets,
    unread: planned.unread,
    listed: planned.listed,
  };
}

/** The listing's part of the exit code: nothing read (1 or 4), or some pairs unread (3). */
function listingError(planned: Planned): CliError | undefined {
  if (planned.nothingRead !== undefined) return planned.nothingRead;
  if (planned.unread.length === 0) return undefined;
  return new PartialFailureError(
    `${planned.unread.length} of ${count(planned.targets.length, '(virtual proxy, proxy node) pair')} could not be read: nothing was deleted there`,
  );
}

async function reportPlan(opts: SessionDeleteOptions, planned: Planned, ctx: CommandContext, run: report.RunInfo): Promise<void> {
  const sessions = plannedSessions(planned.plan).length;
  ctx.log.info(`Dry run: would delete ${report.describeScope(sessions, planTargets(planned.plan))}; nothing was deleted`);
  await DELETE_FORMATS[opts.outputFormat].plan(ctx.io.stdout, run, planned.plan, planned.unread);
  const problem = listingError(planned);
  if (problem !== undefined) throw problem;
}

/** Failed, then not sent, then unread: the first sets the exit code, the others are logged. */
function outcomeErrors(planned: Planned, result: DeleteResult, aborted: boolean): CliError[] {
  const errors: CliError[] = [];
  const first = result.failed[0]?.error;
  if (first !== undefined) {
    const nothingElse = result.deleted.length + result.notFound.length + result.notSent.length === 0;
    const total = plannedSessions(planned.plan).length;
    errors.push(
      nothingElse && first instanceof CliError && !aborted
        ? first
        : new PartialFailureError(
            `${result.failed.length} of ${count(total, 'session')} could not be deleted (${result.deleted.length} deleted, ${result.notFound.length + planned.plan.missingIds.length} not found)`,
          ),
    );
  }
  if (result.notSent.length > 0) errors.push(new PartialFailureError(report.notSentLine(result.notSent.length)));
  const listing = listingError(planned);
  if (listing !== undefined) errors.push(listing);
  return errors;
}

async function reportResult(opts: SessionDeleteOptions, planned: Planned, result: DeleteResult, ctx: CommandContext, run: report.RunInfo): Promise<void> {
  for (const line of report.summaryLines(result, planned.plan.missingIds.length)) ctx.log.info(line);
  await DELETE_FORMATS[opts.outputFormat].result(ctx.io.stdout, run, result, planned.plan.missingIds);
  const [first, ...others] = outcomeErrors(planned, result, ctx.signal?.aborted === true);
  for (const other of others) ctx.log.error(other.message);
  if (first !== undefined) throw first;
}
