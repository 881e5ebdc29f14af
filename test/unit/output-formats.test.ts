/**
 * The output-format registries: one renderer per declared format. The type-level half is checked by
 * `npm run typecheck` (test/tsconfig.json): each `@ts-expect-error` below must stay an error, so a
 * registry type that let a format go without a renderer (or took an undeclared one) fails the build.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DELETE_FORMATS, type DeleteFormatRegistry, type DeleteFormatRenderer } from '../../src/cli/commands/delete-formats.js';
import { GET_FORMATS, type GetFormatRegistry, type GetFormatRenderer } from '../../src/cli/commands/get-formats.js';
import { DELETE_OUTPUT_FORMATS, GET_OUTPUT_FORMATS, SESSION_DELETE_OPTIONS, SESSION_GET_OPTIONS } from '../../src/cli/options.js';

const getRenderer: GetFormatRenderer = { write: () => Promise.resolve(), watchLine: () => '\n' };
const deleteRenderer: DeleteFormatRenderer = { plan: () => Promise.resolve(), result: () => Promise.resolve() };

// @ts-expect-error: 'summary-json' is declared and has no renderer
export const getMissing: GetFormatRegistry = { json: getRenderer, table: getRenderer, summary: getRenderer };
export const getExtra: GetFormatRegistry = {
  json: getRenderer,
  table: getRenderer,
  summary: getRenderer,
  'summary-json': getRenderer,
  // @ts-expect-error: 'csv' has a renderer and is not declared in GET_OUTPUT_FORMATS
  csv: getRenderer,
};
// @ts-expect-error: 'json' is declared and has no renderer
export const deleteMissing: DeleteFormatRegistry = { text: deleteRenderer };

describe('output-format registries', () => {
  it("session-get: a renderer for each of --output-format's choices, in the same order", () => {
    assert.deepEqual(Object.keys(GET_FORMATS), [...GET_OUTPUT_FORMATS]);
    assert.deepEqual(SESSION_GET_OPTIONS.outputFormat.choices, ['json', 'table', 'summary', 'summary-json']);
  });

  it("session-delete: a renderer for each of --output-format's choices, in the same order", () => {
    assert.deepEqual(Object.keys(DELETE_FORMATS), [...DELETE_OUTPUT_FORMATS]);
    assert.deepEqual(SESSION_DELETE_OPTIONS.outputFormat.choices, ['text', 'json']);
  });
});
