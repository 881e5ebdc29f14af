/**
 * Session rows in Ctrl-Q's JSON shape (field names and value formats kept so existing scripts keep
 * working), sorting, and the per-proxy counts of the table header.
 */
import type { QpsSession, QpsSessionAttribute, VirtualProxyConfig } from '../qlik/types.js';
import type { ProxyNode, Target } from './site.js';

/** The columns `--sort-by` takes (Ctrl-Q's names). */
export const SORT_COLUMNS = ['prefix', 'proxyhost', 'proxyname', 'userdir', 'userid', 'username'] as const;
export type SortColumn = (typeof SORT_COLUMNS)[number];

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

function rowContext(target: Target): RowContext {
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

function toRow(context: RowContext, session: QpsSession): SessionRow {
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

/** After the chosen column; the session id comes last and is compared by code point (it is a GUID). */
const TIE_BREAKERS: (keyof SessionRow)[] = ['vpPrefix', 'proxyHost', 'userDir', 'userId'];

const byCodePoint = (a: string, b: string): number => (a === b ? 0 : a < b ? -1 : 1);

/** Ctrl-Q's comparison: `String.prototype.localeCompare` (the default locale's collation). */
const localeCompare = (a: string, b: string): number => a.localeCompare(b);

/**
 * Each distinct value's place in collation order. Values the collation deems equal (e.g. canonically
 * equivalent spellings) are then ordered by code point, so every distinct value has its own place.
 */
function collationRanks(values: Iterable<string>, compare: (a: string, b: string) => number): Map<string, number> {
  const distinct = [...new Set(values)].sort((a, b) => compare(a, b) || byCodePoint(a, b));
  return new Map(distinct.map((value, i) => [value, i]));
}

/**
 * Sorts by the chosen column, then by prefix, proxy host, user directory, user id and session id so
 * the order is fully determined. Text is compared as Ctrl-Q compares it, with `localeCompare`
 * (locale-aware: "Émile" before "Eve", "anna" before "Bob"); `compare` may be another collator's, e.g.
 * `new Intl.Collator('sv').compare`. Each field's distinct values are collated once and the rows are
 * then ordered by those ranks, folded into one number where they fit (this runs on 100,000 rows).
 */
export function sortRows(
  rows: readonly SessionRow[],
  column: SortColumn,
  compare: (a: string, b: string) => number = localeCompare,
): SessionRow[] {
  const fields = [SORT_FIELD[column], ...TIE_BREAKERS.filter((f) => f !== SORT_FIELD[column])];
  const ranks = fields.map((field) => collationRanks(rows.map((row) => row[field]), compare));
  const rankKey = (row: SessionRow): number[] => fields.map((field, i) => ranks[i]?.get(row[field]) ?? 0);
  const span = ranks.reduce((product, r) => product * Math.max(r.size, 1), 1);
  if (span <= Number.MAX_SAFE_INTEGER) {
    const keyed = rows.map((row) => ({ row, key: rankKey(row).reduce((acc, rank, i) => acc * Math.max(ranks[i]?.size ?? 1, 1) + rank, 0) }));
    keyed.sort((x, y) => x.key - y.key || byCodePoint(x.row.sessionId, y.row.sessionId));
    return keyed.map((k) => k.row);
  }
  const keyed = rows.map((row) => ({ row, key: rankKey(row) }));
  keyed.sort((x, y) => {
    for (let i = 0; i < fields.length; i++) {
      const d = (x.key[i] ?? 0) - (y.key[i] ?? 0);
      if (d !== 0) return d;
    }
    return byCodePoint(x.row.sessionId, y.row.sessionId);
  });
  return keyed.map((k) => k.row);
}

export interface ProxyCount {
  name: string;
  host: string;
  count: number;
  /** Why some or all of this proxy's sessions could not be read: `count` is then not its number. */
  unread?: string;
}

/**
 * Sessions per proxy service, every proxy listed (zero counts included), in QRS order; `unread`
 * (proxy id → reason, see summary.ts unreadReasons) marks the proxies not fully read.
 */
export function countByProxy(
  proxies: readonly ProxyNode[],
  rows: readonly SessionRow[],
  unread: ReadonlyMap<string, string> = new Map(),
): ProxyCount[] {
  const counts = new Map<string, number>();
  for (const row of rows) counts.set(row.proxyHost, (counts.get(row.proxyHost) ?? 0) + 1);
  return proxies.map((p) => {
    const count: ProxyCount = { name: p.name, host: p.host, count: counts.get(p.host) ?? 0 };
    const reason = unread.get(p.id);
    if (reason !== undefined) count.unread = reason;
    return count;
  });
}
