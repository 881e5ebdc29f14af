/**
 * Standalone simulator:
 *
 *   npm run sim -- --scenario seed|large [--latency <ms>] [--qrs-port <n>] [--qps-port <n>]
 *                  [--cert-dir <dir>] [--vps <n> --nodes <n> --sessions <n> --seed <n>]
 *                  [--down T] [--fail T=STATUS] [--slow T=MS] [--garbage T[=KIND]] [--reset T]
 *
 * Prints the addresses, the certificate folder, the faults, a ready `ctrl-q` command line and a
 * `curl` command, then runs until SIGINT/SIGTERM.
 */
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { largeScenario, loadScenario, type Scenario } from './scenario.js';
import { startSimulator, type Fault, type Simulator, type SimulatorOptions } from './server.js';
import { at } from './at.js';

export const USAGE = `Usage: npm run sim -- [options]

Options:
  --scenario <seed|large>  site to simulate (default: seed)
  --latency <ms>           delay before every response (default: 0; a real site answers in ~150 ms)
  --qrs-port <n>           QRS port on 127.0.0.1 (default: 4242, or a free port if taken; 0 = any)
  --qps-port <n>           QPS port shared by all nodes on 127.0.0.2… (default: 4243, or a free port if taken)
  --cert-dir <dir>         write (or reuse) the certificates here and keep them (default: a temp dir, removed on exit)
  --vps <n>                large: number of virtual proxies (default: 34)
  --nodes <n>              large: number of proxy nodes (default: 4)
  --sessions <n>           large: sessions per virtual proxy per node (default: 735)
  --seed <n>               large: random seed (default: 1)
  -h, --help               show this help

Faults (TARGET is a proxy node's name, e.g. Central or dev1 in the seed scenario, or qrs;
each option may be given for several targets, one fault per target):
  --down <TARGET>              stop listening: connections are refused
  --fail <TARGET=STATUS>       answer every request with this HTTP status (e.g. dev1=503)
  --slow <TARGET=MS>           wait this many milliseconds before every answer (e.g. dev1=5000)
  --garbage <TARGET[=KIND]>    answer 200 with a body that is not what was asked for:
                               html (a login page, the default), truncated (cut-off JSON),
                               no-attributes (sessions without their Attributes)
  --reset <TARGET>             close the connection without answering

Example, one node down ("When a node is down" in the README):
  npm run sim -- --scenario seed --down dev1
`;

const DEMO_XRFKEY = 'abcdefghij987654';

/** The checkout this simulator belongs to: where `npx ctrl-q` finds the project's own bin. */
const CHECKOUT = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');

export interface CliDefaults {
  qrsPort: number;
  qpsPort: number;
}

export class CliUsageError extends Error {
  override name = 'CliUsageError';
}

export interface CliConfig {
  scenario: Scenario;
  latencyMs: number;
  qrsPort: number | undefined;
  qpsPort: number | undefined;
  certDir: string | undefined;
  /** Faults to set once started, by target (`qrs` or a node name). */
  faults: Map<string, Fault>;
}

const GARBAGE_KINDS = ['html', 'truncated', 'no-attributes'] as const;

/** `--down dev1`, `--fail dev1=503`, …: one fault per target, for targets the scenario has. */
function parseFaults(values: Record<string, string[] | undefined>, scenario: Scenario): Map<string, Fault> {
  const targets = ['qrs', ...scenario.nodes.map((n) => n.name)];
  const faults = new Map<string, Fault>();
  const add = (option: string, raw: string, make: (value: string | undefined) => Fault): void => {
    const eq = raw.indexOf('=');
    const target = eq === -1 ? raw : raw.slice(0, eq);
    const value = eq === -1 ? undefined : raw.slice(eq + 1);
    if (!targets.includes(target)) {
      throw new CliUsageError(`--${option}: unknown target "${target}"; the targets are ${targets.join(', ')}`);
    }
    if (faults.has(target)) throw new CliUsageError(`--${option}: "${target}" already has a fault; give one fault per target`);
    faults.set(target, make(value));
  };
  const none = (option: string) => (value: string | undefined): void => {
    if (value !== undefined) throw new CliUsageError(`--${option} takes a target only, e.g. --${option} dev1`);
  };
  for (const raw of values.down ?? []) add('down', raw, (v) => (none('down')(v), { kind: 'down' }));
  for (const raw of values.reset ?? []) add('reset', raw, (v) => (none('reset')(v), { kind: 'reset' }));
  const needs = (option: string, what: string, example: string) => (value: string | undefined): string => {
    if (value === undefined) throw new CliUsageError(`--${option} takes TARGET=${what}, e.g. --${option} ${example}`);
    return value;
  };
  for (const raw of values.fail ?? []) {
    add('fail', raw, (v) => {
      const status = intOption('fail', needs('fail', 'STATUS', 'dev1=503')(v), 100, 599) ?? 500;
      return { kind: 'status', status, body: `HTTP ${status} from the simulator (--fail)` };
    });
  }
  for (const raw of values.slow ?? []) {
    add('slow', raw, (v) => ({ kind: 'slow', delayMs: intOption('slow', needs('slow', 'MS', 'dev1=5000')(v), 0, 600_000) ?? 0 }));
  }
  for (const raw of values.garbage ?? []) {
    add('garbage', raw, (v) => {
      const body = GARBAGE_KINDS.find((k) => k === (v ?? 'html'));
      if (body === undefined) throw new CliUsageError(`--garbage: the kinds are ${GARBAGE_KINDS.join(', ')}, got "${v}"`);
      return { kind: 'malformed', body };
    });
  }
  return faults;
}

