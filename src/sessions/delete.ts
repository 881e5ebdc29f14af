/**
 * Deleting sessions: first a plan built from a fresh listing (exactly what will be deleted, and
 * nothing else), then its execution in parallel with a result per session. No printing here.
 */
import { CliError, ExitCode, errorMessage } from '../errors.js';
import type { QpsApi } from '../qlik/qps-client.js';
import type { QpsSession } from '../qlik/types.js';
import type { TargetSessions } from './fetch.js';
import type { UserPredicate } from './filter.js';
import { perNode, runPool, withOutcomes, type Concurrency } from './pool.js';
import type { Target } from './site.js';

export type DeleteRequest =
  /** Exactly these session ids. */
  | { mode: 'ids'; sessionIds: readonly string[] }
  /** Every session of these users, through QPS's own user teardown. */
  | { mode: 'user'; userDir: string; userIds: readonly string[] }
  /** Every session on the targets. */
  | { mode: 'all' }
  /** Exactly these sessions, each on its own (virtual proxy, proxy node), checked against the listing first. */
  | { mode: 'rows'; rows: readonly SessionRef[] };

/** One session as a session-get row names it. */
export interface SessionRef {
  proxyHost: string;
  vpPrefix: string;
  sessionId: string;
}

/** The same (proxy node, virtual proxy) as a row names it: host and prefix match without case. */
export function sameTarget(target: Target, ref: Pick<SessionRef, 'proxyHost' | 'vpPrefix'>): boolean {
  return target.node.host.toLowerCase() === ref.proxyHost.toLowerCase() && target.vp.prefix.toLowerCase() === ref.vpPrefix.toLowerCase();
}

/** One DELETE to send. */
export type PlanItem =
  | { kind: 'session'; target: Target; session: QpsSession }
  /** `DELETE /qps/{prefix/}user/{dir}/{id}`; `sessions` are the user's sessions seen when planning. */
  | { kind: 'user'; target: Target; userDir: string; userId: string; sessions: QpsSession[] };

export interface DeletePlan {
  items: PlanItem[];
  /** Requested ids that no listed target has (each once). */
  missingIds: string[];
  /** Users left out by --exclude-user (by-user plans), as `DIR\id`. */
  excludedUsers: string[];
  /** Sessions left out by --exclude-user (delete-all plans). */
  excludedSessions: number;
}

export interface PlanOptions {
  /** True for sessions to leave alone (--exclude-user). */
  exclude?: UserPredicate;
}

/** The sessions a plan will delete, as planned. */
export function plannedSessions(plan: DeletePlan): { target: Target; session: QpsSession }[] {
  return plan.items.flatMap((item) =>
    item.kind === 'session' ? [{ target: item.target, session: item.session }] : item.sessions.map((session) => ({ target: item.target, session })),
  );
}

export function planDeletion(listed: readonly TargetSessions[], request: DeleteRequest, options: PlanOptions = {}): DeletePlan {
  const items: PlanItem[] = [];
  const excludedUsers: string[] = [];
  let excludedSessions = 0;
  const exclude = options.exclude ?? (() => false);

  if (request.mode === 'ids') {
    // Explicit ids are deleted as asked: --exclude-user narrows bulk plans only.
    const wanted = new Set(request.sessionIds);
    const found = new Set<string>();
    for (const { target, sessions } of listed) {
      for (const session of sessions) {
        if (wanted.has(session.SessionId)) {
          items.push({ kind: 'session', target, session });
          found.add(session.SessionId);
        }
      }
    }
    const missingIds = [...wanted].filter((id) => !found.has(id));
    return { items, missingIds, excludedUsers, excludedSessions };
  }

  if (request.mode === 'rows') {
    for (const { target, sessions } of listed) {
      const wanted = new Set(request.rows.filter((row) => sameTarget(target, row)).map((row) => row.sessionId));
      for (const session of sessions) if (wanted.has(session.SessionId)) items.push({ kind: 'session', target, session });
    }
    return { items, missingIds: [], excludedUsers, excludedSessions };
  }

  if (request.mode === 'user') {
    const dir = request.userDir.toLowerCase();
    for (const userId of new Set(request.userIds.map((id) => id.toLowerCase()))) {
      const original = request.userIds.find((id) => id.toLowerCase() === userId) ?? userId;
      if (exclude(request.userDir, original)) {
        excludedUsers.push(`${request.userDir}\\${original}`);
        continue;
      }
      for (const { target, sessions } of listed) {
        const mine = sessions.filter((s) => s.UserDirectory.toLowerCase() === dir && s.UserId.toLowerCase() === userId);
        const [first] = mine;
        if (first === undefined) continue;
        items.push({ kind: 'user', target, userDir: first.UserDirectory, userId: first.UserId, sessions: mine });
      }
    }
    return { items, missingIds: [], excludedUsers, excludedSessions };
  }

  for (const { target, sessions } of listed) {
    for (const session of sessions) {
      if (exclude(session.UserDirectory, session.UserId)) excludedSessions++;
      else items.push({ kind: 'session', target, session });
    }
  }
  return { items, missingIds: [], excludedUsers, excludedSessions };
}

