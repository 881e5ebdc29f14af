/**
 * A site whose text attacks the terminal (issue 12): escape sequences, C1 controls, bidirectional
 * overrides and newlines in every field an identity provider or an admin can fill — user
 * directory, id and name, attribute names and values, session ids, virtual proxy prefixes,
 * descriptions and cookie headers, proxy node names, and a host name QRS reports.
 *
 * Every hostile value is `evil(label)`: the label, a window-title sequence naming it, a "clear
 * scrollback" sequence, a C1 CSI and a right-to-left override. `visible(label)` is how ctrl-q must
 * show it. Some values also hold `\nFAKE-<label>`: a newline that must not start a line of its own.
 */
import type { Scenario } from './scenario.js';

/** The raw form of a hostile value. */
export function evil(label: string): string {
  return `${label}\x1b]0;T-${label}\x07\x1b[3J\u009b1m\u202e!`;
}

/** How a hostile value reads once shown: every control character as a visible escape. */
export function visible(label: string): string {
  return `${label}\\x1b]0;T-${label}\\x07\\x1b[3J\\u009b1m\\u202e!`;
}

/** A value with a newline of its own, raw; shown it is `visible(label)\nFAKE-label` with `\n` as text. */
export function evilLines(label: string): string {
  return `${evil(label)}\nFAKE-${label}`;
}

export function visibleLines(label: string): string {
  return `${visible(label)}\\nFAKE-${label}`;
}

/**
 * What no output may contain raw: the site's escape sequences and control characters. ctrl-q's own
 * layout (colours, the watch frame, the prompts) never uses these.
 */
export function rawSiteBytes(text: string): string[] {
  const found: string[] = [];
  if (text.includes('\x1b]0;T-')) found.push('OSC window title');
  if (text.includes('\x1b[3J')) found.push('CSI 3J');
  if (text.includes('\x07')) found.push('BEL');
  if (/[\u0080-\u009f]/.test(text)) found.push('C1 control');
  if (/[\u202a-\u202e\u2066-\u2069]/.test(text)) found.push('bidi override');
  if (/(^|\n)FAKE-/.test(text)) found.push('a line started by a newline from the site');
  return found;
}

export const HOSTILE = {
  centralName: evilLines('node'),
  farName: 'far',
  /** What QRS reports as the `far` node's host name. */
  farHost: evilLines('host'),
  /** The default virtual proxy's description. */
  defaultDescription: evilLines('desc'),
  prefix: evil('pfx'),
  cookieHeader: evil('hdr'),
  unlinkedPrefix: evil('lonely'),
  unlinkedCookieHeader: evil('lonelyhdr'),
  userDir: evil('dir'),
  userId: evil('uid'),
  userName: evilLines('name'),
  attributeKey: evil('key'),
  attributeValue: evilLines('val'),
  /** A session id from the site (QPS makes them; a front end may too). */
  sessionId: evil('sid'),
  /** An error body a server or a proxy in front of it sends. */
  errorBody: evil('body'),
} as const;

export const HOSTILE_IDS = { plain: 'plain-session-1', hostile: 'hostile-session-1' } as const;

/**
 * Two nodes: Central (a hostile name, reached on its loopback address) and `far`, whose host name
 * from QRS is hostile (nothing may connect to it; only the `far` virtual proxy is linked to it).
 */
export function hostileScenario(): Scenario {
  const central = HOSTILE.centralName;
  return {
    name: 'hostile',
    description: 'escape sequences and control characters in every field',
    nodes: [
      { id: '3a2b1c00-0000-4000-8000-000000000001', name: central, serverNodeConfigurationId: '3a2b1c00-0000-4000-8000-0000000000a1', central: true },
      { id: '3a2b1c00-0000-4000-8000-000000000002', name: HOSTILE.farName, serverNodeConfigurationId: '3a2b1c00-0000-4000-8000-0000000000a2', qrsHostName: HOSTILE.farHost },
    ],
    virtualProxies: [
      {
        id: '5b4c3d00-0000-4000-8000-000000000001',
        prefix: '',
        description: HOSTILE.defaultDescription,
        sessionCookieHeaderName: 'X-Qlik-Session',
        defaultVirtualProxy: true,
        linkedNodes: [central],
        loadBalancingServerNodes: [central],
      },
      {
        id: '5b4c3d00-0000-4000-8000-000000000002',
        prefix: HOSTILE.prefix,
        description: 'A prefix with escapes',
        sessionCookieHeaderName: HOSTILE.cookieHeader,
        defaultVirtualProxy: false,
        linkedNodes: [central],
        loadBalancingServerNodes: [central, HOSTILE.farName],
      },
      {
        id: '5b4c3d00-0000-4000-8000-000000000003',
        prefix: HOSTILE.unlinkedPrefix,
        description: 'Linked to no proxy',
        sessionCookieHeaderName: HOSTILE.unlinkedCookieHeader,
        defaultVirtualProxy: false,
        linkedNodes: [],
        loadBalancingServerNodes: [],
      },
      {
        id: '5b4c3d00-0000-4000-8000-000000000004',
        prefix: 'far',
        description: 'On the node with the hostile host name',
        sessionCookieHeaderName: 'X-Qlik-Session-far',
        defaultVirtualProxy: false,
        linkedNodes: [HOSTILE.farName],
        loadBalancingServerNodes: [HOSTILE.farName],
      },
    ],
    sessions: [
      {
        node: central,
        virtualProxyId: '5b4c3d00-0000-4000-8000-000000000001',
        UserDirectory: 'LAB',
        UserId: 'plain',
        Attributes: [{ group: 'Finance' }],
        SessionId: HOSTILE_IDS.plain,
      },
      {
        node: central,
        virtualProxyId: '5b4c3d00-0000-4000-8000-000000000001',
        UserDirectory: HOSTILE.userDir,
        UserId: HOSTILE.userId,
        UserName: HOSTILE.userName,
        Attributes: [{ [HOSTILE.attributeKey]: HOSTILE.attributeValue }, { group: 'Sales' }],
        SessionId: HOSTILE_IDS.hostile,
      },
      {
        node: central,
        virtualProxyId: '5b4c3d00-0000-4000-8000-000000000002',
        UserDirectory: 'LAB',
        UserId: 'onprefix',
        Attributes: [],
        SessionId: HOSTILE.sessionId,
      },
    ],
  };
}
