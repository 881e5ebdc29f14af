/**
 * --from-json: the rows of a session-get listing (typically filtered with jq) as the exact list of
 * sessions to delete. Every row is checked against the site before anything is sent; one row that
 * does not match is a usage error, and nothing is deleted.
 */
import { UsageError } from '../errors.js';
import { shown } from '../safe-text.js';
import { sameTarget, type SessionRef } from './delete.js';
import type { TargetFailure, TargetSessions } from './fetch.js';
import type { Site, Target } from './site.js';

/** How many bad rows the error names before "and N more". */
const NAMED_PROBLEMS = 5;

function field(row: Record<string, unknown>, name: keyof SessionRef, index: number, allowEmpty: boolean): string {
  const value = row[name];
  if (typeof value !== 'string' || (!allowEmpty && value === '')) {
    throw new UsageError(`--from-json: row ${index + 1}: "${name}" must be a${allowEmpty ? '' : ' non-empty'} string, as in session-get's JSON rows`);
  }
  return value;
}

/** The rows of a JSON array of session-get rows: proxyHost, vpPrefix and sessionId of each, in file order. */
export function parseRows(text: string, source: string): SessionRef[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`--from-json: ${shown(source)} is not JSON (${err instanceof Error ? shown(err.message) : 'parse error'})`, {
      hint: "Give it session-get's JSON output, e.g. ctrl-q qseow session-get … | jq '[.[] | select(.userDir == \"CORP\")]'",
    });
  }
  if (!Array.isArray(parsed)) {
    throw new UsageError(`--from-json: ${shown(source)} holds JSON but not an array of session-get rows`);
  }
  return parsed.map((value: unknown, index): SessionRef => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new UsageError(`--from-json: row ${index + 1} is not an object with proxyHost, vpPrefix and sessionId`);
    }
    const row = value as Record<string, unknown>;
    return { proxyHost: field(row, 'proxyHost', index, false), vpPrefix: field(row, 'vpPrefix', index, true), sessionId: field(row, 'sessionId', index, false) };
  });
}

/** What is wrong with one row, or undefined when it names a session that is there (or on a pair that could not be read). */
function rowProblem(row: SessionRef, site: Site, listed: readonly TargetSessions[], unread: readonly TargetFailure[]): string | undefined {
  const host = shown(row.proxyHost);
  const prefix = shown(row.vpPrefix);
  const node = site.proxies.find((p) => p.host.toLowerCase() === row.proxyHost.toLowerCase());
  if (node === undefined) return `proxyHost '${host}' is not a proxy node of this site`;
  const linked = site.virtualProxies.some((vp) => vp.prefix.toLowerCase() === row.vpPrefix.toLowerCase() && node.linkedVirtualProxyIds.has(vp.id));
  if (!linked) return `virtual proxy '${prefix}' is not linked to proxy node '${host}'`;
  if (unread.some((u) => sameTarget(u.target, row))) return undefined; // cannot be checked: never sent, reported as unread
  const there = listed.some((t) => sameTarget(t.target, row) && t.sessions.some((s) => s.SessionId === row.sessionId));
  return there ? undefined : `session '${shown(row.sessionId)}' is not on virtual proxy '${prefix}' of '${host}' (it may have ended since it was listed)`;
}

/** Throws a usage error naming the rows that do not match the site; nothing has been deleted then. */
export function checkRows(rows: readonly SessionRef[], site: Site, listed: readonly TargetSessions[], unread: readonly TargetFailure[]): void {
  const problems: string[] = [];
  rows.forEach((row, index) => {
    const problem = rowProblem(row, site, listed, unread);
    if (problem !== undefined) problems.push(`row ${index + 1}: ${problem}`);
  });
  if (problems.length === 0) return;
  const more = problems.length > NAMED_PROBLEMS ? `; and ${problems.length - NAMED_PROBLEMS} more` : '';
  throw new UsageError(
    `not deleting: ${problems.length} of ${rows.length} --from-json rows ${problems.length === 1 ? 'does' : 'do'} not match the site: ${problems.slice(0, NAMED_PROBLEMS).join('; ')}${more}`,
    { hint: 'List the sessions again with session-get and pass the fresh rows; nothing was deleted.' },
  );
}

/** The (virtual proxy, proxy node) pairs the rows name. */
export function rowTargets(rows: readonly SessionRef[], targets: readonly Target[]): Target[] {
  return targets.filter((t) => rows.some((row) => sameTarget(t, row)));
}
