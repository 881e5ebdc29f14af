/**
 * session-get's output formats, one entry each: how a reading is written (a plain run, and each
 * redrawn --watch frame on a terminal) and its one line per refresh when --watch writes to a pipe.
 * The names are declared in options.ts (GET_OUTPUT_FORMATS, the choices of --output-format); the
 * registry's type requires one entry per name, so a declared format without a renderer does not
 * compile. A new format is one name there and one entry here.
 */
import type { Writable } from 'node:stream';
import { write } from '../../io/streams.js';
import { writeJson } from '../../render/json.js';
import { writeSessionsTable } from '../../render/sessions.js';
import { renderSummaryTable, summaryLine, toSummaryJson } from '../../render/summary.js';
import { jsonSafe } from '../../safe-text.js';
import { isComplete } from '../../sessions/list.js';
import { countByProxy } from '../../sessions/rows.js';
import { unreadReasons } from '../../sessions/summary.js';
import type { GetOutputFormat } from '../options.js';
import { summarizeSnapshot, type Snapshot } from './snapshot.js';

export interface GetFormatRenderer {
  /** The reading as a plain run prints it; also the body of each --watch frame on a terminal. */
  write(out: Writable, snapshot: Snapshot): Promise<void>;
  /** --watch on a pipe: one line (newline included) per refresh; `change` is the count since the first reading. */
  watchLine(snapshot: Snapshot, change: number): string;
}

/** One renderer per declared format, no more, no fewer. */
export type GetFormatRegistry = { readonly [F in GetOutputFormat]: GetFormatRenderer };

/** One compact JSON object per refresh; `complete` false when some pair could not be read, or none could be asked. */
function ndjsonLine(snapshot: Snapshot, change: number, body: object): string {
  const head = { time: snapshot.time.toISOString(), changeSinceFirst: change, complete: isComplete(snapshot.listing) };
  return `${jsonSafe(JSON.stringify({ ...head, ...body }))}\n`;
}

/** The counts in one line, the pairs that failed at its end. */
function countsLine(snapshot: Snapshot, change: number): string {
  const failed = snapshot.listing.failures.length;
  return `${summaryLine(snapshot.time, summarizeSnapshot(snapshot), change)}${failed > 0 ? ` failed=${failed}` : ''}\n`;
}

/**
 * The JSON rows stay Ctrl-Q's plain array: what could not be read is on stderr and in the exit code.
 */
export const GET_FORMATS: GetFormatRegistry = {
  json: {
    write: (out, snapshot) => writeJson(out, snapshot.rows),
    watchLine: (snapshot, change) => ndjsonLine(snapshot, change, { total: snapshot.rows.length, sessions: snapshot.rows }),
  },
  table: {
    write: (out, { rows, proxies, listing }) =>
      writeSessionsTable(out, rows, countByProxy(proxies, rows, unreadReasons(listing).byNode), isComplete(listing)),
    watchLine: countsLine,
  },
  summary: {
    write: (out, snapshot) => write(out, `${renderSummaryTable(summarizeSnapshot(snapshot))}\n`),
    watchLine: countsLine,
  },
  'summary-json': {
    write: (out, snapshot) => writeJson(out, toSummaryJson(summarizeSnapshot(snapshot))),
    watchLine: (snapshot, change) => ndjsonLine(snapshot, change, toSummaryJson(summarizeSnapshot(snapshot))),
  },
};

/** The snapshot on `out` in one of session-get's formats, exactly as a plain run prints it. */
export function writeSnapshot(out: Writable, format: GetOutputFormat, snapshot: Snapshot): Promise<void> {
  return GET_FORMATS[format].write(out, snapshot);
}
