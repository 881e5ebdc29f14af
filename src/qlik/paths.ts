/**
 * URL paths for QPS and QRS. Every value that comes from the user or from a server is encoded as a
 * path segment, so an id like `../x?y#z` can never reach another route. A virtual proxy prefix keeps
 * its own `/` separators (Qlik allows `a/b` as a prefix); everything else in it is encoded.
 */

export function encodeSegment(value: string): string {
  // encodeURIComponent leaves ! ' ( ) * unencoded; encode them too so no character has a second meaning.
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** `a/b` → `/a/b`; `` → ``. Empty pieces (from `a//b` or a stray leading slash) are dropped. */
export function encodePrefix(prefix: string): string {
  const parts = prefix.split('/').filter((part) => part.length > 0);
  return parts.map((part) => `/${encodeSegment(part)}`).join('');
}

/** `/qps/{prefix/}{segments…}`: the default virtual proxy (empty prefix) gives `/qps/session`. */
export function qpsPath(prefix: string, ...segments: string[]): string {
  return `/qps${encodePrefix(prefix)}${segments.map((s) => `/${encodeSegment(s)}`).join('')}`;
}

/** `{/virtualProxy}/qrs/{resource}`: resource is a fixed route of ours, not user input. */
export function qrsPath(virtualProxy: string, resource: string): string {
  return `${encodePrefix(virtualProxy)}/qrs/${resource}`;
}
