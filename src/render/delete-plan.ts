/**
 * What the confirmation shows before its one question: who is cut off, and where. Up to
 * MAX_LISTED sessions one line each; more as counts per proxy node and virtual proxy, and the users
 * with most sessions. Built from shown() text only, so site text cannot redraw the question.
 */
import type { QpsSession } from '../qlik/types.js';
import { shown } from '../safe-text.js';
import type { TargetFailure } from '../sessions/fetch.js';
import type { Target } from '../sessions/site.js';
import { count } from '../plural.js';
import { prefixLabel, unreadLines, userLabel } from './delete-report.js';

const MAX_LISTED = 20;
const TOP_USERS = 5;

export interface PlannedSession {
  target: Target;
  session: QpsSession;
}

const nodeLabel = (target: Target): string => `${shown(target.node.name)} (${shown(target.node.host)})`;

/** Count per label, most first, then in the order first seen. */
function counted(labels: readonly string[]): [string, number][] {
  const counts = new Map<string, number>();
  for (const label of labels) counts.set(label, (counts.get(label) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1]);
}

function columns(rows: readonly [string, string][], indent = '  '): string[] {
  const width = Math.max(0, ...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `${indent}${left.padEnd(width)}  ${right}`);
}

function eachSession(planned: readonly PlannedSession[]): string[] {
  return columns(planned.map(({ target, session }) => [userLabel(session), `on '${prefixLabel(target.vp.prefix)}' at ${nodeLabel(target)}`]));
}

function inCounts(planned: readonly PlannedSession[]): string[] {
  const users = counted(planned.map((p) => userLabel(p.session)));
  const shownUsers = users.slice(0, TOP_USERS);
  // Counts right-aligned within each block.
  const asRows = (pairs: [string, number][]): [string, string][] => {
    const width = Math.max(...pairs.map(([, n]) => String(n).length));
    return pairs.map(([label, n]) => [label, String(n).padStart(width)]);
  };
  return [
    'Per proxy node:',
    ...columns(asRows(counted(planned.map((p) => nodeLabel(p.target))))),
    'Per virtual proxy:',
    ...columns(asRows(counted(planned.map((p) => prefixLabel(p.target.vp.prefix))))),
    `Users with most sessions (${shownUsers.length} of ${users.length}):`,
    ...columns(asRows(shownUsers)),
  ];
}

/** The lines drawn above the question. */
export function confirmationLines(planned: readonly PlannedSession[], unread: readonly TargetFailure[]): string[] {
  const users = new Set(planned.map((p) => `${p.session.UserDirectory.toLowerCase()}\\${p.session.UserId.toLowerCase()}`)).size;
  const head = `${count(planned.length, 'session')} of ${count(users, 'user')} will be ended:`;
  const body = planned.length <= MAX_LISTED ? eachSession(planned) : inCounts(planned);
  return [head, ...body, ...unreadLines(unread)];
}
