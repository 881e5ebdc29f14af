/**
 * Whose sessions: --session-user-dir, --session-user-id and --exclude-user, read one way for both
 * commands. session-delete adds its own rule on top (a by-user delete names both the directory and
 * the user ids).
 */
import { UsageError } from '../errors.js';
import type { UserFilter } from '../sessions/filter.js';
import { USER_OPTIONS, asList, asString, nonEmptyList, type OptionValues } from './options.js';

export type UserValues = OptionValues<readonly (typeof USER_OPTIONS)[keyof typeof USER_OPTIONS][]>;

/**
 * The user filter the options give, values trimmed. A blank value is a usage error, never "nobody":
 * an empty variable must not silently select or exclude no one.
 */
export function toUserFilter(raw: UserValues): UserFilter {
  const dir = raw.sessionUserDir === undefined ? undefined : asString(raw.sessionUserDir).trim();
  if (dir === '') throw new UsageError(`option '${USER_OPTIONS.sessionUserDir.flags}' must not be empty`);
  return {
    excludeUsers: nonEmptyList(USER_OPTIONS.excludeUser.flags, asList(raw.excludeUser)),
    userDir: dir,
    userIds: nonEmptyList(USER_OPTIONS.sessionUserId.flags, asList(raw.sessionUserId)),
  };
}
