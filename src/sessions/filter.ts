/**
 * Which sessions a run is about, by user: `--exclude-user` patterns (service accounts such as
 * `INTERNAL\sa_*` left out of counts, waits and bulk deletes) and the `--session-user-dir` /
 * `--session-user-id` selection. Matching ignores case, as Qlik Sense does for user directories
 * and user ids.
 */

/** A session's user as every layer has it: QPS's `UserDirectory`/`UserId`, a row's `userDir`/`userId`. */
export type UserPredicate = (userDir: string, userId: string) => boolean;

export interface UserFilter {
  /** `DIRECTORY\userid` patterns, `*` matching any run of characters; matching sessions are left out. */
  excludeUsers?: readonly string[];
  /** Only sessions of this user directory. */
  userDir?: string;
  /** Only sessions of these user ids (in `userDir` when given, else in any directory). */
  userIds?: readonly string[];
}

/**
 * Does `text` match `pattern` as a whole, `*` matching any run of characters (none included) and
 * every other character only itself? Both are compared lower-cased. No regular expression is built,
 * so no character of a pattern can mean anything else, and the two-pointer walk (back to the last
 * `*` on a mismatch) takes at most pattern × text steps, whatever the pattern.
 */
export function wildcardMatch(pattern: string, text: string): boolean {
  const p = pattern.toLowerCase();
  const s = text.toLowerCase();
  let pi = 0;
  let si = 0;
  let star = -1;
  let resume = 0;
  while (si < s.length) {
    if (pi < p.length && p[pi] === '*') {
      star = pi++;
      resume = si;
    } else if (pi < p.length && p[pi] === s[si]) {
      pi++;
      si++;
    } else if (star >= 0) {
      pi = star + 1;
      si = ++resume;
    } else {
      return false;
    }
  }
  while (pi < p.length && p[pi] === '*') pi++;
  return pi === p.length;
}

/** A pattern's directory part (before its first backslash) and user id part; no directory part without one. */
function splitPattern(pattern: string): { dir?: string; id: string } {
  const at = pattern.indexOf('\\');
  return at < 0 ? { id: pattern } : { dir: pattern.slice(0, at), id: pattern.slice(at + 1) };
}

/**
 * One `--exclude-user` pattern as a test of `DIRECTORY\userid`. A pattern without a backslash
 * names a user id in any directory (`sa_api` is `*\sa_api`). The directory and the user id are
 * matched each on its own, so a `*` never reaches across the backslash between them: `A*\x`
 * does not match the user `x\y` of directory `AB` (`AB\x\y` as one string).
 */
export function userPattern(pattern: string): (userDir: string, userId: string) => boolean {
  const { dir, id } = splitPattern(pattern);
  return (userDir, userId) => (dir === undefined || wildcardMatch(dir, userDir)) && wildcardMatch(id, userId);
}

/** True when `DIRECTORY\userid` matches any of the patterns. */
export function matchesAnyUser(patterns: readonly string[]): UserPredicate {
  const tests = patterns.map(userPattern);
  return (userDir, userId) => tests.some((test) => test(userDir, userId));
}

/** Does the filter leave anything out at all? */
export function isUserFilterActive(filter: UserFilter): boolean {
  return (filter.excludeUsers?.length ?? 0) > 0 || filter.userDir !== undefined || (filter.userIds?.length ?? 0) > 0;
}

/** The sessions to keep: of the selected user(s), and not excluded. Exclusion wins over selection. */
export function keepUser(filter: UserFilter): UserPredicate {
  const excluded = filter.excludeUsers && filter.excludeUsers.length > 0 ? matchesAnyUser(filter.excludeUsers) : undefined;
  const dir = filter.userDir?.toLowerCase();
  const ids = filter.userIds && filter.userIds.length > 0 ? new Set(filter.userIds.map((id) => id.toLowerCase())) : undefined;
  return (userDir, userId) => {
    if (dir !== undefined && dir !== userDir.toLowerCase()) return false;
    if (ids !== undefined && !ids.has(userId.toLowerCase())) return false;
    return excluded === undefined || !excluded(userDir, userId);
  };
}

/** The items whose user the filter keeps (a new array, in the same order). */
export function filterByUser<T>(items: readonly T[], filter: UserFilter, user: (item: T) => readonly [string, string]): T[] {
  if (!isUserFilterActive(filter)) return [...items];
  const keep = keepUser(filter);
  return items.filter((item) => {
    const [dir, id] = user(item);
    return keep(dir, id);
  });
}

/**
 * The user directories named by `--session-user-dir` and by `--exclude-user` patterns (the part
 * before the backslash, `*` as in matching) that match none of the directories `seen`, each once.
 * A typo there is worth a warning, not an error: the users may simply be gone.
 */
export function unseenDirectories(filter: UserFilter, seen: readonly string[]): string[] {
  const named = [
    ...(filter.userDir === undefined ? [] : [filter.userDir]),
    ...(filter.excludeUsers ?? []).flatMap((pattern) => {
      const { dir } = splitPattern(pattern);
      return dir === undefined ? [] : [dir];
    }),
  ];
  const unseen = named.filter((dir) => !seen.some((s) => wildcardMatch(dir, s)));
  const once = new Map<string, string>();
  for (const dir of unseen) if (!once.has(dir.toLowerCase())) once.set(dir.toLowerCase(), dir);
  return [...once.values()];
}
