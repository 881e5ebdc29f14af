import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import { rawRequest } from '../helpers/qlik-request.js';
import { CliUsageError, parseCliArgs, runSimulatorCli } from '../simulator/cli.js';

const CLI = fileURLToPath(new URL('../simulator/cli.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);

async function hasCurl(): Promise<boolean> {
  try {
    await run('curl', ['--version']);
    return true;
  } catch {
    return false;
  }
}

describe('parseCliArgs', () => {
  it('defaults to the seed scenario with no latency and default ports', () => {
    const cfg = parseCliArgs([]);
    assert.ok(cfg);
    assert.equal(cfg.scenario.name, 'seed');
    assert.equal(cfg.latencyMs, 0);
    assert.equal(cfg.qrsPort, undefined);
    assert.equal(cfg.qpsPort, undefined);
    assert.equal(cfg.certDir, undefined);
  });

  it('large with its knobs', () => {
    const cfg = parseCliArgs(['--scenario', 'large', '--vps', '3', '--nodes', '2', '--sessions', '4', '--seed', '9', '--latency', '150', '--qrs-port', '0']);
    assert.ok(cfg);
    assert.equal(cfg.scenario.virtualProxies.length, 3);
    assert.equal(cfg.scenario.nodes.length, 2);
    assert.equal(cfg.scenario.sessions.length, 24);
    assert.equal(cfg.latencyMs, 150);
    assert.equal(cfg.qrsPort, 0);
  });

  it('--help returns undefined; bad input is a CliUsageError', () => {
    assert.equal(parseCliArgs(['--help']), undefined);
    for (const bad of [['--scenario', 'tiny'], ['--latency', 'fast'], ['--qrs-port', '70000'], ['--vps', '3'], ['--bogus'], ['extra']]) {
      assert.throws(() => parseCliArgs(bad), CliUsageError, bad.join(' '));
    }
  });
});

describe('runSimulatorCli (in-process)', () => {
  it('prints QRS, nodes, cert folder, the ctrl-q command and a curl command', async () => {
    let text = '';
    const sim = await runSimulatorCli(['--qrs-port', '0', '--qps-port', '0'], { out: (t) => (text += t) });
    assert.ok(sim);
    try {
      assert.match(text, new RegExp(`QRS:  https://127\\.0\\.0\\.1:${sim.qrs.port}`));
      for (const n of sim.nodes) assert.ok(text.includes(`https://${n.address}:${n.port}`), n.name);
      assert.ok(text.includes(sim.certDir));
      assert.ok(text.includes(`npx ctrl-q qseow session-get ${sim.cliArgs().join(' ')}`));
      assert.match(text, /curl --cert \S+client\.pem --key \S+client_key\.pem --cacert \S+root\.pem/);
      assert.ok(text.includes(`'https://127.0.0.2:${sim.nodes[0].port}/qps/session?xrfkey=abcdefghij987654'`));
    } finally {
      await sim.stop();
    }
    assert.equal(existsSync(sim.certDir), false, 'temp cert dir removed');
  });

  it('falls back to a free port when a default port is taken, and says so', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const taken = (blocker.address() as { port: number }).port;
    let text = '';
    try {
      const sim = await runSimulatorCli([], { out: (t) => (text += t) }, { qrsPort: taken, qpsPort: 0 });
      assert.ok(sim);
      await sim.stop();
      assert.notEqual(sim.qrs.port, taken);
      assert.ok(text.includes(`QRS port ${taken} is taken; using a free port instead.`));
    } finally {
      blocker.close();
    }
  });

  it('an explicitly requested port that is taken is an error', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const taken = (blocker.address() as { port: number }).port;
    try {
      await assert.rejects(runSimulatorCli(['--qrs-port', String(taken)], { out: () => undefined }), /EADDRINUSE/);
    } finally {
      blocker.close();
    }
  });
});

describe('npm run sim (child process)', () => {
  it('serves requests, the printed curl command works, and SIGINT stops it cleanly', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', CLI, '--scenario', 'large', '--vps', '3', '--nodes', '2', '--sessions', '5', '--qrs-port', '0', '--qps-port', '0', '--latency', '5'],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    try {
      const deadline = Date.now() + 20_000;
      while (!out.includes('Press Ctrl-C to stop.')) {
        assert.ok(Date.now() < deadline, `no start-up banner; stdout: ${out} stderr: ${err}`);
        assert.equal(child.exitCode, null, `exited early: ${err}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.match(out, /2 proxy nodes, 3 virtual proxies, 30 sessions/);
      const certDir = /Certificates \(QMC PEM export names\): (\S+)/.exec(out)?.[1];
      assert.ok(certDir && existsSync(certDir));
      const curl = /^ {2}(curl .*)$/m.exec(out)?.[1];
      assert.ok(curl);
      if (await hasCurl()) {
        const { stdout } = await run('sh', ['-c', `${curl} --silent --show-error`]);
        const sessions: unknown = JSON.parse(stdout);
        assert.ok(Array.isArray(sessions) && sessions.length === 5);
      }
      // the QRS answers on the printed port with the printed certificates
      const qrsPort = Number(/QRS: {2}https:\/\/127\.0\.0\.1:(\d+)/.exec(out)?.[1]);
      const pem = (f: string): string => readFileSync(join(certDir, f), 'utf8');
      const about = await rawRequest({
        host: '127.0.0.1',
        port: qrsPort,
        path: '/qrs/proxyservice/full?xrfkey=abcdefghij987654',
        headers: { 'X-Qlik-Xrfkey': 'abcdefghij987654', 'X-Qlik-User': 'UserDirectory=INTERNAL;UserId=sa_api' },
        tls: { ca: pem('root.pem'), cert: pem('client.pem'), key: pem('client_key.pem') },
      });
      assert.equal(about.status, 200);
      const services = about.json();
      assert.ok(Array.isArray(services) && services.length === 2);
      child.kill('SIGINT');
      assert.equal(await exited, 0);
      assert.match(out, /Received SIGINT, stopping the simulator…\nSimulator stopped\.\n$/);
      assert.equal(existsSync(certDir), false, 'temp cert dir removed');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('bad arguments: exit code 2 and the usage text on stderr', async () => {
    const res = await run(process.execPath, ['--import', 'tsx', CLI, '--scenario', 'nope'], { cwd: ROOT }).then(
      () => assert.fail('expected a non-zero exit'),
      (e: unknown) => e as { code?: unknown; stderr?: unknown },
    );
    assert.equal(res.code, 2);
    assert.match(String(res.stderr), /error: --scenario must be "seed" or "large"/);
    assert.match(String(res.stderr), /Usage: npm run sim/);
  });
});
