/**
 * What session-delete reports: the Ctrl-Q-worded lines, the closing summary, and the JSON audit
 * record of a run (or of a dry run's plan). Text for the terminal is built from shown() text only.
 */
import type { QpsSession } from '../qlik/types.js';
import { shown } from '../safe-text.js';
import type { DeletePlan, DeleteResult, PlanItem, SessionOutcome } from '../sessions/delete.js';
import type { TargetFailure } from '../sessions/fetch.js';
import type { Target } from '../sessions/site.js';
import { count } from '../plural.js';

export interface ReportEntry {
  sessionId: string;
  userDirectory: string | null;
  userId: string | null;
  userName: string | null;
  virtualProxy: string | null;
  proxyHost: string | null;
  /** Only on deleted entries whose DELETE was answered "not found" after a lost answer. */
  unconfirmed?: true;
  reason?: string;
}

/** `DIRECTORY\id (name)`, shown. */
export function userLabel(session: QpsSession): string {
  const name = session.UserName ? ` (${shown(session.UserName)})` : '';
  return `${shown(session.UserDirectory)}\\${shown(session.UserId)}${name}`;
}

/** A virtual proxy prefix as shown to a person: `(default)` for `""`. */
export function prefixLabel(prefix: string): string {
  return prefix === '' ? '(default)' : shown(prefix);
}

/** Ctrl-Q's wording, and for an unconfirmed delete what is known. */
export function deletedLine(outcome: SessionOutcome): string {
  const id = shown(outcome.session.SessionId);
  if (outcome.unconfirmed) {
    return `Session ID "${id}" deleted, unconfirmed: the answer to its DELETE was lost and the retry found it gone. User: ${userLabel(outcome.session)}`;
  }
  return `Session ID "${id}" successfully deleted. User: ${userLabel(outcome.session)}`;
}

export function notFoundLine(sessionId: string): string {
  return `Session ID "${shown(sessionId)}" not found`;
}

/** `virtual proxy 'finance' on dev1 (host:4243)`, shown. */
function targetLabel(target: Target): string {
  return `virtual proxy '${prefixLabel(target.vp.prefix)}' on ${shown(target.node.name)} (${shown(target.node.host)}:${target.node.port})`;
}

/** One line per target that could not be read: nothing was (or would be) deleted there. */
export function unreadLines(unread: readonly TargetFailure[]): string[] {
  if (unread.length === 0) return [];
  return [
    `Not read, so its sessions are unknown and none is deleted there (${count(unread.length, 'pair')}):`,
    ...unread.map((u) => `  ${targetLabel(u.target)}: ${shown(u.reason)}`),
  ];
}

/** The closing lines of a text report: how many were deleted (unconfirmed among them), not found. */
export function summaryLines(result: DeleteResult, missingIds: number): string[] {
  const unconfirmed = result.deleted.filter((o) => o.unconfirmed).length;
  const lines = [`Deleted ${count(result.deleted.length, 'session')}${unconfirmed > 0 ? ` (${unconfirmed} of them unconfirmed)` : ''}`];
  const notFound = result.notFound.length + missingIds;
  if (notFound > 0) lines.push(`${notFound} not found`);
  return lines;
}

export function notSentLine(sessions: number): string {
  return `${count(sessions, 'session')} not sent: interrupted`;
}

export function entry(target: Target, session: QpsSession, reason?: string): ReportEntry {
  return {
    sessionId: session.SessionId,
    userDirectory: session.UserDirectory,
    userId: session.UserId,
    userName: session.UserName ?? null,
    virtualProxy: target.vp.prefix,
    proxyHost: target.node.host,
    ...(reason === undefined ? {} : { reason }),
  };
}

function outcomeEntry(outcome: SessionOutcome): ReportEntry {
  return outcome.unconfirmed ? { ...entry(outcome.target, outcome.session), unconfirmed: true } : entry(outcome.target, outcome.session);
}

function missingEntry(sessionId: string): ReportEntry {
  return { sessionId, userDirectory: null, userId: null, userName: null, virtualProxy: null, proxyHost: null };
}

/** The options that chose what to delete, under their option names. */
export interface ReportFilters {
  hostProxy: string[] | null;
  allHostProxies: boolean;
  sessionVirtualProxy: string[] | null;
  allVirtualProxies: boolean;
  sessionId: string[] | null;
  sessionUserDir: string | null;
  sessionUserId: string[] | null;
  excludeUser: string[];
  fromJson: string | null;
  interactive: boolean;
}