/** How a fault reads in the start-up text. */
export function describeFault(target: string, fault: Fault): string {
  switch (fault.kind) {
    case 'down':
      return `${target} is down (connections refused)`;
    case 'status':
      return `${target} answers HTTP ${fault.status}`;
    case 'slow':
      return `${target} waits ${fault.delayMs} ms before each answer`;
    case 'malformed':
      return `${target} answers 200 with a ${fault.body} body`;
    case 'reset':
      return `${target} closes connections without answering`;
    case 'gzip-bomb':
      return `${target} answers with a gzip body that inflates to ${fault.inflatedMiB} MiB`;
    case 'trickle':
      return `${target} sends its answers a byte at a time`;
  }
}

function intOption(name: string, raw: string | undefined, min: number, max: number): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw)) throw new CliUsageError(`--${name} must be a whole number, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) throw new CliUsageError(`--${name} must be between ${min} and ${max}, got ${n}`);
  return n;
}

/** Parse argv (without node/script); returns undefined when --help was asked for. */
export function parseCliArgs(argv: string[]): CliConfig | undefined {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        scenario: { type: 'string', default: 'seed' },
        latency: { type: 'string' },
        'qrs-port': { type: 'string' },
        'qps-port': { type: 'string' },
        'cert-dir': { type: 'string' },
        vps: { type: 'string' },
        nodes: { type: 'string' },
        sessions: { type: 'string' },
        seed: { type: 'string' },
        down: { type: 'string', multiple: true },
        fail: { type: 'string', multiple: true },
        slow: { type: 'string', multiple: true },
        garbage: { type: 'string', multiple: true },
        reset: { type: 'string', multiple: true },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    throw new CliUsageError(err instanceof Error ? err.message : String(err));
  }
  if (values.help) return undefined;
  const large = {
    virtualProxies: intOption('vps', values.vps, 1, 10_000),
    nodes: intOption('nodes', values.nodes, 1, 250),
    sessionsPerVpPerNode: intOption('sessions', values.sessions, 0, 1_000_000),
    seed: intOption('seed', values.seed, 0, 2 ** 32 - 1),
  };
  let scenario: Scenario;
  if (values.scenario === 'seed') {
    const given = Object.entries(large).filter(([, v]) => v !== undefined).map(([k]) => k);
    if (given.length > 0) throw new CliUsageError('--vps/--nodes/--sessions/--seed only apply to --scenario large');
    scenario = loadScenario('seed');
  } else if (values.scenario === 'large') {
    scenario = largeScenario({
      ...(large.virtualProxies !== undefined ? { virtualProxies: large.virtualProxies } : {}),
      ...(large.nodes !== undefined ? { nodes: large.nodes } : {}),
      ...(large.sessionsPerVpPerNode !== undefined ? { sessionsPerVpPerNode: large.sessionsPerVpPerNode } : {}),
      ...(large.seed !== undefined ? { seed: large.seed } : {}),
    });
  } else {
    throw new CliUsageError(`--scenario must be "seed" or "large", got "${values.scenario}"`);
  }
  return {
    scenario,
    latencyMs: intOption('latency', values.latency, 0, 600_000) ?? 0,
    qrsPort: intOption('qrs-port', values['qrs-port'], 0, 65535),
    qpsPort: intOption('qps-port', values['qps-port'], 0, 65535),
    certDir: values['cert-dir'] === undefined ? undefined : resolve(values['cert-dir']),
    faults: parseFaults({ down: values.down, fail: values.fail, slow: values.slow, garbage: values.garbage, reset: values.reset }, scenario),
  };
}

/** Quote for a POSIX shell when needed. */
export function shQuote(s: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function listenErrorPort(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { code?: unknown; port?: unknown };
  return e.code === 'EADDRINUSE' && typeof e.port === 'number' ? e.port : undefined;
}

/**
 * Start with the given ports; a port the user did not choose falls back to an ephemeral one when
 * its default is taken. Returns the simulator and notes about fallbacks.
 */
async function startWithFallback(
  cfg: CliConfig,
  defaults: CliDefaults,
): Promise<{ sim: Simulator; notes: string[] }> {
  let qrsPort = cfg.qrsPort ?? defaults.qrsPort;
  let qpsPort = cfg.qpsPort ?? defaults.qpsPort;
  const notes: string[] = [];
  for (let attempt = 0; ; attempt++) {
    const opts: SimulatorOptions = { scenario: cfg.scenario, latencyMs: cfg.latencyMs, qrsPort, qpsPort };
    if (cfg.certDir !== undefined) opts.certDir = cfg.certDir;
    try {
      return { sim: await startSimulator(opts), notes };
    } catch (err) {
      const port = listenErrorPort(err);
      if (port === undefined || attempt >= 3) throw err;
      if (cfg.qrsPort === undefined && qrsPort !== 0 && port === qrsPort) {
        notes.push(`QRS port ${qrsPort} is taken; using a free port instead.`);
        qrsPort = 0;
      } else if (cfg.qpsPort === undefined && qpsPort !== 0 && port === qpsPort) {
        notes.push(`QPS port ${qpsPort} is taken; using a free port instead.`);
        qpsPort = 0;
      } else {
        throw err;
      }
    }
  }
}

/** The text printed after start-up. */
export function describeSimulator(sim: Simulator, notes: string[] = [], faults: ReadonlyMap<string, Fault> = new Map()): string {
  const s = sim.scenario;
  const lines: string[] = [];
  lines.push(`Qlik Sense simulator running (scenario "${s.name}": ${s.nodes.length} proxy nodes, ${s.virtualProxies.length} virtual proxies, ${sim.sessionCount()} sessions)`);
  for (const n of notes) lines.push(`Note: ${n}`);
  lines.push('');
  lines.push(`QRS:  https://${sim.qrs.host}:${sim.qrs.port}`);
  lines.push('QPS nodes:');
  const width = Math.max(...sim.nodes.map((n) => n.name.length));
  for (const n of sim.nodes) {
    const vps = s.virtualProxies.filter((v) => v.linkedNodes.includes(n.name)).length;
    const shown = n.hostName ? `  (${n.hostName} on the real site)` : '';
    lines.push(`  ${n.name.padEnd(width)}  https://${n.address}:${n.port}  ${vps} linked virtual proxies${shown}`);
  }
  lines.push('');
  if (faults.size > 0) {
    lines.push('Faults:');
    for (const [target, fault] of faults) lines.push(`  ${describeFault(target, fault)}`);
    lines.push('');
  }
  lines.push(`Certificates (QMC PEM export names): ${sim.certDir}`);
  lines.push(`  root.pem, client.pem, client_key.pem (+ server.pem, server_key.pem, root_key.pem)`);
  lines.push('');
  lines.push(`List sessions with ctrl-q (run it in the checkout, ${CHECKOUT}; after npm link, plain ctrl-q works anywhere):`);
  lines.push(`  npx ctrl-q qseow session-get ${sim.cliArgs().map(shQuote).join(' ')}`);
  const first = at(sim.nodes, 0, 'node');
  const linked = s.virtualProxies.filter((v) => v.linkedNodes.includes(first.name));
  const vp = linked.find((v) => v.prefix === '') ?? linked[0];
  if (vp) {
    const path = vp.prefix === '' ? '/qps/session' : `/qps/${vp.prefix}/session`;
    lines.push('');
    lines.push(`Or ask ${first.name} directly with curl (virtual proxy "${vp.prefix}"):`);
    lines.push(
      `  curl --cert ${shQuote(sim.certs.client)} --key ${shQuote(sim.certs.clientKey)} --cacert ${shQuote(sim.certs.root)}` +
        ` -H ${shQuote(`X-Qlik-Xrfkey: ${DEMO_XRFKEY}`)} -H ${shQuote('X-Qlik-User: UserDirectory=INTERNAL; UserId=sa_api')}` +
        ` ${shQuote(`https://${first.address}:${first.port}${path}?xrfkey=${DEMO_XRFKEY}`)}`,
    );
  }
  lines.push('');
  lines.push('Press Ctrl-C to stop.');
  return lines.join('\n');
}

