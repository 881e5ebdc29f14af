/**
 * QRS filter expressions. A string literal is single-quoted; a quote inside it is escaped as `\'`
 * (a live QRS rejects the OData-style doubled quote) and a backslash as `\\`.
 */

export function quoteLiteral(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** `prefix eq 'a' or prefix eq 'b'`; undefined for an empty list (no filter). */
export function prefixFilter(prefixes: readonly string[]): string | undefined {
  if (prefixes.length === 0) return undefined;
  return prefixes.map((prefix) => `prefix eq ${quoteLiteral(prefix)}`).join(' or ');
}
