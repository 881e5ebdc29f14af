/**
 * Runs async work over a list with a bounded number of tasks in flight: at most `total` in all and,
 * when the items are grouped (by proxy node), at most `perKey` in one group. Tasks start in input
 * order, except that an item whose group is full waits while later items of other groups start.
 * Results keep the input order. Once `signal` is aborted no new task starts; tasks already running
 * finish.
 */
export type Settled<R> = { ok: true; value: R } | { ok: false; error: unknown } | { ok: false; skipped: true };

/** In-flight limits: a number is one limit over everything; otherwise per group, with a total cap. */
export type PoolLimit<T> = number | { perKey: number; total: number; key: (item: T) => string };

/**
 * The limits of --concurrency (per proxy node) and --max-concurrency (all nodes together); a plain
 * number is a single limit over all nodes.
 */
export type Concurrency = number | { perNode: number; total: number };

/** The pool limit for items that each go to one proxy node. */
export function perNode<T>(concurrency: Concurrency, node: (item: T) => { host: string; port: number }): PoolLimit<T> {
  if (typeof concurrency === 'number') return concurrency;
  return {
    perKey: concurrency.perNode,
    total: concurrency.total,
    key: (item) => {
      const { host, port } = node(item);
      return `${host.toLowerCase()}:${port}`;
    },
  };
}

interface Group<T> {
  /** The items of the group with their indexes in the input, in input order; `head` is the next to start. */
  pending: { item: T; index: number }[];
  head: number;
  running: number;
}

/** The items' indexes grouped by the limit's key (one group for a plain number), each in input order. */
function groupIndexes<T>(items: readonly T[], limit: PoolLimit<T>): Group<T>[] {
  const groups = new Map<string, Group<T>>();
  items.forEach((item, index) => {
    const key = typeof limit === 'number' ? '' : limit.key(item);
    let group = groups.get(key);
    if (group === undefined) groups.set(key, (group = { pending: [], head: 0, running: 0 }));
    group.pending.push({ item, index });
  });
  return [...groups.values()];
}

/** The group with room whose next item comes first in the input, and that item, if any. */
function nextGroup<T>(queues: readonly Group<T>[], perKey: number): { group: Group<T>; next: { item: T; index: number } } | undefined {
  let best: { group: Group<T>; next: { item: T; index: number } } | undefined;
  for (const group of queues) {
    const next = group.pending[group.head];
    if (group.running >= perKey || next === undefined) continue;
    if (best === undefined || next.index < best.next.index) best = { group, next };
  }
  return best;
}

export async function runPool<T, R>(
  items: readonly T[],
  limit: PoolLimit<T>,
  worker: (item: T, index: number) => Promise<R>,
  signal?: AbortSignal,
): Promise<Settled<R>[]> {
  const results: Settled<R>[] = new Array<Settled<R>>(items.length);
  const total = Math.max(1, typeof limit === 'number' ? limit : limit.total);
  const perKey = Math.max(1, typeof limit === 'number' ? total : limit.perKey);
  const queues = groupIndexes(items, limit);
  let running = 0;
  let left = items.length;

  return new Promise((resolve) => {
    if (left === 0) return resolve(results);
    const settle = (index: number, outcome: Settled<R>): void => {
      results[index] = outcome;
      if (--left === 0) resolve(results);
    };
    const pump = (): void => {
      if (signal?.aborted) {
        // Nothing new starts: every item not started yet is skipped.
        for (const group of queues) {
          for (const { index } of group.pending.slice(group.head)) settle(index, { ok: false, skipped: true });
          group.head = group.pending.length;
        }
        return;
      }
      while (running < total) {
        const chosen = nextGroup(queues, perKey);
        if (chosen === undefined) return;
        const { group, next: { item, index } } = chosen;
        group.head++;
        group.running++;
        running++;
        let task: Promise<R>;
        try {
          task = worker(item, index);
        } catch (error) {
          task = Promise.reject(error);
        }
        task.then(
          (value) => finish(group, index, { ok: true, value }),
          (error: unknown) => finish(group, index, { ok: false, error }),
        );
      }
    };
    const finish = (group: Group<T>, index: number, outcome: Settled<R>): void => {
      group.running--;
      running--;
      // Start what may start before the result is recorded, so the last settle sees no pending item.
      pump();
      settle(index, outcome);
    };
    pump();
  });
}

/** Each item with its outcome from runPool (which settles every item, in input order). */
export function withOutcomes<T, R>(items: readonly T[], settled: readonly Settled<R>[]): { item: T; outcome: Settled<R> }[] {
  return items.map((item, index) => {
    const outcome = settled[index];
    if (outcome === undefined) throw new Error(`internal: runPool left item ${index} of ${items.length} unsettled`);
    return { item, outcome };
  });
}
