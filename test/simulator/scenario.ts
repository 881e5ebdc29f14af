/**
 * A simulated Qlik Sense site as plain data: proxy nodes, virtual proxies, sessions.
 * `loadScenario('seed')` reads `scenarios/seed.json`; `largeScenario()` generates a big one.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { at } from './at.js';

export interface ScenarioNode {
  /** ProxyService id. */
  id: string;
  /** ServerNodeConfiguration name (e.g. `Central`, `dev1`). */
  name: string;
  serverNodeConfigurationId: string;
  /** The host name the real site uses; shown by the standalone simulator, added to the cert SANs. */
  hostName?: string;
  /**
   * What QRS reports as this node's `hostName` instead of its loopback address: a host name no client
   * should connect to (hostile, unreachable). The node's QPS still listens on its loopback address.
   */
  qrsHostName?: string;
  /** The central node (answers `GET /qrs/proxyservice/local`); default: the first node. */
  central?: boolean;
}

export interface ScenarioVirtualProxy {
  id: string;
  /** Stored without leading/trailing slash; `""` for a default VP; may contain `/`. */
  prefix: string;
  description: string;
  sessionCookieHeaderName: string;
  defaultVirtualProxy: boolean;
  /** Names of the proxy nodes this VP is linked to (may be empty). */
  linkedNodes: string[];
  /** Names of the nodes in `loadBalancingServerNodes`. */
  loadBalancingServerNodes: string[];
  /** 0 Ticket, 1 HeaderStatic, 2 HeaderDynamic, 3 SAML, 4 JWT, 5 OIDC (default 0). */
  authenticationMethod?: number;
  /** 0 none, 1 allow, 2 always (default 0). */
  anonymousAccessMode?: number;
}

/** One attribute: an object with a single key (keys may repeat across the array). */
export type SessionAttribute = Record<string, string>;

/** A proxy session as QPS returns it (PascalCase). */
export interface QpsSession {
  UserDirectory: string;
  UserId: string;
  UserName?: string;
  Attributes: SessionAttribute[];
  /** Usually a GUID, but not necessarily. */
  SessionId: string;
}

export interface ScenarioSession extends QpsSession {
  /** Node name. */
  node: string;
  virtualProxyId: string;
}

export interface Scenario {
  name: string;
  description?: string;
  nodes: ScenarioNode[];
  virtualProxies: ScenarioVirtualProxy[];
  sessions: ScenarioSession[];
}

export type ScenarioName = 'seed';

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(o: Record<string, unknown>, key: string, where: string): string {
  const v = o[key];
  if (typeof v !== 'string') throw new Error(`${where}: "${key}" must be a string`);
  return v;
}

function optStr(o: Record<string, unknown>, key: string, where: string): string | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new Error(`${where}: "${key}" must be a string`);
  return v;
}

function optNum(o: Record<string, unknown>, key: string, where: string): number | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'number') throw new Error(`${where}: "${key}" must be a number`);
  return v;
}

function strArray(o: Record<string, unknown>, key: string, where: string): string[] {
  const v = o[key];
  if (!Array.isArray(v) || !v.every((x): x is string => typeof x === 'string')) {
    throw new Error(`${where}: "${key}" must be an array of strings`);
  }
  return v;
}

export function parseAttributes(v: unknown, where: string): SessionAttribute[] {
  if (!Array.isArray(v)) throw new Error(`${where}: "Attributes" must be an array`);
  return v.map((a, i) => {
    if (!isRecord(a)) throw new Error(`${where}: Attributes[${i}] must be an object`);
    const out: SessionAttribute = {};
    for (const [k, val] of Object.entries(a)) {
      if (typeof val !== 'string') throw new Error(`${where}: Attributes[${i}].${k} must be a string`);
      out[k] = val;
    }
    return out;
  });
}