export interface SessionOutcome {
  target: Target;
  session: QpsSession;
  /**
   * Deleted, but unseen: an earlier attempt lost its answer and the retry found the session gone.
   * Only that attempt can have ended it (or the user, at the same moment).
   */
  unconfirmed?: boolean;
}

export interface FailedOutcome extends SessionOutcome {
  reason: string;
  error?: unknown;
}

export interface DeleteResult {
  deleted: SessionOutcome[];
  notFound: SessionOutcome[];
  failed: FailedOutcome[];
  /** Planned but never sent: the run was interrupted first. Still there. */
  notSent: SessionOutcome[];
}

export type DeleteEvent =
  | { type: 'deleted'; outcome: SessionOutcome }
  | { type: 'notFound'; outcome: SessionOutcome }
  | { type: 'failed'; outcome: FailedOutcome };

export interface ExecuteOptions {
  /** In flight per proxy node and in all (a number: in all). */
  concurrency: Concurrency;
  signal?: AbortSignal;
  onEvent?: (event: DeleteEvent) => void;
  onProgress?: (done: number, total: number) => void;
}

/**
 * Sends the plan's DELETEs, at most `concurrency` at a time (per proxy node, and in all). Once
 * `signal` is aborted no new DELETE is sent; those in flight finish. Every planned session ends up
 * in exactly one list; those never sent go to `notSent` without an event each (the caller sums them up).
 */
export async function executeDeletion(qps: QpsApi, plan: DeletePlan, options: ExecuteOptions): Promise<DeleteResult> {
  const result: DeleteResult = { deleted: [], notFound: [], failed: [], notSent: [] };
  const emit = (event: DeleteEvent): void => {
    if (event.type === 'deleted') result.deleted.push(event.outcome);
    else if (event.type === 'notFound') result.notFound.push(event.outcome);
    else result.failed.push(event.outcome);
    options.onEvent?.(event);
  };
  let done = 0;
  const settled = await runPool(
    plan.items,
    perNode(options.concurrency, (item) => item.target.node),
    async (item) => {
      try {
        // The signal only stops new DELETEs (runPool below). One already sent is not cancelled: the
        // proxy may carry it out anyway, and the report must then say "deleted", not "cancelled".
        await executeItem(qps, item, emit);
      } finally {
        done++;
        options.onProgress?.(done, plan.items.length);
      }
    },
    options.signal,
  );
  for (const { item, outcome } of withOutcomes(plan.items, settled)) {
    if (outcome.ok) continue;
    const sessions = item.kind === 'session' ? [item.session] : item.sessions;
    if (!('error' in outcome)) {
      for (const session of sessions) result.notSent.push({ target: item.target, session });
      continue;
    }
    const reason = errorMessage(outcome.error);
    for (const session of sessions) emit({ type: 'failed', outcome: { target: item.target, session, reason, error: outcome.error } });
  }
  return result;
}

/**
 * A path segment that is exactly `.` or `..` cannot be sent as itself: URL parsing removes it (and
 * `%2E` as well), so `DELETE /qps/session/..` would reach `/qps/` instead. Such a value is refused
 * before anything is sent, rather than requesting a path that is not the planned one.
 */
function refuseDotSegments(what: string, ...values: string[]): void {
  const dots = values.find((v) => v === '.' || v === '..');
  if (dots !== undefined) {
    throw new CliError(`not sent: the ${what} "${dots}" cannot be addressed in a URL path (it would be read as a relative path)`, ExitCode.Failure);
  }
}

async function executeItem(qps: QpsApi, item: PlanItem, emit: (event: DeleteEvent) => void): Promise<void> {
  const { target } = item;
  if (item.kind === 'session') refuseDotSegments('session id', item.session.SessionId);
  else refuseDotSegments('user directory or user id', item.userDir, item.userId);
  // Not found after a lost answer: the lost attempt most likely did it. Deleted, but unconfirmed.
  const absent = (lost: boolean, session: QpsSession): DeleteEvent =>
    lost ? { type: 'deleted', outcome: { target, session, unconfirmed: true } } : { type: 'notFound', outcome: { target, session } };
  if (item.kind === 'session') {
    const answer = await qps.deleteSession(target.node, target.vp.prefix, item.session.SessionId);
    emit(answer.value === null ? absent(answer.earlierAttemptLost, item.session) : { type: 'deleted', outcome: { target, session: item.session } });
    return;
  }
  const answer = await qps.deleteUserSessions(target.node, target.vp.prefix, item.userDir, item.userId);
  const gone = new Set(answer.value.map((s) => s.SessionId));
  for (const session of answer.value) emit({ type: 'deleted', outcome: { target, session } });
  // Planned sessions QPS did not return had ended on their own in the meantime (or in a lost attempt).
  for (const session of item.sessions) {
    if (!gone.has(session.SessionId)) emit(absent(answer.earlierAttemptLost, session));
  }
}
