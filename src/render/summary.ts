/**
 * `--output-format summary` (a compact table) and `summary-json` (one object), and the one-line
 * form a watch writes to a pipe per refresh.
 */
import type { SessionSummary, VirtualProxyCount } from '../sessions/summary.js';
import { shown } from '../safe-text.js';
import { renderTable } from './table.js';

/** An unknown count: `sessions: null` and the reason in `error`; a known one has no `error`. */
export type JsonCount = { sessions: number; error?: never } | { sessions: null; error: string };

/**
 * The summary-json document; its keys are part of the interface scripts rely on. `complete` is
 * false when some (virtual proxy, node) pair could not be read, or there was none to read: `total`
 * then counts only the sessions read, and each node or virtual proxy not fully read has
 * `"sessions": null` and `"error"`.
 */
export interface SummaryJson {
  total: number;
  complete: boolean;
  distinctUsers: number;
  perProxyNode: ({ name: string; host: string } & JsonCount)[];
  perVirtualProxy: ({ prefix: string; description: string; sessionCookieHeaderName: string } & JsonCount)[];
  users: { user: string; userDir: string; userId: string; sessions: number }[];
}

function jsonCount(count: { sessions: number; unread?: string }): JsonCount {
  return count.unread === undefined ? { sessions: count.sessions } : { sessions: null, error: count.unread };
}

export function toSummaryJson(summary: SessionSummary): SummaryJson {
  return {
    total: summary.total,
    complete: summary.complete,
    distinctUsers: summary.distinctUsers,
    perProxyNode: summary.perProxyNode.map((p) => ({ name: p.name, host: p.host, ...jsonCount(p) })),
    perVirtualProxy: summary.perVirtualProxy.map((vp) => ({
      prefix: vp.prefix,
      description: vp.description,
      sessionCookieHeaderName: vp.sessionCookieHeaderName,
      ...jsonCount(vp),
    })),
    users: summary.users.map((u) => ({ user: u.user, userDir: u.userDir, userId: u.userId, sessions: u.sessions })),
  };
}

/** `(default)` for the default virtual proxy; the cookie header too when a prefix is listed twice. Shown text. */
export function virtualProxyLabels(vps: readonly VirtualProxyCount[]): string[] {
  return vps.map(virtualProxyLabeler(vps));
}

/** The label of each of these virtual proxies (see virtualProxyLabels). */
function virtualProxyLabeler(vps: readonly VirtualProxyCount[]): (vp: VirtualProxyCount) => string {
  const seen = new Map<string, number>();
  for (const vp of vps) seen.set(vp.prefix.toLowerCase(), (seen.get(vp.prefix.toLowerCase()) ?? 0) + 1);
  return (vp) => {
    const name = vp.prefix === '' ? '(default)' : shown(vp.prefix);
    return (seen.get(vp.prefix.toLowerCase()) ?? 0) > 1 ? `${name} [${shown(vp.sessionCookieHeaderName)}]` : name;
  };
}

/**
 * The total as shown: `at least N` when part of the selection could not be read, `unknown` when
 * nothing was (QRS listed no proxy or no virtual proxy, or every pair failed).
 */
export function totalText(summary: Pick<SessionSummary, 'total' | 'complete'>): string {
  if (summary.complete) return String(summary.total);
  return summary.total === 0 ? 'unknown' : `at least ${summary.total}`;
}

/**
 * One table, one row per kind of count; the names and their counts are lines inside the cells, so
 * the table stays as short as the lists are (no separator between every name).
 */
export function renderSummaryTable(summary: SessionSummary): string {
  const width = String(summary.total).length;
  const num = (n: number | string): string => (typeof n === 'number' ? String(n).padStart(width) : n);
  const section = (label: string, entries: readonly (readonly [string, number | string])[]): string[] => [
    label,
    entries.length === 0 ? '-' : entries.map(([name]) => name).join('\n'),
    entries.length === 0 ? '' : entries.map(([, n]) => num(n)).join('\n'),
  ];
  // A node or virtual proxy not fully read: the reason beside its name, `unread` for its count.
  const counted = (name: string, count: { sessions: number; unread?: string }): readonly [string, number | string] =>
    count.unread === undefined ? [name, count.sessions] : [`${name}: ${shown(count.unread)}`, 'unread'];
  const vpLabel = virtualProxyLabeler(summary.perVirtualProxy);
  const rows = [
    ['Total', '', num(summary.complete ? summary.total : totalText(summary))],
    section(
      'Proxy nodes',
      summary.perProxyNode.map((p) => counted(`${shown(p.name)} (${shown(p.host)})`, p)),
    ),
    section(
      'Virtual proxies',
      summary.perVirtualProxy.map((vp) => counted(vpLabel(vp), vp)),
    ),
    section(
      `Distinct users: ${summary.distinctUsers}`,
      summary.users.map((u) => [shown(u.user), u.sessions] as const),
    ),
  ];
  // Long lists are long cells: renderTable lays those out itself rather than with cli-table3.
  return renderTable(['', '', 'Sessions'], rows);
}

/** `+3`, `-2`, `±0`: how a count changed. */
export function formatChange(change: number): string {
  if (change === 0) return '±0';
  return change > 0 ? `+${change}` : String(change);
}

/**
 * One line per watch refresh on a pipe:
 * `2024-05-01T10:00:00.000Z sessions=5 change=+1 users=5 Central=5 dev1=0`.
 * Node names are written as QRS has them; a space in one becomes `_` so the line splits on spaces, and
 * control characters are shown escaped.
 */
export function summaryLine(time: Date, summary: SessionSummary, changeSinceFirst: number): string {
  const nodes = summary.perProxyNode.map((p) => `${shown(p.name.replace(/\s/g, '_'))}=${p.unread === undefined ? p.sessions : 'unread'}`);
  return [
    time.toISOString(),
    `sessions=${summary.total}`,
    `change=${changeSinceFirst >= 0 ? '+' : ''}${changeSinceFirst}`,
    `users=${summary.distinctUsers}`,
    ...nodes,
  ].join(' ');
}
