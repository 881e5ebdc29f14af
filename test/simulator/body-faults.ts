/**
 * Answers that attack the client's resources rather than its logic: a gzip bomb (small on the wire,
 * huge once inflated) and a body trickled a byte at a time, forever.
 */
import type { ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';

const MiB = 1024 * 1024;
const bombs = new Map<number, Buffer>();

/**
 * A JSON string of `inflatedMiB` MiB of '0' characters, gzip-compressed: concatenated gzip members
 * (valid gzip, which every decoder reads as one stream), one member per MiB, each about 1 KB.
 * Built once per size and kept: about 1 KB per inflated MiB in the test's memory.
 */
export function gzipBomb(inflatedMiB: number): Buffer {
  let bomb = bombs.get(inflatedMiB);
  if (bomb === undefined) {
    const member = gzipSync(Buffer.alloc(MiB, '0'), { level: 9 });
    bomb = Buffer.concat([gzipSync('["'), ...Array.from({ length: inflatedMiB }, () => member), gzipSync('"]')]);
    bombs.set(inflatedMiB, bomb);
  }
  return bomb;
}

export function sendGzipBomb(res: ServerResponse, inflatedMiB: number): void {
  const body = gzipBomb(inflatedMiB);
  res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Encoding': 'gzip', 'Content-Length': body.length });
  res.end(body);
}

/** Headers at once, then one byte of a JSON list every `intervalMs`, until the client goes away. */
export function sendTrickle(res: ServerResponse, intervalMs: number): void {
  res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' });
  res.write('[');
  const timer = setInterval(() => res.write(' '), intervalMs);
  res.once('close', () => clearInterval(timer));
}
