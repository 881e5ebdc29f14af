/**
 * The item at an index of a list that must have it. With noUncheckedIndexedAccess an index read may
 * be undefined; where that would be a bug in the simulator or in a test, this says so at once
 * instead of letting an undefined travel on.
 */
export function at<T>(list: readonly T[], index: number, what = 'item'): T {
  const item = list[index];
  if (item === undefined) throw new Error(`no ${what} at index ${index} (of ${list.length})`);
  return item;
}
