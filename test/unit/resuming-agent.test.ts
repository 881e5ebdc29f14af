/**
 * ResumingAgent against loopback HTTPS servers with client certificates: the connections opened
 * while the first is in its handshake wait for its session and resume it; against a server that
 * gives no session, or when the first connection fails, they still go ahead, none left waiting.
 * The servers count handshakes; no test looks at a clock.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { constants } from 'node:crypto';
import { Agent as HttpsAgent, createServer, request, type Server, type ServerOptions } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { ResumingAgent } from '../../src/qlik/resuming-agent.js';
import { makeTempSiteCerts, type SiteCerts } from '../helpers/certs.js';

let certs: SiteCerts & { cleanup(): void };

before(async () => {
  certs = await makeTempSiteCerts({ ipAddresses: ['127.0.0.1'] });
});
after(() => certs.cleanup());

interface Counted {
  server: Server;
  port: number;
  handshakes: number;
  resumed: number;
  requests: number;
}

/**
 * A server that answers once `hold` requests are waiting (or at once with hold 1), so that the
 * requests of a test are in flight together and each needs a connection of its own.
 */
async function startServer(options: ServerOptions, hold: number, resetFirst = false): Promise<Counted> {
  const waiting: (() => void)[] = [];
  const counted: Counted = { server: createServer({ ...options, requestCert: true, rejectUnauthorized: true }), port: 0, handshakes: 0, resumed: 0, requests: 0 };
  // Idle connections stay open for the whole test: only the agent's own rules may let a request go.
  counted.server.keepAliveTimeout = 120_000;
  let first = true;
  counted.server.on('secureConnection', (socket: TLSSocket) => {
    counted.handshakes++;
    if (socket.isSessionReused()) counted.resumed++;
    if (resetFirst && first) {
      first = false;
      socket.destroy();
    }
  });
  counted.server.on('request', (req, res) => {
    // A request that reached the server before it closed that connection gets no answer anyway.
    if (req.socket.destroyed) return;
    counted.requests++;
    waiting.push(() => res.end('ok'));
    if (waiting.length >= hold) for (const answer of waiting.splice(0)) answer();
  });
  await new Promise<void>((resolve) => counted.server.listen(0, '127.0.0.1', resolve));
  counted.port = (counted.server.address() as AddressInfo).port;
  return counted;
}

async function stop(counted: Counted): Promise<void> {
  counted.server.closeAllConnections();
  await new Promise((resolve) => counted.server.close(resolve));
}

function get(agent: ResumingAgent, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve(body));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

function agentFor(): ResumingAgent {
  return new ResumingAgent({ keepAlive: true, ca: certs.pem.root, cert: certs.pem.client, key: certs.pem.clientKey });
}

/** Four requests at once through a new agent, all answered 'ok'; the server's counts afterwards. */
async function fourAtOnce(options: ServerOptions, hold: number): Promise<Counted> {
  const server = await startServer(options, hold);
  const agent = agentFor();
  try {
    const bodies = await Promise.all([1, 2, 3, 4].map(() => get(agent, server.port)));
    assert.deepEqual(bodies, ['ok', 'ok', 'ok', 'ok']);
    return server;
  } finally {
    agent.destroy();
    await stop(server);
  }
}

describe('ResumingAgent', () => {
  it('four requests at once: one full handshake, three resumed', { timeout: 30_000 }, async () => {
    const server = await fourAtOnce({ key: certs.pem.serverKey, cert: certs.pem.server, ca: certs.pem.root }, 4);
    assert.equal(server.handshakes, 4);
    assert.equal(server.resumed, 3);
  });

  it('a TLS 1.2 server that keeps no session: all four answered, each a full handshake', { timeout: 30_000 }, async () => {
    const server = await fourAtOnce(
      { key: certs.pem.serverKey, cert: certs.pem.server, ca: certs.pem.root, maxVersion: 'TLSv1.2', secureOptions: constants.SSL_OP_NO_TICKET },
      4,
    );
    assert.equal(server.handshakes, 4);
    assert.equal(server.resumed, 0);
  });

  it('a first connection that fails lets the others go ahead: the first request fails, the rest are answered', { timeout: 30_000 }, async () => {
    const server = await startServer({ key: certs.pem.serverKey, cert: certs.pem.server, ca: certs.pem.root }, 3, true);
    const agent = agentFor();
    try {
      const results = await Promise.allSettled([1, 2, 3, 4].map(() => get(agent, server.port)));
      const [first] = results;
      assert.ok(first?.status === 'rejected', `the first request ${first?.status ?? 'missing'}, not rejected`);
      assert.equal(first.reason.code, 'ECONNRESET');
      assert.deepEqual(results.slice(1).map((r) => (r.status === 'fulfilled' ? r.value : r.status)), ['ok', 'ok', 'ok']);
      assert.equal(server.requests, 3);
    } finally {
      agent.destroy();
      await stop(server);
    }
  });

  it('a server that gives no session at all: the others go ahead once the first request is done', { timeout: 30_000 }, async (t) => {
    // Node's server always gives one, so the client here never hears of it: Node's own agent code
    // is wrapped to drop the 'session' event, as for a server without tickets or session ids.
    const original = HttpsAgent.prototype.createConnection;
    t.after(() => {
      HttpsAgent.prototype.createConnection = original;
    });
    HttpsAgent.prototype.createConnection = function (this: HttpsAgent, ...args: Parameters<typeof original>) {
      const socket = original.apply(this, args);
      if (socket) {
        const emit = socket.emit.bind(socket);
        socket.emit = (event: string | symbol, ...rest: unknown[]): boolean => (event === 'session' ? false : emit(event, ...rest));
      }
      return socket;
    };
    const server = await fourAtOnce({ key: certs.pem.serverKey, cert: certs.pem.server, ca: certs.pem.root }, 1);
    assert.equal(server.resumed, 0);
  });
});