/** Programmatic entry: parse, start, print. Returns undefined after printing --help. */
export async function runSimulatorCli(
  argv: string[],
  io: { out: (text: string) => void } = { out: (t) => process.stdout.write(`${t}\n`) },
  defaults: CliDefaults = { qrsPort: 4242, qpsPort: 4243 },
): Promise<Simulator | undefined> {
  const cfg = parseCliArgs(argv);
  if (!cfg) {
    io.out(USAGE);
    return undefined;
  }
  const { sim, notes } = await startWithFallback(cfg, defaults);
  try {
    for (const [target, fault] of cfg.faults) await sim.setFault(target, fault);
  } catch (err) {
    await sim.stop();
    throw err;
  }
  io.out(describeSimulator(sim, notes, cfg.faults));
  return sim;
}

async function main(): Promise<void> {
  let sim: Simulator | undefined;
  try {
    sim = await runSimulatorCli(process.argv.slice(2));
  } catch (err) {
    if (err instanceof CliUsageError) {
      process.stderr.write(`error: ${err.message}\n\n${USAGE}`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    }
    return;
  }
  if (!sim) return;
  const running = sim;
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\nReceived ${signal}, stopping the simulator…\n`);
    running.stop().then(
      () => process.stdout.write('Simulator stopped.\n'),
      (err: unknown) => {
        process.stderr.write(`error while stopping: ${String(err)}\n`);
        process.exitCode = 1;
      },
    );
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (invokedDirectly) void main();