/** What the audit record says about the run itself. */
export interface RunInfo {
  version: string;
  dryRun: boolean;
  /** The signal that interrupted the run, if one did. */
  interrupted: string | null;
  startTime: Date;
  endTime: Date;
  qrsHost: string;
  qrsPort: number;
  filters: ReportFilters;
  /** Every (virtual proxy, proxy node) pair the plan was made from, read or not. */
  targets: readonly Target[];
  /** The pairs that could not be read. */
  unread: readonly TargetFailure[];
  /** Sessions listed per read pair (`virtualProxyId@nodeId`). */
  listed: ReadonlyMap<string, number>;
}

export const targetKey = (target: Target): string => `${target.vp.id}@${target.node.id}`;

interface TargetRecord {
  proxyHost: string;
  proxyName: string;
  virtualProxy: string;
  /** Sessions listed there; null when the pair could not be read. */
  sessions: number | null;
  error?: string;
}

function header(run: RunInfo): Record<string, unknown> {
  const failed = new Map(run.unread.map((u) => [targetKey(u.target), u.reason]));
  const targets = run.targets.map((t): TargetRecord => {
    const error = failed.get(targetKey(t));
    const base = { proxyHost: t.node.host, proxyName: t.node.name, virtualProxy: t.vp.prefix };
    return error === undefined ? { ...base, sessions: run.listed.get(targetKey(t)) ?? 0 } : { ...base, sessions: null, error };
  });
  return {
    ctrlqVersion: run.version,
    dryRun: run.dryRun,
    interrupted: run.interrupted,
    startTime: run.startTime.toISOString(),
    endTime: run.endTime.toISOString(),
    qrsHost: run.qrsHost,
    qrsPort: run.qrsPort,
    filters: run.filters,
    targets,
    unread: run.unread.map((u) => ({ proxyHost: u.target.node.host, virtualProxy: u.target.vp.prefix, error: u.reason })),
  };
}

export function jsonReport(run: RunInfo, result: DeleteResult, missingIds: readonly string[]): Record<string, unknown> {
  const notFound = [...missingIds.map(missingEntry), ...result.notFound.map(outcomeEntry)];
  return {
    ...header(run),
    counts: {
      deleted: result.deleted.length,
      unconfirmed: result.deleted.filter((o) => o.unconfirmed).length,
      notFound: notFound.length,
      failed: result.failed.length,
      notSent: result.notSent.length,
      unread: run.unread.length,
    },
    deleted: result.deleted.map(outcomeEntry),
    notFound,
    failed: result.failed.map((o) => entry(o.target, o.session, o.reason)),
    notSent: result.notSent.map((o) => entry(o.target, o.session, 'interrupted')),
  };
}

type PlanEntry = ReportEntry & { method: 'session' | 'user' };

function itemEntries(item: PlanItem): PlanEntry[] {
  if (item.kind === 'session') return [{ ...entry(item.target, item.session), method: 'session' }];
  return item.sessions.map((session) => ({ ...entry(item.target, session), method: 'user' as const }));
}

export function jsonPlan(run: RunInfo, plan: DeletePlan): Record<string, unknown> {
  const wouldDelete = plan.items.flatMap(itemEntries);
  return {
    ...header(run),
    counts: { wouldDelete: wouldDelete.length, notFound: plan.missingIds.length, unread: run.unread.length },
    wouldDelete,
    notFound: plan.missingIds.map(missingEntry),
  };
}

/** The dry run's table rows, shown. */
export function planRows(plan: DeletePlan): string[][] {
  return plan.items.flatMap(itemEntries).map((e) => [
    shown(e.virtualProxy ?? ''),
    shown(e.proxyHost ?? ''),
    `${shown(e.userDirectory ?? '')}\\${shown(e.userId ?? '')}`,
    shown(e.userName ?? ''),
    shown(e.sessionId),
    e.method === 'user' ? 'user teardown' : 'session',
  ]);
}

export const PLAN_COLUMNS = ['Virtual proxy prefix', 'Proxy host', 'User', 'User name', 'Session ID', 'Deleted by'] as const;

/** "5 sessions on 2 proxy nodes (a, b) and 3 virtual proxies (the default one, finance, win)", shown; "0 sessions" alone. */
export function describeScope(sessionCount: number, targets: readonly Target[]): string {
  if (targets.length === 0) return count(sessionCount, 'session');
  const hosts = [...new Set(targets.map((t) => shown(t.node.host)))];
  // Inside the parentheses the default virtual proxy is named in words, not as "(default)".
  const prefixes = [...new Set(targets.map((t) => (t.vp.prefix === '' ? 'the default one' : shown(t.vp.prefix))))];
  return `${count(sessionCount, 'session')} on ${count(hosts.length, 'proxy node')} (${hosts.join(', ')}) and ${count(prefixes.length, 'virtual proxy', 'virtual proxies')} (${prefixes.join(', ')})`;
}
