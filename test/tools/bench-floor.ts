/**
 * A reference for `npm run bench`, not part of ctrl-q: the least a session listing can do on this
 * machine. Bare node:https with the same certificates and 16 requests at a time, QRS for the
 * virtual proxies and proxy services, every linked QPS session list fetched and parsed, and the
 * sessions printed as indented JSON: no axios, winston or commander to load, no options, no rows,
 * no sorting, no error handling. What ctrl-q takes beyond this is the price of what it does.
 *
 *   node test/tools/bench-floor.ts <qrs host> <qrs port> <client.pem> <client_key.pem> <root.pem>
 */
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';

const [host = '127.0.0.1', qrsPort = '4242', certFile = '', keyFile = '', rootFile = ''] = process.argv.slice(2);
const tls = { cert: readFileSync(certFile), key: readFileSync(keyFile), ca: readFileSync(rootFile) };
const agent = new Agent({ keepAlive: true, ...tls });
const XRF = 'abcdefghij987654';

function get(hostname: string, port: number, path: string): Promise<unknown> {
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
}
interface Proxy {
  serverNodeConfiguration: { hostName: string };
  settings: { restListenPort: number; virtualProxies: { id: string }[] };
}

async function main(): Promise<void> {
  const [vps, proxies] = (await Promise.all([
    get(host, Number(qrsPort), '/qrs/virtualproxyconfig/full'),
    get(host, Number(qrsPort), '/qrs/proxyservice/full'),
  ])) as [Vp[], Proxy[]];
  const targets = vps.flatMap((vp) => proxies.filter((p) => p.settings.virtualProxies.some((v) => v.id === vp.id)).map((p) => ({ vp, p })));
  const lists: unknown[][] = [];
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < targets.length) {
      const { vp, p } = targets[next++] as (typeof targets)[number];
      const path = `/qps/${vp.prefix === '' ? '' : `${vp.prefix}/`}session`;
      lists.push((await get(p.serverNodeConfiguration.hostName, p.settings.restListenPort, path)) as unknown[]);
    }
  };
  await Promise.all(Array.from({ length: 16 }, lane));
  const sessions = lists.flat();
  for (let i = 0; i < sessions.length; i += 1000) process.stdout.write(JSON.stringify(sessions.slice(i, i + 1000), null, 2));
  agent.destroy();
}

void main();
