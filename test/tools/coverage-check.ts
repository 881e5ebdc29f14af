/**
 * `npm test` runs this after the suite: it reads c8's coverage/coverage-summary.json and fails
 * (exit 1, one line per shortfall) unless each folder meets its branch threshold. c8's own
 * `check-coverage --include <folder>` re-reads the raw V8 data without the source-map remapping of
 * .c8rc.json and checks the wrong numbers, so the folders are summed here from the per-file figures.
 */
import { readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export type Metric = 'lines' | 'branches';

export interface Threshold {
  /** A folder relative to the project root; every file below it counts. */
  folder: string;
  metric: Metric;
  /** Lowest accepted percentage. */
  min: number;
}

/** The thresholds `npm test` enforces (README, "Testing"). */
export const THRESHOLDS: readonly Threshold[] = [
  { folder: 'src', metric: 'branches', min: 90 },
  { folder: 'src/qlik', metric: 'branches', min: 85 },
];

interface Counts {
  total: number;
  covered: number;
}

/** c8's json-summary: `total` plus one entry per file, keyed by absolute path. */
export type CoverageSummary = Record<string, Partial<Record<Metric, Counts>>>;

/** Covered and total of one metric over every file under `folder`. */
export function folderCounts(summary: CoverageSummary, root: string, folder: string, metric: Metric): Counts {
  const sum: Counts = { total: 0, covered: 0 };
  const prefix = `${folder.split('/').join(sep)}${sep}`;
  for (const [file, figures] of Object.entries(summary)) {
    if (file === 'total' || !relative(root, file).startsWith(prefix)) continue;
    sum.total += figures[metric]?.total ?? 0;
    sum.covered += figures[metric]?.covered ?? 0;
  }
  return sum;
}

const percent = (counts: Counts): number => (counts.total === 0 ? 100 : (100 * counts.covered) / counts.total);
/** Two decimals, rounded down as c8's table does, so 89.999% never shows as 90.00%. */
const figure = (counts: Counts): string => (Math.floor(percent(counts) * 100) / 100).toFixed(2);

/** One line per folder that is below its threshold, or has no files at all (a misconfigured run). */
export function shortfalls(summary: CoverageSummary, root: string, thresholds: readonly Threshold[] = THRESHOLDS): string[] {
  const lines: string[] = [];
  for (const { folder, metric, min } of thresholds) {
    const counts = folderCounts(summary, root, folder, metric);
    if (counts.total === 0) {
      lines.push(`${folder}/: no ${metric} in the coverage summary (was coverage collected?)`);
    } else if (percent(counts) < min) {
      lines.push(`${folder}/: ${metric} ${figure(counts)}% (${counts.covered}/${counts.total}) is below the ${min}% threshold`);
    }
  }
  return lines;
}

export function report(summary: CoverageSummary, root: string, thresholds: readonly Threshold[] = THRESHOLDS): string[] {
  return thresholds.map(({ folder, metric, min }) => {
    const counts = folderCounts(summary, root, folder, metric);
    return `${folder}/: ${metric} ${figure(counts)}% (${counts.covered}/${counts.total}), threshold ${min}%`;
  });
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const file = join(root, 'coverage', 'coverage-summary.json');
  let summary: CoverageSummary;
  try {
    summary = JSON.parse(readFileSync(file, 'utf8')) as CoverageSummary;
  } catch (err) {
    process.stderr.write(`coverage check: cannot read ${relative(root, file)} (${err instanceof Error ? err.message : String(err)}): run npm test\n`);
    process.exit(1);
  }
  const failed = shortfalls(summary, root);
  for (const line of failed) process.stderr.write(`coverage check: ${line}\n`);
  if (failed.length > 0) process.exit(1);
  for (const line of report(summary, root)) process.stdout.write(`coverage check: ${line}\n`);
}
