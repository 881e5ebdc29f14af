/**
 * "1 session", "2 sessions", "1 virtual proxy", "3 virtual proxies": a count with its noun in
 * agreement. Shared by every layer, like errors.ts and safe-text.ts.
 */
export function count(n: number, singular: string, plural = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : plural}`;
}
