import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcessByStdio, type ChildProcessWithoutNullStreams } from 'node:child_process';
import type { Readable } from 'node:stream';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import { rawRequest, simRequest } from '../helpers/qlik-request.js';
import { CliUsageError, USAGE, parseCliArgs, runSimulatorCli } from '../simulator/cli.js';

const CLI = fileURLToPath(new URL('../simulator/cli.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);

/** Whether `curl` can be run: only "not installed" counts as no; any other failure is thrown. */
async function hasCurl(): Promise<boolean> {
  try {
    await run('curl', ['--version']);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
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

describe('parseCliArgs: faults', () => {
  it('one fault per target, for QRS or a node of the scenario', () => {
    const cfg = parseCliArgs(['--down', 'dev1', '--fail', 'Central=503', '--slow', 'qrs=250']);
    assert.ok(cfg);
    assert.deepEqual(Object.fromEntries(cfg.faults), {
      dev1: { kind: 'down' },
      Central: { kind: 'status', status: 503, body: 'HTTP 503 from the simulator (--fail)' },
      qrs: { kind: 'slow', delayMs: 250 },
    });
    assert.deepEqual(Object.fromEntries(parseCliArgs(['--garbage', 'dev1', '--reset', 'Central'])?.faults ?? []), {
      dev1: { kind: 'malformed', body: 'html' },
      Central: { kind: 'reset' },
    });
    assert.deepEqual(parseCliArgs(['--garbage', 'dev1=truncated'])?.faults.get('dev1'), { kind: 'malformed', body: 'truncated' });
    assert.equal(parseCliArgs([])?.faults.size, 0);
  });

  it('a wrong target or value is a CliUsageError that says what is expected', () => {
    const cases: [string[], RegExp][] = [
      [['--down', 'dev2'], /^--down: unknown target "dev2"; the targets are qrs, Central, dev1$/],
      [['--down', 'dev1', '--reset', 'dev1'], /^--reset: "dev1" already has a fault; give one fault per target$/],
      [['--fail', 'dev1'], /^--fail takes TARGET=STATUS, e\.g\. --fail dev1=503$/],
      [['--fail', 'dev1=abc'], /^--fail must be a whole number, got "abc"$/],
      [['--slow', 'dev1'], /^--slow takes TARGET=MS, e\.g\. --slow dev1=5000$/],
      [['--garbage', 'dev1=json'], /^--garbage: the kinds are html, truncated, no-attributes, got "json"$/],
      [['--down', 'dev1=1'], /^--down takes a target only, e\.g\. --down dev1$/],
    ];
    for (const [args, message] of cases) assert.throws(() => parseCliArgs(args), (e: unknown) => e instanceof CliUsageError && message.test(e.message), args.join(' '));
  });

  it('--help lists every fault option', () => {
    for (const option of ['--down <TARGET>', '--fail <TARGET=STATUS>', '--slow <TARGET=MS>', '--garbage <TARGET[=KIND]>', '--reset <TARGET>']) {
      assert.ok(USAGE.includes(option), option);
    }
  });

  it('the faults are in force once it is running, and the start-up text names them', async () => {
    let text = '';
    const sim = await runSimulatorCli(['--qrs-port', '0', '--qps-port', '0', '--down', 'dev1', '--fail', 'Central=503'], { out: (t) => (text += t) });
    assert.ok(sim);
    try {
      assert.ok(text.includes('Faults:\n  dev1 is down (connections refused)\n  Central answers HTTP 503\n'), text);
      await assert.rejects(simRequest(sim, 'dev1', { path: '/qps/finance/session' }), (e: unknown) => (e as { code?: unknown }).code === 'ECONNREFUSED');
      assert.equal((await simRequest(sim, 'Central', { path: '/qps/finance/session' })).status, 503);
      assert.equal((await simRequest(sim, 'qrs', { path: '/qrs/about' })).status, 200);
    } finally {
      await sim.stop();
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
      assert.ok(text.includes(`'https://127.0.0.2:${sim.nodes[0]?.port}/qps/session?xrfkey=abcdefghij987654'`));
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

/** A started simulator process: what it printed so far, and its exit. */
function watchSimulator(child: ChildProcessWithoutNullStreams | ChildProcessByStdio<null, Readable, Readable>): {
  out: () => string;
  err: () => string;
  exited: Promise<number | null>;
  started: (timeoutMs: number) => Promise<void>;
} {
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  /** Until the start-up text is complete; the deadline only guards against a hang. */
  const started = async (timeoutMs: number): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    while (!out.includes('Press Ctrl-C to stop.')) {
      if (Date.now() > deadline) throw new Error(`gave up waiting for the start-up banner; stdout: ${out} stderr: ${err}`);
      assert.equal(child.exitCode, null, `exited early: ${err}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  return { out: () => out, err: () => err, exited, started };
}

describe('npm run sim (child process)', () => {
  it('serves requests, the printed curl command works, and SIGINT stops it cleanly', async (t) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', CLI, '--scenario', 'large', '--vps', '3', '--nodes', '2', '--sessions', '5', '--qrs-port', '0', '--qps-port', '0', '--latency', '5'],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const sim = watchSimulator(child);
    const { exited } = sim;
    try {
      await sim.started(20_000);
      const out = sim.out();
      assert.match(out, /2 proxy nodes, 3 virtual proxies, 30 sessions/);
      const certDir = /Certificates \(QMC PEM export names\): (\S+)/.exec(out)?.[1];
      assert.ok(certDir && existsSync(certDir));
      const curl = /^ {2}(curl .*)$/m.exec(out)?.[1];
      assert.ok(curl);
      await t.test('the printed curl command lists the 5 sessions of the first node', async (st) => {
        if (!(await hasCurl())) {
          st.skip('curl is not installed, so the printed curl command cannot be run');
          return;
        }
        const { stdout } = await run('sh', ['-c', `${curl} --silent --show-error`]);
        const sessions: unknown = JSON.parse(stdout);
        assert.ok(Array.isArray(sessions));
        assert.equal(sessions.length, 5);
      });
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
      assert.match(sim.out(), /Received SIGINT, stopping the simulator…\nSimulator stopped\.\n$/);
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

describe('npm run sim, as a newcomer runs it', () => {
  it('prints a ctrl-q command that works exactly as printed, from the checkout', { timeout: 180_000 }, async () => {
    // Its own process group, so that SIGINT reaches the simulator under npm and sh.
    const child = spawn('npm', ['run', '--silent', 'sim', '--', '--qrs-port', '0', '--qps-port', '0', '--down', 'dev1'], {
      cwd: ROOT,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key))),
    });
    const sim = watchSimulator(child);
    const { exited } = sim;
    try {
      await sim.started(120_000);
      const out = sim.out();
      const command = /^ {2}(npx ctrl-q .*)$/m.exec(out)?.[1];
      assert.ok(command, out);
      const result = await run('sh', ['-c', command], { cwd: ROOT }).then(
        (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
        (e: { code?: number; stdout?: string; stderr?: string }) => ({ code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' }),
      );
      assert.equal(result.code, 3, result.stderr);
      assert.equal((JSON.parse(result.stdout) as unknown[]).length, 5);
      assert.match(result.stderr, /error: Could not get sessions for virtual proxy 'finance' on dev1 .*connection refused/);
    } finally {
      if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, 'SIGINT');
      await exited;
    }
  });
});