/** Validate an untyped value (e.g. parsed JSON) as a Scenario, checking cross references. */
export function parseScenario(raw: unknown): Scenario {
  if (!isRecord(raw)) throw new Error('scenario must be an object');
  const { nodes, virtualProxies, sessions } = raw;
  if (!Array.isArray(nodes) || !Array.isArray(virtualProxies) || !Array.isArray(sessions)) {
    throw new Error('scenario needs arrays "nodes", "virtualProxies" and "sessions"');
  }
  const outNodes: ScenarioNode[] = nodes.map((n: unknown, i) => {
    const w = `nodes[${i}]`;
    if (!isRecord(n)) throw new Error(`${w} must be an object`);
    const node: ScenarioNode = {
      id: str(n, 'id', w),
      name: str(n, 'name', w),
      serverNodeConfigurationId: str(n, 'serverNodeConfigurationId', w),
    };
    const hostName = optStr(n, 'hostName', w);
    if (hostName !== undefined) node.hostName = hostName;
    if (n.central === true) node.central = true;
    return node;
  });
  const nodeNames = new Set(outNodes.map((n) => n.name));
  if (nodeNames.size !== outNodes.length) throw new Error('node names must be unique');
  const outVps: ScenarioVirtualProxy[] = virtualProxies.map((v: unknown, i) => {
    const w = `virtualProxies[${i}]`;
    if (!isRecord(v)) throw new Error(`${w} must be an object`);
    const vp: ScenarioVirtualProxy = {
      id: str(v, 'id', w),
      prefix: str(v, 'prefix', w),
      description: str(v, 'description', w),
      sessionCookieHeaderName: str(v, 'sessionCookieHeaderName', w),
      defaultVirtualProxy: v.defaultVirtualProxy === true,
      linkedNodes: strArray(v, 'linkedNodes', w),
      loadBalancingServerNodes: strArray(v, 'loadBalancingServerNodes', w),
    };
    const am = optNum(v, 'authenticationMethod', w);
    if (am !== undefined) vp.authenticationMethod = am;
    const aa = optNum(v, 'anonymousAccessMode', w);
    if (aa !== undefined) vp.anonymousAccessMode = aa;
    for (const n of [...vp.linkedNodes, ...vp.loadBalancingServerNodes]) {
      if (!nodeNames.has(n)) throw new Error(`${w}: unknown node "${n}"`);
    }
    if (vp.prefix.startsWith('/') || vp.prefix.endsWith('/')) throw new Error(`${w}: prefix must not start or end with "/"`);
    return vp;
  });
  const vpById = new Map(outVps.map((v) => [v.id, v]));
  if (vpById.size !== outVps.length) throw new Error('virtual proxy ids must be unique');
  const outSessions: ScenarioSession[] = sessions.map((s: unknown, i) => {
    const w = `sessions[${i}]`;
    if (!isRecord(s)) throw new Error(`${w} must be an object`);
    const session: ScenarioSession = {
      node: str(s, 'node', w),
      virtualProxyId: str(s, 'virtualProxyId', w),
      UserDirectory: str(s, 'UserDirectory', w),
      UserId: str(s, 'UserId', w),
      Attributes: s.Attributes === undefined ? [] : parseAttributes(s.Attributes, w),
      SessionId: str(s, 'SessionId', w),
    };
    const userName = optStr(s, 'UserName', w);
    if (userName !== undefined) session.UserName = userName;
    const vp = vpById.get(session.virtualProxyId);
    if (!vp) throw new Error(`${w}: unknown virtual proxy id ${session.virtualProxyId}`);
    if (!vp.linkedNodes.includes(session.node)) {
      throw new Error(`${w}: virtual proxy "${vp.prefix}" is not linked to node "${session.node}"`);
    }
    return session;
  });
  const out: Scenario = {
    name: typeof raw.name === 'string' ? raw.name : 'custom',
    nodes: outNodes,
    virtualProxies: outVps,
    sessions: outSessions,
  };
  if (typeof raw.description === 'string') out.description = raw.description;
  return out;
}

/** Load a named scenario from `test/simulator/scenarios/<name>.json` (a fresh copy each call). */
export function loadScenario(name: ScenarioName): Scenario {
  const file = fileURLToPath(new URL(`./scenarios/${name}.json`, import.meta.url));
  return parseScenario(JSON.parse(readFileSync(file, 'utf8')));
}

/** Deep copy, so a test can modify a scenario without touching another test's copy. */
export function cloneScenario(s: Scenario): Scenario {
  return structuredClone(s);
}

// ---------------------------------------------------------------------------------------------
// Large generated scenarios

export interface LargeScenarioOptions {
  /** Number of virtual proxies (the first is the default VP with prefix ""). Default 34. */
  virtualProxies?: number;
  /** Number of proxy nodes (`Central`, `rim1`, `rim2`, …). Default 4. */
  nodes?: number;
  /** Sessions per (VP, node) list. Default 735 (34 × 4 × 735 ≈ 100k). */
  sessionsPerVpPerNode?: number;
  /** PRNG seed; the same options give the same scenario. Default 1. */
  seed?: number;
}

/** mulberry32: small, fast, good enough for test data. */
export function makePrng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hex32(x: number): string {
  return (x >>> 0).toString(16).padStart(8, '0');
}

