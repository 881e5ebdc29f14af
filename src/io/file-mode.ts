/**
 * Whether other users may read a file, from its POSIX mode bits. On Windows the mode bits Node
 * reports do not describe who may read a file (ACLs do), so nothing is said there.
 */
import { statSync } from 'node:fs';

/**
 * A warning naming `what` when the group or others may read (or, for `mask` 0o077, use) the file;
 * undefined when they may not, on Windows, or when the file cannot be examined.
 */
export function readableByOthersWarning(path: string, what: string, mask = 0o044): string | undefined {
  if (process.platform === 'win32') return undefined;
  let mode: number;
  try {
    const stat = statSync(path);
    if (!stat.isFile()) return undefined; // a device such as /dev/null says nothing about secrecy
    mode = stat.mode;
  } catch {
    return undefined;
  }
  if ((mode & mask) === 0) return undefined;
  return `${what} ${path} is readable by other users (mode ${(mode & 0o777).toString(8)}); run: chmod 600 ${path}`;
}
