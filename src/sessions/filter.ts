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

/** Every character that means something in a regular expression, `*` included (it is handled first). */
const REGEX_SPECIAL = /[\\^$.*+?()[\]{}|/-]/g;

function escapeRegex(text: string): string {
  return text.replace(REGEX_SPECIAL, '\\$&');
}

/**
 * One `--exclude-user` pattern as a whole-string, case-insensitive regular expression. `*` is the
 * only wildcard; every other character stands for itself. A pattern without a backslash names a
 * user id in any directory (`sa_api` is `*\sa_api`).
 */
export function userPatternRegex(pattern: string): RegExp {
  const full = pattern.includes('\\') ? pattern : `*\\${pattern}`;
  // Runs of `*` are one wildcard: `a**b` must not cost more than `a*b` to match.
  const body = full
    .split(/\*+/)
    .map(escapeRegex)
    .join('[\\s\\S]*');
  return new RegExp(`^${body}$`, 'i');
}

/** True when `DIRECTORY\userid` matches any of the patterns. */
export function matchesAnyUser(patterns: readonly string[]): UserPredicate {
  const regexes = patterns.map(userPatternRegex);
  return (userDir, userId) => {
    const user = `${userDir}\\${userId}`;
    return regexes.some((re) => re.test(user));
  };
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
