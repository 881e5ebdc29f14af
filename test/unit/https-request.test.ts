/**
 * https-request.ts against a small loopback HTTPS server with the simulator's certificates: the
 * answer read whole and decompressed, and each failure with its code. Timeouts here are the code
 * under test's own; no test looks at a clock.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, Agent, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { httpsRequest, type HttpsRequestOptions } from '../../src/qlik/https-request.js';
import { generateSiteCertsAsync, type SiteCerts } from '../simulator/certs.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

let dir: string;
let certs: SiteCerts;
let server: Server;
let port: number;
let agent: Agent;
let handler: Handler = (_req, res) => res.end('ok');
const seen: string[] = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ctrlq-https-'));
  certs = await generateSiteCertsAsync(dir, { ipAddresses: ['127.0.0.1'] });
  server = createServer({ key: certs.pem.serverKey, cert: certs.pem.server }, (req, res) => {
    seen.push(`${req.method} ${req.url} ${req.headers['x-qlik-user'] ?? ''}`);
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  agent = new Agent({ keepAlive: true, ca: certs.pem.root });
});
after(async () => {
  agent.destroy();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

function options(extra: Partial<HttpsRequestOptions> = {}): HttpsRequestOptions {
  return { host: '127.0.0.1', port, method: 'GET', path: '/qps/session?xrfkey=a', headers: { 'X-Qlik-User': 'UserDirectory=D; UserId=u' }, agent, timeoutMs: 5000, maxBytes: 1024, ...extra };
}

async function failure(promise: Promise<unknown>): Promise<{ code?: string; message: string }> {
  try {
    await promise;
  } catch (err) {
    return err as { code?: string; message: string };
  }
  assert.fail('the request succeeded');
}

describe('httpsRequest', () => {
  it('sends the method, path and headers and returns status and body', async () => {
    seen.length = 0;
    handler = (_req, res) => {
      res.statusCode = 404;
      res.end('{"missing":true}');
    };
    const res = await httpsRequest(options({ method: 'DELETE', path: '/qps/session/x?xrfkey=b' }));
    assert.deepEqual(res, { status: 404, body: '{"missing":true}' });
    assert.deepEqual(seen, ['DELETE /qps/session/x?xrfkey=b UserDirectory=D; UserId=u']);
  });

  for (const [encoding, pack] of [
    ['gzip', gzipSync],
    ['deflate', deflateSync],
    ['br', brotliCompressSync],
  ] as const) {
    it(`decompresses a ${encoding} answer`, async () => {
      handler = (_req, res) => {
        res.setHeader('Content-Encoding', encoding);
        res.end(pack(Buffer.from('[{"UserId":"é"}]')));
      };
      assert.deepEqual(await httpsRequest(options()), { status: 200, body: '[{"UserId":"é"}]' });
    });
  }

  it('counts the size after decompression: a small gzip that inflates past maxBytes is ETOOLARGE', async () => {
    const bomb = gzipSync(Buffer.alloc(1024 * 1024, 0x20));
    assert.ok(bomb.length < 2048, `${bomb.length} bytes compressed`);
    handler = (_req, res) => {
      res.setHeader('Content-Encoding', 'gzip');
      res.end(bomb);
    };
    const err = await failure(httpsRequest(options({ maxBytes: 64 * 1024 })));
    assert.equal(err.code, 'ETOOLARGE');
    assert.equal(err.message, 'the answer is larger than 65536 bytes');
  });

  it('an answer of exactly maxBytes is read', async () => {
    handler = (_req, res) => res.end('x'.repeat(1024));
    assert.equal((await httpsRequest(options())).body.length, 1024);
  });

  it('a body that is not the gzip it claims is EDECOMPRESS', async () => {
    handler = (_req, res) => {
      res.setHeader('Content-Encoding', 'gzip');
      res.end('not gzip at all');
    };
    const err = await failure(httpsRequest(options()));
    assert.equal(err.code, 'EDECOMPRESS');
    assert.match(err.message, /^the answer could not be decompressed: /);
  });

  it('a body that never ends is ETIMEDOUT: the timeout covers the whole answer', { timeout: 30_000 }, async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'Content-Length': '100' });
      res.write('[');
    };
    const err = await failure(httpsRequest(options({ timeoutMs: 300 })));
    assert.equal(err.code, 'ETIMEDOUT');
    assert.equal(err.message, 'no complete answer within 300 ms');
  });

  it('a connection closed in the middle of the body is ECONNRESET', { timeout: 30_000 }, async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'Content-Length': '100' });
      res.write('[', () => res.socket?.destroy());
    };
    const err = await failure(httpsRequest(options()));
    assert.equal(err.code, 'ECONNRESET');
  });

  it('an abort while waiting is ECANCELED; an aborted signal sends nothing', async () => {
    const controller = new AbortController();
    handler = () => controller.abort();
    const err = await failure(httpsRequest(options({ signal: controller.signal })));
    assert.equal(err.code, 'ECANCELED');
    seen.length = 0;
    const again = await failure(httpsRequest(options({ signal: controller.signal })));
    assert.equal(again.code, 'ECANCELED');
    assert.equal(again.message, 'the request was cancelled before it was sent');
    assert.deepEqual(seen, []);
  });

  it("a server certificate not signed by the agent's root fails with Node's TLS code", async () => {
    const other = new Agent({ keepAlive: false });
    try {
      const err = await failure(httpsRequest(options({ agent: other })));
      assert.equal(err.code, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    } finally {
      other.destroy();
    }
  });

  it('a header Node cannot send is refused before anything is sent', async () => {
    seen.length = 0;
    const err = await failure(httpsRequest(options({ headers: { 'X-Qlik-User': 'a\nb' } })));
    assert.equal(err.code, 'ERR_INVALID_CHAR');
    assert.deepEqual(seen, []);
  });
});
