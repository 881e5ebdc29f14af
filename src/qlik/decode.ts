/**
 * Turns response bodies into typed wire objects, checking the fields this tool relies on.
 * A body that is not what Qlik sends is a MalformedResponse, never a crash further down.
 */
import { QlikApiError, type RequestInfo } from '../errors.js';
import type { ProxyService, QpsSession, QpsSessionAttribute, ServerNodeCondensed, VirtualProxyConfig } from './types.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

export class MalformedResponse extends Error {}

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(obj: JsonObject, field: string, what: string): string {
  const value = obj[field];
  if (typeof value !== 'string') throw new MalformedResponse(`${what} has no ${field}`);
  return value;
}

function optStr(obj: JsonObject, field: string): string {
  const value = obj[field];
  return typeof value === 'string' ? value : '';
}

function parseJson(body: string, request: RequestInfo): Json {
  try {
    return JSON.parse(body) as Json;
  } catch {
    const start = body.trimStart().slice(0, 1);
    const kind = start === '<' ? 'HTML' : body.trim().length === 0 ? 'an empty body' : 'text that is not valid JSON';
    throw malformed(request, `answered with ${kind}`);
  }
}

export function malformed(request: RequestInfo, detail: string): QlikApiError {
  return new QlikApiError(
    `${request.service} ${request.method} ${request.path} on ${request.host}:${request.port} ${detail}`,
    request,
    { code: 'EMALFORMED' },
  );
}

function decodeArray<T>(body: string, request: RequestInfo, what: string, decodeItem: (item: Json) => T): T[] {
  const json = parseJson(body, request);
  if (!Array.isArray(json)) throw malformed(request, `answered with ${what} that is not a list`);
  try {
    return json.map(decodeItem);
  } catch (err) {
    if (err instanceof MalformedResponse) throw malformed(request, `answered with an unexpected ${what}: ${err.message}`);
    throw err;
  }
}

function decodeNode(value: Json, what: string): ServerNodeCondensed {
  if (!isObject(value)) throw new MalformedResponse(`${what} is not an object`);
  return { id: optStr(value, 'id'), name: optStr(value, 'name'), hostName: str(value, 'hostName', what) };
}

export function decodeVirtualProxies(body: string, request: RequestInfo): VirtualProxyConfig[] {
  return decodeArray(body, request, 'virtual proxy list', (item) => {
    if (!isObject(item)) throw new MalformedResponse('element is not an object');
    const nodes = item.loadBalancingServerNodes;
    return {
      id: str(item, 'id', 'virtual proxy'),
      prefix: str(item, 'prefix', 'virtual proxy'),
      description: optStr(item, 'description'),
      sessionCookieHeaderName: optStr(item, 'sessionCookieHeaderName'),
      loadBalancingServerNodes: Array.isArray(nodes) ? nodes.map((n) => decodeNode(n, 'load balancing node')) : [],
      defaultVirtualProxy: item.defaultVirtualProxy === true,
    };
  });
}

export function decodeProxyServices(body: string, request: RequestInfo): ProxyService[] {
  return decodeArray(body, request, 'proxy service list', (item) => {
    if (!isObject(item)) throw new MalformedResponse('element is not an object');
    const settings = item.settings;
    if (!isObject(settings)) throw new MalformedResponse('proxy service has no settings');
    const vps = settings.virtualProxies;
    const port = settings.restListenPort;
    return {
      id: str(item, 'id', 'proxy service'),
      serverNodeConfiguration: decodeNode(item.serverNodeConfiguration ?? null, 'proxy service node'),
      settings: {
        restListenPort: typeof port === 'number' && Number.isInteger(port) && port > 0 && port < 65536 ? port : undefined,
        virtualProxies: Array.isArray(vps)
          ? vps.filter(isObject).map((vp) => ({ id: str(vp, 'id', 'linked virtual proxy'), prefix: optStr(vp, 'prefix') }))
          : [],
      },
    };
  });
}

function normaliseAttributes(value: Json | undefined): QpsSessionAttribute[] {
  // Ctrl-Q crashes on a session without Attributes; an absent or null list simply means none.
  if (!Array.isArray(value)) return [];
  const attributes = value.filter(isObject);
  for (const attr of attributes) {
    for (const [k, v] of Object.entries(attr)) {
      if (typeof v !== 'string') attr[k] = v === null ? '' : JSON.stringify(v);
    }
  }
  return attributes as QpsSessionAttribute[];
}

/**
 * Checks a session in place and returns it typed (no copy: lists can hold 100,000 sessions).
 * Unknown fields are left as they are.
 */
function decodeSession(value: Json): QpsSession {
  if (!isObject(value)) throw new MalformedResponse('session is not an object');
  str(value, 'UserDirectory', 'session');
  str(value, 'UserId', 'session');
  str(value, 'SessionId', 'session');
  if (typeof value.UserName !== 'string') value.UserName = null;
  const attributes = value.Attributes;
  if (!Array.isArray(attributes) || attributes.some((a) => !isObject(a) || Object.values(a).some((v) => typeof v !== 'string'))) {
    value.Attributes = normaliseAttributes(attributes);
  }
  return value as unknown as QpsSession;
}

export function decodeSessions(body: string, request: RequestInfo): QpsSession[] {
  return decodeArray(body, request, 'session list', decodeSession);
}

/** A single session, or null for an empty/null body (some QPS versions answer 200 with nothing). */
export function decodeOptionalSession(body: string, request: RequestInfo): QpsSession | null {
  if (body.trim().length === 0) return null;
  const json = parseJson(body, request);
  if (json === null) return null;
  try {
    return decodeSession(json);
  } catch (err) {
    if (err instanceof MalformedResponse) throw malformed(request, `answered with an unexpected session: ${err.message}`);
    throw err;
  }
}