/** A version-4-shaped GUID drawn from the PRNG (no closures here: this runs 100k times). */
function prngGuid(rand: () => number): string {
  const a = hex32((rand() * 4294967296) >>> 0);
  const b = hex32((rand() * 4294967296) >>> 0);
  const c = hex32((((rand() * 4294967296) & 0x3fffffff) | 0x80000000) >>> 0);
  const d = hex32((rand() * 4294967296) >>> 0);
  return `${a}-${b.slice(0, 4)}-4${b.slice(5, 8)}-${c.slice(0, 4)}-${c.slice(4)}${d}`;
}

const GROUPS = ['Finance', 'Sales', 'HR', 'IT', 'Marketing', 'Operations', 'Logistics', 'Legal'];
const DIRECTORIES = ['LAB', 'LAB', 'LAB', 'CORP', 'EXT'];
const VP_WORDS = ['sales', 'finance', 'hr', 'ops', 'mkt', 'it', 'ext', 'jwt', 'saml', 'hdr', 'win', 'app'];

/**
 * Generate a site deterministically: every VP is linked to every node; user ids look like
 * `LAB\user_00123`; each session carries a couple of attributes.
 */
export function largeScenario(opts: LargeScenarioOptions = {}): Scenario {
  const vpCount = opts.virtualProxies ?? 34;
  const nodeCount = opts.nodes ?? 4;
  const perList = opts.sessionsPerVpPerNode ?? 735;
  const seed = opts.seed ?? 1;
  if (nodeCount < 1 || nodeCount > 250) throw new Error('nodes must be 1..250');
  if (vpCount < 1) throw new Error('virtualProxies must be >= 1');
  const rand = makePrng(seed);
  const nodes: ScenarioNode[] = [];
  for (let i = 0; i < nodeCount; i++) {
    const name = i === 0 ? 'Central' : `rim${i}`;
    nodes.push({
      id: prngGuid(rand),
      name,
      serverNodeConfigurationId: prngGuid(rand),
      hostName: `${name.toLowerCase()}.sim.example`,
      ...(i === 0 ? { central: true } : {}),
    });
  }
  const nodeNames = nodes.map((n) => n.name);
  const vps: ScenarioVirtualProxy[] = [];
  for (let i = 0; i < vpCount; i++) {
    const prefix = i === 0 ? '' : `${VP_WORDS[(i - 1) % VP_WORDS.length]}${String(i).padStart(3, '0')}`;
    vps.push({
      id: prngGuid(rand),
      prefix,
      description: i === 0 ? 'Central Proxy (Default)' : `Generated virtual proxy ${i}`,
      sessionCookieHeaderName: i === 0 ? 'X-Qlik-Session' : `X-Qlik-Session-${prefix}`,
      defaultVirtualProxy: i === 0,
      linkedNodes: [...nodeNames],
      loadBalancingServerNodes: [...nodeNames],
    });
  }
  const userPool = Math.max(1000, Math.ceil((vpCount * nodeCount * perList) / 3));
  // per-user strings are built once; every session still gets its own Attributes objects
  const users: ({ dir: string; userId: string; group: string; email: string; name?: string } | undefined)[] = new Array(userPool);
  const sessions: ScenarioSession[] = new Array<ScenarioSession>(vpCount * nodeCount * perList);
  let k = 0;
  for (const vp of vps) {
    for (const node of nodeNames) {
      for (let j = 0; j < perList; j++) {
        const u = Math.floor(rand() * userPool);
        let user = users[u];
        if (user === undefined) {
          const dir = at(DIRECTORIES, u % DIRECTORIES.length, 'directory');
          const userId = `user_${String(u).padStart(5, '0')}`;
          user = { dir, userId, group: at(GROUPS, u % GROUPS.length, 'group'), email: `${userId}@${dir.toLowerCase()}.example` };
          if (u % 4 === 0) user.name = `User ${u}`;
          users[u] = user;
        }
        const s: ScenarioSession = {
          node,
          virtualProxyId: vp.id,
          UserDirectory: user.dir,
          UserId: user.userId,
          Attributes: [{ group: user.group }, { email: user.email }],
          SessionId: prngGuid(rand),
        };
        if (user.name !== undefined) s.UserName = user.name;
        sessions[k++] = s;
      }
    }
  }
  return {
    name: 'large',
    description: `${vpCount} VPs x ${nodeCount} nodes x ${perList} sessions (seed ${seed})`,
    nodes,
    virtualProxies: vps,
    sessions,
  };
}
