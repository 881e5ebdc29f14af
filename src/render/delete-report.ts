/**
 * What session-delete reports: the Ctrl-Q-worded lines, the JSON report and the dry-run plan. The
 * text for people (lines, plan table, the confirmation's scope) is built from shown() site text; the
 * JSON keeps the values exactly.
 */
import type { QpsSession } from '../qlik/types.js';
import { shown } from '../safe-text.js';
import type { DeletePlan, DeleteResult, PlanItem, SessionOutcome } from '../sessions/delete.js';
import type { Target } from '../sessions/site.js';
import { renderTable } from './table.js';
import { count } from './plural.js';

export interface ReportEntry {
  sessionId: string;
  userDirectory: string | null;
  userId: string | null;
  userName: string | null;
  virtualProxy: string | null;
  proxyHost: string | null;
  reason?: string;
}

/** `DIR\id (name)`, shown text. */
export function userLabel(session: QpsSession): string {
  const name = session.UserName ? ` (${shown(session.UserName)})` : '';
  return `${shown(session.UserDirectory)}\\${shown(session.UserId)}${name}`;
}

/** Ctrl-Q's wording. */
export function deletedLine(outcome: SessionOutcome): string {
  return `Session ID "${shown(outcome.session.SessionId)}" successfully deleted. User: ${userLabel(outcome.session)}`;
}

export function notFoundLine(sessionId: string): string {
  return `Session ID "${shown(sessionId)}" not found`;
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

function missingEntry(sessionId: string): ReportEntry {
  return { sessionId, userDirectory: null, userId: null, userName: null, virtualProxy: null, proxyHost: null };
}

export interface JsonReport {
  deleted: ReportEntry[];
  notFound: ReportEntry[];
  failed: ReportEntry[];
}

export function jsonReport(result: DeleteResult, missingIds: readonly string[]): JsonReport {
  return {
    deleted: result.deleted.map((o) => entry(o.target, o.session)),
    notFound: [...missingIds.map(missingEntry), ...result.notFound.map((o) => entry(o.target, o.session))],
    failed: result.failed.map((o) => entry(o.target, o.session, o.reason)),
  };
}

export interface JsonPlan {
  dryRun: true;
  wouldDelete: (ReportEntry & { method: 'session' | 'user' })[];
  notFound: ReportEntry[];
}

function itemEntries(item: PlanItem): (ReportEntry & { method: 'session' | 'user' })[] {
  if (item.kind === 'session') return [{ ...entry(item.target, item.session), method: 'session' }];
  return item.sessions.map((session) => ({ ...entry(item.target, session), method: 'user' as const }));
}

export function jsonPlan(plan: DeletePlan): JsonPlan {
  return { dryRun: true, wouldDelete: plan.items.flatMap(itemEntries), notFound: plan.missingIds.map(missingEntry) };
}

export function planTable(plan: DeletePlan): string {
  const rows = plan.items.flatMap(itemEntries).map((e) => [
    shown(e.virtualProxy ?? ''),
    shown(e.proxyHost ?? ''),
    `${shown(e.userDirectory ?? '')}\\${shown(e.userId ?? '')}`,
    shown(e.userName ?? ''),
    shown(e.sessionId),
    e.method === 'user' ? 'user teardown' : 'session',
  ]);
  return renderTable(['Virtual proxy prefix', 'Proxy host', 'User', 'User name', 'Session ID', 'Deleted by'], rows);
}

/** "5 sessions on 2 proxy nodes (a, b) and 3 virtual proxies (the default one, finance, win)"; "0 sessions" alone. */
export function describeScope(sessionCount: number, targets: readonly Target[]): string {
  const hosts = [...new Set(targets.map((t) => t.node.host))].map(shown);
  const prefixes = [...new Set(targets.map((t) => (t.vp.prefix === '' ? 'the default one' : shown(t.vp.prefix))))];
  if (hosts.length === 0) return count(sessionCount, 'session');
  return `${count(sessionCount, 'session')} on ${count(hosts.length, 'proxy node')} (${hosts.join(', ')}) and ${count(prefixes.length, 'virtual proxy', 'virtual proxies')} (${prefixes.join(', ')})`;
}
