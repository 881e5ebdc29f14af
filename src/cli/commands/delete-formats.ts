/**
 * session-delete's output formats (--output-format), one entry each: what a --dry-run plan and the
 * report after the deletes put on stdout. The log lines on stderr are the same in every format. The
 * names are declared in options.ts (DELETE_OUTPUT_FORMATS); the registry's type requires one entry
 * per name, so a declared format without a renderer does not compile.
 */
import type { Writable } from 'node:stream';
import { write } from '../../io/streams.js';
import * as report from '../../render/delete-report.js';
import { writeJson } from '../../render/json.js';
import { renderTable } from '../../render/table.js';
import { plannedSessions, type DeletePlan, type DeleteResult } from '../../sessions/delete.js';
import type { TargetFailure } from '../../sessions/fetch.js';
import type { DeleteOutputFormat } from '../options.js';

export interface DeleteFormatRenderer {
  /** --dry-run: the plan, and the pairs that could not be read. */
  plan(out: Writable, run: report.RunInfo, plan: DeletePlan, unread: readonly TargetFailure[]): Promise<void>;
  /** After the deletes: the report (`missingIds`: the ids asked for and not found). */
  result(out: Writable, run: report.RunInfo, result: DeleteResult, missingIds: readonly string[]): Promise<void>;
}

/** One renderer per declared format, no more, no fewer. */
export type DeleteFormatRegistry = { readonly [F in DeleteOutputFormat]: DeleteFormatRenderer };

export const DELETE_FORMATS: DeleteFormatRegistry = {
  text: {
    // The plan as a table, then the unread pairs; the report after deleting is the log lines alone.
    plan: async (out, _run, plan, unread) => {
      const table = plannedSessions(plan).length > 0 ? [renderTable([...report.PLAN_COLUMNS], report.planRows(plan))] : [];
      const parts = [...table, ...report.unreadLines(unread)];
      if (parts.length > 0) await write(out, `${parts.join('\n')}\n`);
    },
    result: () => Promise.resolve(),
  },
  json: {
    plan: (out, run, plan) => writeJson(out, report.jsonPlan(run, plan)),
    result: (out, run, result, missingIds) => writeJson(out, report.jsonReport(run, result, missingIds)),
  },
};
