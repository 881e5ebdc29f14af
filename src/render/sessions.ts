/** How session-get shows its result: Ctrl-Q's ten table columns and header block, and the proxy list. */
import type { Writable } from 'node:stream';
import { write } from '../io/streams.js';
import { isMultiLineField, siteLines, type ProxyCount, type SessionRow } from '../sessions/rows.js';
import { shown, shownLines } from '../safe-text.js';
import { totalText } from './summary.js';
import { renderTable, tableChunks } from './table.js';

const SESSION_COLUMNS: readonly (readonly [string, keyof SessionRow])[] = [
  ['Virtual proxy description', 'vpDescription'],
  ['Virtual proxy prefix', 'vpPrefix'],
  ['Virtual proxy session cookie header', 'vpSessionCookieHeaderName'],
  ['Linked proxy service', 'proxyFull'],
  ['Load balancing nodes', 'loadBalancingNodes'],
  ['Session user directory', 'userDir'],
  ['Session user ID', 'userId'],
  ['Session user name', 'userName'],
  ['Session attributes', 'attributes'],
  ['Session ID', 'sessionId'],
];

/**
 * Ctrl-Q's header block. A proxy service not fully read shows `unread` and the reason, never a count,
 * and the total then says `at least`; `complete` false with nothing unread (no pair to read) too.
 */
function sessionsHeader(total: number, perProxy: readonly ProxyCount[], complete = true): string {
  const unread = perProxy.filter((p) => p.unread !== undefined).length;
  const note = unread > 0 ? ` (${unread} of ${perProxy.length} proxy services not fully read)` : '';
  const totalLine = `${totalText({ total, complete })}${complete ? '' : note}`;
  const lines = [
    '-- Sessions per virtual proxy and proxy services --',
    '',
    `Total number of sessions: ${totalLine}`,
    '',
    'Sessions per proxy service:',
    ...perProxy.map((p) => `   ${shown(p.name)}: ${shown(p.host)}: ${p.unread === undefined ? p.count : `unread (${shown(p.unread)})`}`),
  ];
  return `${lines.join('\n')}\n\n`;
}

/** A row's cell as the table shows it: site text made safe; in a multi-line field, its lines stay lines. */
function shownCell(row: SessionRow, field: keyof SessionRow): string {
  if (!isMultiLineField(field)) return shown(row[field]);
  // Almost always every newline in the field is one between its lines; else the row kept the lines.
  const lines = siteLines(row, field);
  return lines === undefined ? shownLines(row[field]) : lines.map(shown).join('\n');
}

export async function writeSessionsTable(
  out: Writable,
  rows: readonly SessionRow[],
  perProxy: readonly ProxyCount[],
  complete = true,
): Promise<void> {
  await write(out, sessionsHeader(rows.length, perProxy, complete));
  const head = SESSION_COLUMNS.map(([title]) => title);
  const cells = rows.map((row) => SESSION_COLUMNS.map(([, field]) => shownCell(row, field)));
  for (const chunk of tableChunks(head, cells)) await write(out, chunk);
  await write(out, '\n');
}

export interface ProxySummary {
  name: string;
  host: string;
  id: string;
  linkedVirtualProxies: number;
}

export function proxyServicesTable(proxies: readonly ProxySummary[]): string {
  return renderTable(
    ['Name', 'Host name', 'Id', 'Linked virtual proxies'],
    proxies.map((p) => [shown(p.name), shown(p.host), shown(p.id), String(p.linkedVirtualProxies)]),
  );
}
