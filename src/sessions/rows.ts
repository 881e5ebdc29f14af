/**
 * Session rows in Ctrl-Q's JSON shape (field names and value formats kept so existing scripts keep
 * working), sorting, and the per-proxy counts of the table header.
 */
import type { SortColumn } from '../cli/options.js';
import type { QpsSession, QpsSessionAttribute } from '../qlik/types.js';
import type { TargetSessions } from './fetch.js';
import type { ProxyNode } from './site.js';

export interface SessionRow {
  vpDescription: string;
  vpPrefix: string;
  vpSessionCookieHeaderName: string;
  proxyHost: string;
  proxyName: string;
  /** `"name:\nhost"` */
  proxyFull: string;
  /** `"name: host"` lines joined by `\n` */
  loadBalancingNodes: string;
  userDir: string;
  userId: string;
  /** `""` when QPS sends none */
  userName: string;
  /** `"key: value"` lines joined by `\n` */
  attributes: string;
  sessionId: string;
}

export function formatAttributes(attributes: readonly QpsSessionAttribute[]): string {
  const lines: string[] = [];
  for (const attribute of attributes) {
    for (const [key, value] of Object.entries(attribute)) lines.push(`${key}: ${value}`);
  }
  return lines.join('\n');
}

export function toRow(result: TargetSessions, session: QpsSession): SessionRow {
  const { vp, node } = result.target;
  return {
    vpDescription: vp.description,
    vpPrefix: vp.prefix,
    vpSessionCookieHeaderName: vp.sessionCookieHeaderName,
    proxyHost: node.host,
    proxyName: node.name,
    proxyFull: `${node.name}:\n${node.host}`,
    loadBalancingNodes: vp.loadBalancingServerNodes.map((n) => `${n.name}: ${n.hostName}`).join('\n'),
    userDir: session.UserDirectory,
    userId: session.UserId,
    userName: session.UserName ?? '',
    attributes: formatAttributes(session.Attributes),
    sessionId: session.SessionId,
  };
}

export function toRows(results: readonly TargetSessions[]): SessionRow[] {
  const rows: SessionRow[] = [];
  for (const result of results) {
    for (const session of result.sessions) rows.push(toRow(result, session));
  }
  return rows;
}

const SORT_FIELD: Record<SortColumn, keyof SessionRow> = {
  prefix: 'vpPrefix',
  proxyhost: 'proxyHost',
  proxyname: 'proxyName',
  userdir: 'userDir',
  userid: 'userId',
  username: 'userName',
};

const TIE_BREAKERS: (keyof SessionRow)[] = ['vpPrefix', 'proxyHost', 'userDir', 'userId', 'sessionId'];

/**
 * Sorts by the chosen column without regard to case, then by prefix, proxy host, user and session id
 * so the order is fully determined. The sort key is built once per row (this runs on 100,000 rows);
 * the fields are joined with a separator below every printable character so field boundaries hold.
 */
export function sortRows(rows: readonly SessionRow[], column: SortColumn): SessionRow[] {
  const fields = [SORT_FIELD[column], ...TIE_BREAKERS.filter((f) => f !== SORT_FIELD[column])];
  const keyed = rows.map((row) => ({ row, key: fields.map((f) => row[f]).join('\u0001').toLowerCase() }));
  keyed.sort((a, b) => (a.key === b.key ? 0 : a.key < b.key ? -1 : 1));
  return keyed.map((k) => k.row);
}

export interface ProxyCount {
  name: string;
  host: string;
  count: number;
}

/** Sessions per proxy service, every proxy listed (zero counts included), in QRS order. */
export function countByProxy(proxies: readonly ProxyNode[], rows: readonly SessionRow[]): ProxyCount[] {
  const counts = new Map<string, number>();
  for (const row of rows) counts.set(row.proxyHost, (counts.get(row.proxyHost) ?? 0) + 1);
  return proxies.map((p) => ({ name: p.name, host: p.host, count: counts.get(p.host) ?? 0 }));
}
