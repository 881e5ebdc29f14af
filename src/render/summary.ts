/**
 * `--output-format summary` (a compact table) and `summary-json` (one object), and the one-line
 * form a watch writes to a pipe per refresh.
 */
import type { SessionSummary, VirtualProxyCount } from '../sessions/summary.js';
import { shown } from '../safe-text.js';
import { renderTable } from './table.js';

/** The summary-json document; its keys are part of the interface scripts rely on. */
export interface SummaryJson {
  total: number;
  distinctUsers: number;
  perProxyNode: { name: string; host: string; sessions: number }[];
  perVirtualProxy: { prefix: string; description: string; sessionCookieHeaderName: string; sessions: number }[];
  users: { user: string; userDir: string; userId: string; sessions: number }[];
}

export function toSummaryJson(summary: SessionSummary): SummaryJson {
  return {
    total: summary.total,
    distinctUsers: summary.distinctUsers,
    perProxyNode: summary.perProxyNode.map((p) => ({ name: p.name, host: p.host, sessions: p.sessions })),
    perVirtualProxy: summary.perVirtualProxy.map((vp) => ({
      prefix: vp.prefix,
      description: vp.description,
      sessionCookieHeaderName: vp.sessionCookieHeaderName,
      sessions: vp.sessions,
    })),
    users: summary.users.map((u) => ({ user: u.user, userDir: u.userDir, userId: u.userId, sessions: u.sessions })),
  };
}

/** `(default)` for the default virtual proxy; the cookie header too when a prefix is listed twice. Shown text. */
export function virtualProxyLabels(vps: readonly VirtualProxyCount[]): string[] {
  const seen = new Map<string, number>();
  for (const vp of vps) seen.set(vp.prefix.toLowerCase(), (seen.get(vp.prefix.toLowerCase()) ?? 0) + 1);
  return vps.map((vp) => {
    const name = vp.prefix === '' ? '(default)' : shown(vp.prefix);
    return (seen.get(vp.prefix.toLowerCase()) ?? 0) > 1 ? `${name} [${shown(vp.sessionCookieHeaderName)}]` : name;
  });
}

/**
 * One table, one row per kind of count; the names and their counts are lines inside the cells, so
 * the table stays as short as the lists are (no separator between every name).
 */
export function renderSummaryTable(summary: SessionSummary): string {
  const width = String(summary.total).length;
  const num = (n: number): string => String(n).padStart(width);
  const section = (label: string, entries: readonly (readonly [string, number])[]): string[] => [
    label,
    entries.length === 0 ? '-' : entries.map(([name]) => name).join('\n'),
    entries.length === 0 ? '' : entries.map(([, n]) => num(n)).join('\n'),
  ];
  const vpLabels = virtualProxyLabels(summary.perVirtualProxy);
  const rows = [
    ['Total', '', num(summary.total)],
    section(
      'Proxy nodes',
      summary.perProxyNode.map((p) => [`${shown(p.name)} (${shown(p.host)})`, p.sessions] as const),
    ),
    section(
      'Virtual proxies',
      summary.perVirtualProxy.map((vp, i) => [vpLabels[i] as string, vp.sessions] as const),
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
  const nodes = summary.perProxyNode.map((p) => `${shown(p.name.replace(/\s/g, '_'))}=${p.sessions}`);
  return [
    time.toISOString(),
    `sessions=${summary.total}`,
    `change=${changeSinceFirst >= 0 ? '+' : ''}${changeSinceFirst}`,
    `users=${summary.distinctUsers}`,
    ...nodes,
  ].join(' ');
}
