/**
 * Session rows in Ctrl-Q's JSON shape (field names and value formats kept so existing scripts keep
 * working), sorting, and the per-proxy counts of the table header.
 */
import type { SortColumn } from '../cli/options.js';
import type { QpsSession, QpsSessionAttribute, VirtualProxyConfig } from '../qlik/types.js';
import type { ProxyNode, Target } from './site.js';

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

/** The fields made of lines joined by `\n` (Ctrl-Q's JSON shape). */
export type MultiLineField = 'proxyFull' | 'loadBalancingNodes' | 'attributes';

export function isMultiLineField(field: keyof SessionRow): field is MultiLineField {
  return field === 'proxyFull' || field === 'loadBalancingNodes' || field === 'attributes';
}

/**
 * The lines of the multi-line fields of the rare row whose site text holds a newline of its own: the
 * joined string cannot tell that one from those between lines, a table must (it shows it as `\n`).
 * Kept beside the row, not in it, so the JSON rows stay exactly Ctrl-Q's.
 */
const ownNewlines = new WeakMap<SessionRow, Partial<Record<MultiLineField, readonly string[]>>>();

/** A multi-line field's lines when site text in it holds a newline; undefined when its newlines all separate lines. */
export function siteLines(row: SessionRow, field: MultiLineField): readonly string[] | undefined {
  return ownNewlines.get(row)?.[field];
}

/** The lines, when one of them holds a newline. */
function withNewline(lines: readonly string[]): readonly string[] | undefined {
  return lines.some((line) => line.includes('\n')) ? lines : undefined;
}

function attributeLines(attributes: readonly QpsSessionAttribute[]): string[] {
  const lines: string[] = [];
  for (const attribute of attributes) {
    for (const key in attribute) lines.push(`${key}: ${attribute[key]}`);
  }
  return lines;
}

export function formatAttributes(attributes: readonly QpsSessionAttribute[]): string {
  // join builds one flat string; appending with += would keep a tree of pieces per row.
  return attributeLines(attributes).join('\n');
}

/** The fields every row of one (virtual proxy × node) target shares: built once per target. */
export type RowContext = Pick<
  SessionRow,
  'vpDescription' | 'vpPrefix' | 'vpSessionCookieHeaderName' | 'proxyHost' | 'proxyName' | 'proxyFull' | 'loadBalancingNodes'
> & {
  /** The lines of proxyFull and loadBalancingNodes, only when site text in them holds a newline. */
  ownNewlines?: Partial<Record<MultiLineField, readonly string[]>>;
};

/**
 * A virtual proxy's load-balancing list as one string, built once per virtual proxy, not once per
 * (virtual proxy × node) target: a list of N nodes on a virtual proxy linked to N nodes would
 * otherwise be held N times, memory growing with N² whatever the number of sessions.
 */
const loadBalancingText = new WeakMap<VirtualProxyConfig, { text: string; lines: readonly string[] | undefined }>();

/** The list as one string, and its lines when a name or host name in it holds a newline of its own. */
function loadBalancingNodes(vp: VirtualProxyConfig): { text: string; lines: readonly string[] | undefined } {
  let built = loadBalancingText.get(vp);
  if (built === undefined) {
    const lines = vp.loadBalancingServerNodes.map((n) => `${n.name}: ${n.hostName}`);
    built = { text: lines.join('\n'), lines: withNewline(lines) };
    loadBalancingText.set(vp, built);
  }
  return built;
}

export function rowContext(target: Target): RowContext {
  const { vp, node } = target;
  const loadBalancing = loadBalancingNodes(vp);
  const context: RowContext = {
    vpDescription: vp.description,
    vpPrefix: vp.prefix,
    vpSessionCookieHeaderName: vp.sessionCookieHeaderName,
    proxyHost: node.host,
    proxyName: node.name,
    proxyFull: `${node.name}:\n${node.host}`,
    loadBalancingNodes: loadBalancing.text,
  };
  // Rarely a name or a host name holds a newline of its own: then the table needs the lines as built.
  const proxyFull = withNewline([`${node.name}:`, node.host]);
  if (proxyFull !== undefined || loadBalancing.lines !== undefined) {
    context.ownNewlines = { proxyFull, loadBalancingNodes: loadBalancing.lines };
  }
  return context;
}

export function toRow(context: RowContext, session: QpsSession): SessionRow {
  const lines = attributeLines(session.Attributes);
  const attributes = withNewline(lines);
  const row: SessionRow = {
    vpDescription: context.vpDescription,
    vpPrefix: context.vpPrefix,
    vpSessionCookieHeaderName: context.vpSessionCookieHeaderName,
    proxyHost: context.proxyHost,
    proxyName: context.proxyName,
    proxyFull: context.proxyFull,
    loadBalancingNodes: context.loadBalancingNodes,
    userDir: session.UserDirectory,
    userId: session.UserId,
    userName: session.UserName ?? '',
    attributes: lines.join('\n'),
    sessionId: session.SessionId,
  };
  if (attributes !== undefined || context.ownNewlines !== undefined) ownNewlines.set(row, { ...context.ownNewlines, attributes });
  return row;
}

/** One target's rows; the shared strings are the same string objects in every row (100,000 rows). */
export function targetRows(target: Target, sessions: readonly QpsSession[]): SessionRow[] {
  const context = rowContext(target);
  return sessions.map((session) => toRow(context, session));
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
  const [first, ...rest] = [SORT_FIELD[column], ...TIE_BREAKERS.filter((f) => f !== SORT_FIELD[column])] as [
    keyof SessionRow,
    ...(keyof SessionRow)[],
  ];
  const sortKey = (row: SessionRow): string => {
    let key = row[first];
    for (const field of rest) key += `\u0001${row[field]}`;
    return key.toLowerCase();
  };
  const keyed = rows.map((row) => ({ row, key: sortKey(row) }));
  keyed.sort((x, y) => (x.key === y.key ? 0 : x.key < y.key ? -1 : 1));
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
