/** JSON on stdout: one document, pretty-printed, newline-terminated; large arrays written in pieces. */
import type { Writable } from 'node:stream';
import { write } from '../io/streams.js';

export async function writeJson(out: Writable, value: unknown): Promise<void> {
  if (!Array.isArray(value) || value.length < 1000) {
    await write(out, `${JSON.stringify(value, null, 2)}\n`);
    return;
  }
  // Same text as JSON.stringify(value, null, 2), without holding it all in one string.
  const items: unknown[] = value;
  let chunk = '[\n';
  for (let i = 0; i < items.length; i++) {
    chunk += `  ${JSON.stringify(items[i], null, 2).replace(/\n/g, '\n  ')}${i < items.length - 1 ? ',' : ''}\n`;
    if ((i + 1) % 1000 === 0) {
      await write(out, chunk);
      chunk = '';
    }
  }
  await write(out, `${chunk}]\n`);
}
