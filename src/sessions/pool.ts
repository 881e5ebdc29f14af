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

interface Group {
  /** Indexes of the items not started yet, in input order; `head` is the next one. */
  pending: number[];
  head: number;
  running: number;
}

/** The items' indexes grouped by the limit's key (one group for a plain number), each in input order. */
function groupIndexes<T>(items: readonly T[], limit: PoolLimit<T>): Group[] {
  const groups = new Map<string, Group>();
  items.forEach((item, index) => {
    const key = typeof limit === 'number' ? '' : limit.key(item);
    let group = groups.get(key);
    if (group === undefined) groups.set(key, (group = { pending: [], head: 0, running: 0 }));
    group.pending.push(index);
  });
  return [...groups.values()];
}

/** The group holding the lowest pending index among those with room, if any. */
function nextGroup(queues: readonly Group[], perKey: number): Group | undefined {
  let best: Group | undefined;
  for (const group of queues) {
    if (group.running >= perKey || group.head >= group.pending.length) continue;
    if (best === undefined || (group.pending[group.head] as number) < (best.pending[best.head] as number)) best = group;
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
          while (group.head < group.pending.length) settle(group.pending[group.head++] as number, { ok: false, skipped: true });
        }
        return;
      }
      while (running < total) {
        const group = nextGroup(queues, perKey);
        if (group === undefined) return;
        const index = group.pending[group.head++] as number;
        group.running++;
        running++;
        let task: Promise<R>;
        try {
          task = worker(items[index] as T, index);
        } catch (error) {
          task = Promise.reject(error);
        }
        task.then(
          (value) => finish(group, index, { ok: true, value }),
          (error: unknown) => finish(group, index, { ok: false, error }),
        );
      }
    };
    const finish = (group: Group, index: number, outcome: Settled<R>): void => {
      group.running--;
      running--;
      // Start what may start before the result is recorded, so the last settle sees no pending item.
      pump();
      settle(index, outcome);
    };
    pump();
  });
}
