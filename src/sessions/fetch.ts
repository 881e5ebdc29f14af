/** Lists the sessions of many (virtual proxy × node) targets in parallel, keeping per-target failures. */
import { errorMessage } from '../errors.js';
import type { QpsApi } from '../qlik/qps-client.js';
import type { QpsSession } from '../qlik/types.js';
import { runPool } from './pool.js';
import type { Target } from './site.js';

export interface TargetSessions {
  target: Target;
  sessions: QpsSession[];
}

export interface TargetFailure {
  target: Target;
  error: unknown;
  reason: string;
}

export interface FetchResult {
  results: TargetSessions[];
  failures: TargetFailure[];
}

export interface FetchOptions {
  concurrency: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export async function fetchSessions(qps: QpsApi, targets: readonly Target[], options: FetchOptions): Promise<FetchResult> {
  let done = 0;
  const settled = await runPool(
    targets,
    options.concurrency,
    async (target) => {
      try {
        return await qps.listSessions(target.node, target.vp.prefix, options.signal);
      } finally {
        done++;
        options.onProgress?.(done, targets.length);
      }
    },
    options.signal,
  );
  const results: TargetSessions[] = [];
  const failures: TargetFailure[] = [];
  settled.forEach((outcome, index) => {
    const target = targets[index] as Target;
    if (outcome.ok) results.push({ target, sessions: outcome.value });
    else if ('error' in outcome) failures.push({ target, error: outcome.error, reason: errorMessage(outcome.error) });
    else failures.push({ target, error: new Error('interrupted'), reason: 'interrupted before it was asked' });
  });
  return { results, failures };
}
