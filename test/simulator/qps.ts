/**
 * The QPS session routes of one proxy node (qlik-api.md §3): under `/qps/<prefix>/`, `session`
 * (GET list, POST create), `session/<id>` (GET, DELETE) and `user/<directory>/<id>` (GET, DELETE),
 * for the virtual proxies linked to the node. An unknown session id gets the configurable
 * `UnknownSessionAnswer`. The request pipeline in server.ts has already checked the headers.
 */
import { randomUUID } from 'node:crypto';
import { jsonReply, textReply, type Reply } from './http.js';
import { parseAttributes, type QpsSession, type SessionAttribute } from './scenario.js';
import { findVp, toWire, type NodeState } from './site.js';

/** What QPS answers for a session id it does not have (default 404, empty body). */
export interface UnknownSessionAnswer {
  status: number;
  body: string;
}

function unknownSession(answer: UnknownSessionAnswer): Reply {
  const r = textReply(answer.status, answer.body);
  const body = answer.body.trim();
  if (body.startsWith('{') || body === 'null') r.contentType = 'application/json; charset=utf-8';
  return r;
}

function createSession(bucket: Map<string, QpsSession>, body: string): Reply {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return textReply(400, 'Request body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return textReply(400, 'Request body must be a JSON object');
  }
  const fields = new Map<string, unknown>();
  for (const [k, v] of Object.entries(parsed)) fields.set(k.toLowerCase(), v);
  const dir = fields.get('userdirectory');
  const uid = fields.get('userid');
  const name = fields.get('username');
  const sid = fields.get('sessionid');
  if (typeof dir !== 'string' || dir === '' || typeof uid !== 'string' || uid === '') {
    return textReply(400, 'UserDirectory and UserId are required');
  }
  if (sid !== undefined && sid !== null && typeof sid !== 'string') return textReply(400, 'SessionId must be a string');
  if (name !== undefined && name !== null && typeof name !== 'string') return textReply(400, 'UserName must be a string');
  let attributes: SessionAttribute[] = [];
  const rawAttrs = fields.get('attributes');
  if (rawAttrs !== undefined && rawAttrs !== null) {
    try {
      attributes = parseAttributes(rawAttrs, 'body');
    } catch (err) {
      return textReply(400, err instanceof Error ? err.message : 'invalid Attributes');
    }
  }
  const session = toWire({
    UserDirectory: dir,
    UserId: uid,
    ...(typeof name === 'string' ? { UserName: name } : {}),
    Attributes: attributes,
    SessionId: typeof sid === 'string' && sid !== '' ? sid : randomUUID(),
  });
  bucket.set(session.SessionId, session);
  return jsonReply(201, session);
}

type Route =
  | { route: 'list'; prefix: string[] }
  | { route: 'byId'; prefix: string[]; id: string }
  | { route: 'user'; prefix: string[]; dir: string; uid: string };

/**
 * Answer one QPS request to node `ns`. A path may read several ways (a prefix may itself end in
 * `session` or `user`); the first reading whose prefix is a VP linked to the node wins.
 */
export function qpsRoute(ns: NodeState, method: string, segs: string[], body: string, unknown: UnknownSessionAnswer): Reply {
  const [qps, ...rest] = segs;
  if (qps?.toLowerCase() !== 'qps') return textReply(404, '');
  // The last three segments, from the end: …/session, …/session/{id}, …/user/{dir}/{id}.
  const [third, second, last] = [rest.at(-3), rest.at(-2), rest.at(-1)];
  const candidates: Route[] = [];
  if (last?.toLowerCase() === 'session') candidates.push({ route: 'list', prefix: rest.slice(0, -1) });
  if (second?.toLowerCase() === 'session' && last !== undefined) {
    candidates.push({ route: 'byId', prefix: rest.slice(0, -2), id: last });
  }
  if (third?.toLowerCase() === 'user' && second !== undefined && last !== undefined) {
    candidates.push({ route: 'user', prefix: rest.slice(0, -3), dir: second, uid: last });
  }
  for (const c of candidates) {
    const vp = findVp(ns, c.prefix.join('/'));
    if (!vp) continue;
    const bucket = ns.sessions.get(vp.id);
    if (!bucket) continue;
    switch (c.route) {
      case 'list':
        if (method === 'GET') return jsonReply(200, [...bucket.values()]);
        if (method === 'POST') return createSession(bucket, body);
        return textReply(405, 'Method not allowed', { Allow: 'GET, POST' });
      case 'byId': {
        if (method !== 'GET' && method !== 'DELETE') return textReply(405, 'Method not allowed', { Allow: 'GET, DELETE' });
        const s = bucket.get(c.id);
        if (!s) return unknownSession(unknown);
        if (method === 'DELETE') bucket.delete(c.id);
        return jsonReply(200, s);
      }
      case 'user': {
        if (method !== 'GET' && method !== 'DELETE') return textReply(405, 'Method not allowed', { Allow: 'GET, DELETE' });
        const d = c.dir.toLowerCase();
        const u = c.uid.toLowerCase();
        const mine = [...bucket.values()].filter((s) => s.UserDirectory.toLowerCase() === d && s.UserId.toLowerCase() === u);
        if (method === 'DELETE') for (const s of mine) bucket.delete(s.SessionId);
        return jsonReply(200, mine);
      }
    }
  }
  return textReply(404, '');
}
