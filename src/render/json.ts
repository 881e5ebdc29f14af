/** JSON on stdout: one document, pretty-printed, newline-terminated; large arrays written in pieces. */
import type { Writable } from 'node:stream';
import { write } from '../io/streams.js';
import { jsonSafe } from '../safe-text.js';

const SLICE = 1000;

/**
 * Writes the text of `JSON.stringify(value, null, 2)` plus a newline, with the control characters
 * it leaves raw (C1, DEL, line separators, bidi controls: site text may hold them) written as
 * `\uXXXX`: the same values, nothing a terminal would act on. Arrays are stringified a slice at a
 * time (native stringify, then the slice's brackets dropped), so 100,000 rows never become one 50 MB
 * string.
 */
export async function writeJson(out: Writable, value: unknown): Promise<void> {
  if (!Array.isArray(value) || value.length <= SLICE) {
    await write(out, `${jsonSafe(JSON.stringify(value, null, 2))}\n`);
    return;
  }
  const items: unknown[] = value;
  await write(out, '[\n');
  for (let i = 0; i < items.length; i += SLICE) {
    const text = jsonSafe(JSON.stringify(items.slice(i, i + SLICE), null, 2));
    const inner = text.slice(2, -2); // drop "[\n" and "\n]"
    await write(out, i + SLICE < items.length ? `${inner},\n` : `${inner}\n`);
  }
  await write(out, ']\n');
}
