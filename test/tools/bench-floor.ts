/**
 * The floor of `npm run bench`, not part of ctrl-q: the least a session listing can do on this
 * machine and still print what `ctrl-q qseow session-get` prints (JSON, the default sort), byte for
 * byte. Bare node:https with the same certificates, one keep-alive agent per host, 16 requests in
 * flight, QRS for the virtual proxies and proxy services, every linked QPS session list fetched and
 * `JSON.parse`d, the same rows built, put in ctrl-q's order by ctrl-q's own sortRows (the order is
 * part of what is printed, so its cost is on both sides), and `JSON.stringify`. No options, no
 * logger, no checks, no error handling, no retries, no timeouts, no progress: what ctrl-q takes
 * beyond this is the price of what it does.
 *
 *   node bench-floor.mjs <qrs host> <qrs port> <client.pem> <client_key.pem> <root.pem>
 */
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { sortRows, type SessionRow } from '../../src/sessions/rows.js';

const [host = '127.0.0.1', qrsPort = '4242', certFile = '', keyFile = '', rootFile = ''] = process.argv.slice(2);
const tls = { cert: readFileSync(certFile), key: readFileSync(keyFile), ca: readFileSync(rootFile) };
const agents = new Map<string, Agent>();
const XRF = 'abcdefghij987654';

function get(hostname: string, port: number, path: string): Promise<unknown> {
  let agent = agents.get(hostname);
  if (agent === undefined) agents.set(hostname, (agent = new Agent({ keepAlive: true, ...tls })));
  return new Promise((resolve, reject) => {
    const req = request(
      {
        hostname,
        port,
        path: `${path}?xrfkey=${XRF}`,
        agent,
        headers: { 'X-Qlik-Xrfkey': XRF, 'X-Qlik-User': 'UserDirectory=INTERNAL; UserId=sa_api' },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

interface Vp {
  id: string;
  prefix: string;
  description: string;
  sessionCookieHeaderName: string;
  loadBalancingServerNodes: { name: string; hostName: string }[];
}
interface Proxy {
  serverNodeConfiguration: { name: string; hostName: string };
  settings: { restListenPort: number; virtualProxies: { id: string }[] };
}
interface Session {
  UserDirectory: string;
  UserId: string;
  UserName?: string;
  Attributes: Record<string, string>[];
  SessionId: string;
}

async function main(): Promise<void> {
  const [vps, proxies] = (await Promise.all([
    get(host, Number(qrsPort), '/qrs/virtualproxyconfig/full'),
    get(host, Number(qrsPort), '/qrs/proxyservice/full'),
  ])) as [Vp[], Proxy[]];
  const targets = vps.flatMap((vp) => proxies.filter((p) => p.settings.virtualProxies.some((v) => v.id === vp.id)).map((p) => ({ vp, p })));
  const rows: SessionRow[] = [];
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < targets.length) {
      const { vp, p } = targets[next++] as (typeof targets)[number];
      const node = p.serverNodeConfiguration;
      const sessions = (await get(node.hostName, p.settings.restListenPort, `/qps/${vp.prefix === '' ? '' : `${vp.prefix}/`}session`)) as Session[];
      const loadBalancingNodes = vp.loadBalancingServerNodes.map((n) => `${n.name}: ${n.hostName}`).join('\n');
      for (const s of sessions) {
        rows.push({
          vpDescription: vp.description,
          vpPrefix: vp.prefix,
          vpSessionCookieHeaderName: vp.sessionCookieHeaderName,
          proxyHost: node.hostName,
          proxyName: node.name,
          proxyFull: `${node.name}:\n${node.hostName}`,
          loadBalancingNodes,
          userDir: s.UserDirectory,
          userId: s.UserId,
          userName: s.UserName ?? '',
          attributes: s.Attributes.flatMap((a) => Object.entries(a).map(([k, v]) => `${k}: ${v}`)).join('\n'),
          sessionId: s.SessionId,
        });
      }
    }
  };
  await Promise.all(Array.from({ length: 16 }, lane));
  // ctrl-q's default order (--sort-by prefix).
  const sorted = sortRows(rows, 'prefix');
  // JSON.stringify(sorted, null, 2) + '\n', a thousand rows at a time (one 50 MB string is slower).
  process.stdout.write(sorted.length === 0 ? '[]' : '[\n');
  for (let i = 0; i < sorted.length; i += 1000) {
    const text = JSON.stringify(sorted.slice(i, i + 1000), null, 2);
    process.stdout.write(`${text.slice(2, -2)}${i + 1000 < sorted.length ? ',' : ''}\n`);
  }
  process.stdout.write(sorted.length === 0 ? '\n' : ']\n');
  for (const agent of agents.values()) agent.destroy();
}

void main();
