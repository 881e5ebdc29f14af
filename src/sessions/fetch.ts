/** Lists the sessions of many (virtual proxy × node) targets in parallel, keeping per-target failures. */
import { errorMessage } from '../errors.js';
import type { QpsApi } from '../qlik/qps-client.js';
import type { QpsSession } from '../qlik/types.js';
import { perNode, runPool, withOutcomes, type Concurrency } from './pool.js';
import type { Target } from './site.js';

/** One target's sessions: as QPS sent them, or already converted (see SessionConverter). */
export interface TargetSessions<S = QpsSession> {
  target: Target;
  sessions: S[];
}

export interface TargetFailure {
  target: Target;
  error: unknown;
  reason: string;
}

export interface FetchResult<S = QpsSession> {
  results: TargetSessions<S>[];
  failures: TargetFailure[];
}

/**
 * Turns one target's sessions into what the caller keeps, as each answer arrives: the decoded QPS
 * objects of a large site then die young instead of all living until the last answer is in.
 */
export type SessionConverter<S> = (target: Target, sessions: QpsSession[]) => S[];

export interface FetchOptions {
  /** In flight per proxy node and in all (a number: in all). */
  concurrency: Concurrency;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export async function fetchSessions<S>(
  qps: QpsApi,
  targets: readonly Target[],
  options: FetchOptions,
  convert: SessionConverter<S>,
): Promise<FetchResult<S>> {
  let done = 0;
  const settled = await runPool(
    targets,
    perNode(options.concurrency, (target) => target.node),
    async (target) => {
      try {
        return convert(target, await qps.listSessions(target.node, target.vp.prefix, options.signal));
      } finally {
        done++;
        options.onProgress?.(done, targets.length);
      }
    },
    options.signal,
  );
  const results: TargetSessions<S>[] = [];
  const failures: TargetFailure[] = [];
  for (const { item: target, outcome } of withOutcomes(targets, settled)) {
    if (outcome.ok) results.push({ target, sessions: outcome.value });
    else if ('error' in outcome) failures.push({ target, error: outcome.error, reason: errorMessage(outcome.error) });
    else failures.push({ target, error: new Error('interrupted'), reason: 'interrupted before it was asked' });
  }
  return { results, failures };
}
