/**
 * The CLI in process (main(argv, deps)) against the simulator: usage errors, environment versus
 * flag precedence, the mapping of every outcome to its exit code, and stacks only at debug.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { VERSION } from '../../src/version.js';
import { runMain } from '../helpers/in-process.js';
import { loadScenario } from '../simulator/scenario.js';
import { startSimulator, type Simulator } from '../simulator/server.js';

let sim: Simulator;
before(async () => {
  sim = await startSimulator({ scenario: loadScenario('seed') });
});
after(() => sim.stop());
beforeEach(async () => {
  await sim.setFault('qrs', undefined);
  await sim.setFault('dev1', undefined);
});

const get = (...extra: string[]): string[] => ['qseow', 'session-get', ...sim.cliArgs(), ...extra];
const STACK_LINE = /\n\s+at /;

describe('main(): help, version and commander usage errors', () => {
  it('--version prints the version on stdout, exit 0', async () => {
    const r = await runMain(['--version']);
    assert.deepEqual([r.code, r.stdout], [0, `${VERSION}\n`]);
  });

  it('session-get --help lists the options with their environment variables, exit 0', async () => {
    const r = await runMain(['qseow', 'session-get', '--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /--session-virtual-proxy <prefix\.\.\.>/);
    assert.match(r.stdout, /\[env:\s+CTRLQ_HOST\]/);
  });

  it('an unknown command is exit 2 with commander\'s message', async () => {
    const r = await runMain(['qseow', 'session-gett']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^error: unknown command 'session-gett'/);
  });

  it('a value outside the choices is exit 2, nothing on stdout', async () => {
    const r = await runMain(get('--output-format', 'csv'));
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /error: option '--output-format <format>' argument 'csv' is invalid\. Allowed choices are json, table, summary, summary-json\./);
  });
});

describe('main(): required options and the environment', () => {
  it('a missing --host names the option and its variable, exit 2', async () => {
    const r = await runMain(['qseow', 'session-get', '--auth-user-dir', 'INTERNAL', '--auth-user-id', 'sa_api']);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, "error: required option '--host <host>' not specified (or set CTRLQ_HOST)\n");
  });

  it('the environment supplies what the command line does not', async () => {
    const args = sim.cliArgs();
    const at = (flag: string): string => args[args.indexOf(flag) + 1] ?? '';
    const r = await runMain(['qseow', 'session-get', '--auth-cert-file', at('--auth-cert-file'), '--auth-cert-key-file', at('--auth-cert-key-file'), '--auth-root-cert-file', at('--auth-root-cert-file')], {
      env: { CTRLQ_HOST: '127.0.0.1', CTRLQ_QRS_PORT: at('--qrs-port'), CTRLQ_USER_DIR: 'INTERNAL', CTRLQ_USER_ID: 'sa_api', CTRLQ_OUTPUT_FORMAT: 'summary-json' },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { total: number }).total, 5);
  });

  it('a flag wins over its environment variable', async () => {
    const r = await runMain(get('--output-format', 'json'), { env: { CTRLQ_OUTPUT_FORMAT: 'summary-json', CTRLQ_QRS_PORT: '1' } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as unknown[]).length, 5);
  });

  it('an invalid choice from the environment names the variable, exit 2', async () => {
    const r = await runMain(get(), { env: { CTRLQ_SORT_BY: 'colour' } });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^error: environment variable CTRLQ_SORT_BY value 'colour' is invalid for --sort-by\. Allowed choices are prefix, proxyhost, proxyname, userdir, userid, username\.\n/);
  });
});

describe('main(): every outcome to its exit code', () => {
  it('sessions listed: exit 0, JSON on stdout only', async () => {
    const r = await runMain(get());
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as unknown[]).length, 5);
  });

  it('a certificate file that does not exist: exit 2 before anything is sent', async () => {
    sim.clearRequests();
    const r = await runMain(get('--auth-cert-file', '/nonexistent/client.pem'));
    assert.equal(r.code, 2);
    assert.match(r.stderr, /\/nonexistent\/client\.pem/);
    assert.deepEqual(sim.requests, []);
  });

  it('a root certificate that did not sign the server: exit 4', async () => {
    const r = await runMain(get('--auth-root-cert-file', sim.certs.client));
    assert.equal(r.code, 4, r.stderr);
    assert.match(r.stderr, /error: the server certificate of QRS at 127\.0\.0\.1:\d+ is not trusted/);
  });

  it('QRS answering 500: exit 1', async () => {
    await sim.setFault('qrs', { kind: 'status', status: 500, body: 'boom' });
    const r = await runMain(get());
    assert.equal(r.code, 1);
    assert.match(r.stderr, /failed: HTTP 500 \(boom\)/);
  });

  it('one proxy node down: exit 3, the other node listed', async () => {
    await sim.setFault('dev1', { kind: 'down' });
    const r = await runMain(get());
    assert.equal(r.code, 3, r.stderr);
    assert.ok((JSON.parse(r.stdout) as unknown[]).length > 0);
  });

  it('--wait-until-empty with sessions that stay: exit 5', async () => {
    const r = await runMain(get('--wait-until-empty', '0.01', '--watch', '0.5', '--output-format', 'summary-json'));
    assert.equal(r.code, 5, r.stderr);
  });

  it('an error that is not ours is exit 1 and asks for a bug report; its stack only at debug', async () => {
    const prompter = {
      confirm: (): Promise<boolean> => Promise.reject(new TypeError('prompter broke')),
      checklist: (): Promise<string[]> => Promise.resolve([]),
    };
    const args = ['qseow', 'session-delete', ...sim.cliArgs(), '--host-proxy', sim.node('Central').address, '--session-virtual-proxy', 'finance', '--dry-run'];
    // A dry run asks nothing: first make sure the plan is not empty, then ask for real.
    assert.equal((await runMain(args, { terminal: true, prompter })).code, 0);
    const real = args.filter((a) => a !== '--dry-run');
    const r = await runMain(real, { terminal: true, prompter });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /error: prompter broke/);
    assert.doesNotMatch(r.stderr, STACK_LINE);
    const debug = await runMain([...real, '--log-level', 'debug'], { terminal: true, prompter });
    assert.equal(debug.code, 1);
    assert.match(debug.stderr, /TypeError: prompter broke\n\s+at /);
  });
});

describe('main(): the stack of a usage error', () => {
  it('is not shown by default', async () => {
    const r = await runMain(get('--qrs-port', '0'));
    assert.equal(r.code, 2);
    assert.equal(r.stderr, "error: option '--qrs-port' must be a port number from 1 to 65535, got '0'\n");
  });

  it('is shown with --log-level debug, and with CTRLQ_LOG_LEVEL=silly', async () => {
    for (const [argv, env] of [
      [get('--qrs-port', '0', '--log-level', 'debug'), {}],
      [get('--qrs-port', '0'), { CTRLQ_LOG_LEVEL: 'silly' }],
    ] as const) {
      const r = await runMain(argv, { env });
      assert.equal(r.code, 2);
      assert.match(r.stderr, /^error: option '--qrs-port' must be a port number from 1 to 65535, got '0'\nUsageError: .*\n\s+at /);
    }
  });
});
