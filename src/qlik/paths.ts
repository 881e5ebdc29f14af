/**
 * URL paths for QPS and QRS. Every value that comes from the user or from a server is encoded as a
 * path segment, so an id like `../x?y#z` can never reach another route. A virtual proxy prefix keeps
 * its own `/` separators (Qlik allows `a/b` as a prefix); everything else in it is encoded.
 */
import { isIP } from 'node:net';

export function encodeSegment(value: string): string {
  // encodeURIComponent leaves ! ' ( ) * unencoded; encode them too so no character has a second meaning.
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** `a/b` → `/a/b`; `` → ``. Empty pieces (from `a//b` or a stray leading slash) are dropped. */
export function encodePrefix(prefix: string): string {
  const parts = prefix.split('/').filter((part) => part.length > 0);
  return parts.map((part) => `/${encodeSegment(part)}`).join('');
}

/**
 * Can this virtual proxy prefix be sent as a path as it is? Not when one of its `/`-separated
 * segments is empty (`a//b`, `/a`), `.` or `..`: URL parsing drops or resolves those, so the request
 * would reach another virtual proxy or another route (`a/../b` is `b`, `..` is `/qps` itself). The
 * empty prefix (the default virtual proxy) is fine.
 */
export function isAddressablePrefix(prefix: string): boolean {
  return prefix === '' || prefix.split('/').every((part) => part !== '' && part !== '.' && part !== '..');
}

/**
 * `/qps/{prefix/}{segments…}`: the default virtual proxy (empty prefix) gives `/qps/session`.
 * Throws for a prefix that isAddressablePrefix refuses: such a path is never built, so never sent.
 */
export function qpsPath(prefix: string, ...segments: string[]): string {
  if (!isAddressablePrefix(prefix)) throw new Error(`the virtual proxy prefix '${prefix}' cannot be addressed in a URL path`);
  return `/qps${encodePrefix(prefix)}${segments.map((s) => `/${encodeSegment(s)}`).join('')}`;
}

/** `{/virtualProxy}/qrs/{resource}`: resource is a fixed route of ours, not user input. */
export function qrsPath(virtualProxy: string, resource: string): string {
  return `${encodePrefix(virtualProxy)}/qrs/${resource}`;
}

/** Labels of letters, digits, `-` and `_` (Windows host names have them), dot-separated; a final dot allowed. */
const HOST_NAME = /^[A-Za-z0-9_-]{1,63}(\.[A-Za-z0-9_-]{1,63})*\.?$/;

/**
 * Is this a host name or an IP address, and nothing else? A proxy host name from QRS becomes the host
 * of a URL: `evil@127.0.0.9` would make `evil` a user name and send the request (certificate and all)
 * to 127.0.0.9, `127.0.0.9#x` would go to port 443, and `/`, `?`, `\`, `:` or whitespace change the
 * URL in other ways. An IPv6 address is accepted without brackets, as QRS stores it: it is checked as
 * a whole by the IP parser, and bracketed only where it is written before a port (formatHost below).
 */
export function isHostNameOrAddress(host: string): boolean {
  if (isIP(host) !== 0) return !host.includes('%'); // no IPv6 zone id: `%` has a meaning in URLs
  return host.length <= 253 && HOST_NAME.test(host);
}

/** A host as it is written before `:port`, in a URL or a message: an IPv6 address in brackets. */
export function formatHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
