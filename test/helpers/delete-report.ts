/** session-delete's JSON report (the audit record) as the tests read it. */
import assert from 'node:assert/strict';
import type { ReportEntry } from '../../src/render/delete-report.js';

export type { ReportEntry };

export interface TargetRecord {
  proxyHost: string;
  proxyName: string;
  virtualProxy: string;
  sessions: number | null;
  error?: string;
}

export interface Report {
  ctrlqVersion: string;
  dryRun: boolean;
  interrupted: string | null;
  startTime: string;
  endTime: string;
  qrsHost: string;
  qrsPort: number;
  filters: Record<string, unknown>;
  targets: TargetRecord[];
  unread: { proxyHost: string; virtualProxy: string; error: string }[];
  counts: Record<string, number>;
  deleted: ReportEntry[];
  notFound: ReportEntry[];
  failed: ReportEntry[];
  notSent: ReportEntry[];
}

/** The record's fields, in order. */
export const REPORT_KEYS = [
  'ctrlqVersion', 'dryRun', 'interrupted', 'startTime', 'endTime', 'qrsHost', 'qrsPort', 'filters', 'targets', 'unread', 'counts',
  'deleted', 'notFound', 'failed', 'notSent',
];

/** Parses stdout as one report and checks that it has exactly the record's fields. */
export function parseReport(stdout: string): Report {
  const parsed = JSON.parse(stdout) as Report;
  assert.deepEqual(Object.keys(parsed), REPORT_KEYS);
  return parsed;
}
