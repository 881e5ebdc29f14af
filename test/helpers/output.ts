/** What the CLI prints, parsed and checked: session rows, delete reports, one-line errors. */
import assert from 'node:assert/strict';
import type { SessionRow } from '../../src/sessions/rows.js';
import type { CliResult } from './cli.js';
import { parseReport, type Report } from './delete-report.js';

export type { SessionRow };

/** session-get's JSON: stdout is exactly one array of rows. */
export function sessionRows(result: CliResult): SessionRow[] {
  const parsed: unknown = JSON.parse(result.stdout);
  assert.ok(Array.isArray(parsed), 'stdout is one JSON array');
  return parsed as SessionRow[];
}

/** `DIR\id` of each row, in output order. */
export function rowUsers(stdout: string): string[] {
  return (JSON.parse(stdout) as SessionRow[]).map((r) => `${r.userDir}\\${r.userId}`);
}

export type { Report as DeleteReport, ReportEntry as DeleteReportEntry } from './delete-report.js';

/** session-delete --output-format json: one report (the audit record) with exactly its fields. */
export function deleteReport(result: CliResult): Report {
  return parseReport(result.stdout);
}

/** Usage errors: one line on stderr, no stack trace, nothing on stdout. */
export function assertOneErrorLine(result: CliResult, pattern: RegExp): void {
  const lines = result.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line expected:\n${result.stderr}`);
  assert.match(lines[0] ?? '', /^error: /);
  assert.match(lines[0] ?? '', pattern);
  assert.doesNotMatch(result.stderr, /^\s+at /m);
  assert.equal(result.stdout, '');
}
