/**
 * The CLI in process (main(argv, deps)) against the simulator: usage errors, environment versus
 * flag precedence, the mapping of every outcome to its exit code, and stacks only at debug.
 */
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import type { Choice, Prompter } from '../../src/io/prompter.js';
import { VERSION } from '../../src/version.js';
import { runMain } from '../helpers/in-process.js';
import { SEED, T3, T4, proxyRequests, resetToScenario, siteState, useSeedSite, without } from '../helpers/site.js';

const site = useSeedSite();
beforeEach(() => resetToScenario(site.sim));

const get = (...extra: string[]): string[] => ['qseow', 'session-get', ...site.sim.cliArgs(), ...extra];
const del = (...extra: string[]): string[] => ['qseow', 'session-delete', ...site.sim.cliArgs(), ...extra];
const STACK_LINE = /\n\s+at /;
/** The simulator's connection with these options left out (so the environment may give them). */
function connectionWithout(...flags: string[]): string[] {
  const args = site.sim.cliArgs();
  const out: string[] = [];
  for (let i = 0; i < args.length; i += 2) if (!flags.includes(args[i] as string)) out.push(args[i] as string, args[i + 1] as string);
  return out;
}
/** The X-Qlik-User header of every request the simulator saw, distinct. */
const usersSent = (): string[] => [...new Set(site.sim.requests.map((r) => r.user ?? ''))];

describe('main(): help, version and commander usage errors', () => {
  it('--version prints the version on stdout, exit 0', async () => {
    const r = await runMain(['--version']);
    assert.deepEqual([r.code, r.stdout, r.stderr], [0, `${VERSION}\n`, '']);
  });

  it('session-get --help lists the options with their environment variables, exit 0', async () => {
    const r = await runMain(['qseow', 'session-get', '--help']);
    assert.equal(r.code, 0);
    // Commander wraps the descriptions to its width: compared with the white space folded.
    const flat = r.stdout.replace(/\s+/g, ' ');
    for (const entry of [
      ' --session-virtual-proxy <prefix...> one or more Qlik Sense virtual proxies to get sessions for (default: all) [env: CTRLQ_SESSION_VIRTUAL_PROXY] ',
      ' --host <host> Qlik Sense host (IP/FQDN) where Qlik Repository Service (QRS) is running [env: CTRLQ_HOST] ',
      ' --auth-user-dir <directory> user directory for user to connect with [env: CTRLQ_USER_DIR, CTRLQ_AUTH_USER_DIR] ',
    ]) {
      assert.ok(flat.includes(entry), entry);
    }
  });

  it("an unknown command is exit 2 with commander's message", async () => {
    const r = await runMain(['qseow', 'session-gett']);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, "error: unknown command 'session-gett'\n(Did you mean session-get?)\n");
  });

  for (const [command, argv] of [
    ['session-get', (): string[] => get('--bogus')],
    ['session-delete', (): string[] => del('--bogus')],
  ] as const) {
    it(`${command}: an unknown option is exit 2, one line, nothing on stdout`, async () => {
      const r = await runMain(argv());
      assert.deepEqual([r.code, r.stdout, r.stderr], [2, '', "error: unknown option '--bogus'\n"]);
    });
  }

  it('a value outside the choices is exit 2, nothing on stdout (session-get and session-delete have their own choices)', async () => {
    const r = await runMain(get('--output-format', 'csv'));
    assert.deepEqual([r.code, r.stdout], [2, '']);
    assert.equal(r.stderr, "error: option '--output-format <format>' argument 'csv' is invalid. Allowed choices are json, table, summary, summary-json.\n");
    const d = await runMain(del('--output-format', 'table'));
    assert.deepEqual([d.code, d.stdout], [2, '']);
    assert.equal(d.stderr, "error: option '--output-format <format>' argument 'table' is invalid. Allowed choices are text, json.\n");
  });

  for (const [option, value, message] of [
    ['--concurrency', 'many', "error: option '--concurrency' must be a whole number from 1 to 256, got 'many'\n"],
    ['--timeout', 'abc', "error: option '--timeout' must be a number from 0.001 to 3600, got 'abc'\n"],
    ['--qrs-port', '65536', "error: option '--qrs-port' must be a port number from 1 to 65535, got '65536'\n"],
  ] as const) {
    it(`a bad number: ${option} ${value} is exit 2 before anything is sent`, async () => {
      const r = await runMain(get(option, value));
      assert.deepEqual([r.code, r.stdout, r.stderr], [2, '', message]);
      assert.deepEqual(site.sim.requests, []);
    });
  }
});

describe('main(): required options and the environment', () => {
  it('a missing --host names the option and its variable, exit 2', async () => {
    const r = await runMain(['qseow', 'session-get', '--auth-user-dir', 'INTERNAL', '--auth-user-id', 'sa_api']);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, "error: required option '--host <host>' not specified (or set CTRLQ_HOST)\n");
  });

  it('a missing --auth-user-id (session-get) and --auth-user-dir (session-delete) name both spellings of the variable, exit 2', async () => {
    const g = await runMain(['qseow', 'session-get', '--host', '127.0.0.1', '--auth-user-dir', 'INTERNAL']);
    assert.deepEqual([g.code, g.stderr], [2, "error: required option '--auth-user-id <userid>' not specified (or set CTRLQ_USER_ID or CTRLQ_AUTH_USER_ID)\n"]);
    const d = await runMain(['qseow', 'session-delete', '--host', '127.0.0.1']);
    assert.deepEqual([d.code, d.stderr], [2, "error: required option '--auth-user-dir <directory>' not specified (or set CTRLQ_AUTH_USER_DIR or CTRLQ_USER_DIR)\n"]);
  });

  it('the environment supplies what the command line does not', async () => {
    const args = site.sim.cliArgs();
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

  it("session-get takes session-delete's CTRLQ_AUTH_USER_DIR / CTRLQ_AUTH_USER_ID too; --auth-user-dir wins over them", async () => {
    const connection = connectionWithout('--auth-user-dir', '--auth-user-id');
    const env = { CTRLQ_AUTH_USER_DIR: 'ENVDIR', CTRLQ_AUTH_USER_ID: 'env_user' };
    const fromEnv = await runMain(['qseow', 'session-get', ...connection], { env });
    assert.equal(fromEnv.code, 0, fromEnv.stderr);
    assert.deepEqual(usersSent(), ['UserDirectory=ENVDIR; UserId=env_user']);
    site.sim.clearRequests();
    const flag = await runMain(['qseow', 'session-get', ...connection, '--auth-user-dir', 'FLAGDIR'], { env });
    assert.equal(flag.code, 0, flag.stderr);
    assert.deepEqual(usersSent(), ['UserDirectory=FLAGDIR; UserId=env_user']);
  });

  it("session-delete takes session-get's CTRLQ_USER_DIR; CTRLQ_SESSION_VIRTUAL_PROXY splits like shell words; flags win", async () => {
    const connection = connectionWithout('--auth-user-dir');
    const central = site.sim.node('Central').address;
    const env = { CTRLQ_USER_DIR: 'ENVDIR', CTRLQ_SESSION_VIRTUAL_PROXY: 'finance win' };
    const fromEnv = await runMain(['qseow', 'session-delete', ...connection, '--host-proxy', central, '--dry-run'], { env });
    assert.equal(fromEnv.code, 0, fromEnv.stderr);
    assert.match(fromEnv.stderr, /^Dry run: would delete 4 sessions on 1 proxy node \(127\.0\.0\.2\) and 2 virtual proxies \(finance, win\); nothing was deleted$/m);
    assert.deepEqual(usersSent(), ['UserDirectory=ENVDIR; UserId=sa_api']);
    site.sim.clearRequests();
    const flags = await runMain(['qseow', 'session-delete', ...connection, '--host-proxy', central, '--session-virtual-proxy', 'win', '--auth-user-dir', 'FLAGDIR', '--dry-run'], { env });
    assert.equal(flags.code, 0, flags.stderr);
    assert.match(flags.stderr, /^Dry run: would delete 2 sessions on 1 proxy node \(127\.0\.0\.2\) and 1 virtual proxy \(win\); nothing was deleted$/m);
    assert.deepEqual(usersSent(), ['UserDirectory=FLAGDIR; UserId=sa_api']);
    assert.deepEqual(siteState(site.sim), SEED(), 'a dry run deletes nothing');
  });

  it('an invalid choice from the environment names the variable, exit 2', async () => {
    const r = await runMain(get(), { env: { CTRLQ_SORT_BY: 'colour' } });
    assert.equal(r.code, 2);
    assert.equal(r.stderr, "error: environment variable CTRLQ_SORT_BY value 'colour' is invalid for --sort-by. Allowed choices are prefix, proxyhost, proxyname, userdir, userid, username.\n");
  });

  it('a bad number from the environment is the same one-line usage error, exit 2', async () => {
    const r = await runMain(get(), { env: { CTRLQ_CONCURRENCY: '0' } });
    assert.deepEqual([r.code, r.stdout, r.stderr], [2, '', "error: option '--concurrency' must be a whole number from 1 to 256, got '0'\n"]);
  });
});

describe('main(): every outcome to its exit code', () => {
  it('sessions listed: exit 0, JSON on stdout only', async () => {
    const r = await runMain(get());
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as unknown[]).length, 5);
  });

  it('a certificate file that does not exist: exit 2 before anything is sent', async () => {
    const r = await runMain(get('--auth-cert-file', '/nonexistent/client.pem'));
    assert.equal(r.code, 2);
    assert.equal(r.stderr, 'error: --auth-cert-file: file not found: /nonexistent/client.pem\n');
    assert.deepEqual(site.sim.requests, []);
  });

  it('a root certificate that did not sign the server: exit 4', async () => {
    const r = await runMain(get('--auth-root-cert-file', site.sim.certs.client));
    assert.equal(r.code, 4, r.stderr);
    assert.match(r.stderr, /^error: the server certificate of QRS at 127\.0\.0\.1:\d+ is not trusted: /);
  });

  it('QRS answering 403: exit 4, the refusal and its hint, nothing on stdout', async () => {
    await site.sim.setFault('qrs', { kind: 'status', status: 403, body: 'Forbidden' });
    const r = await runMain(get());
    assert.deepEqual([r.code, r.stdout], [4, '']);
    // The two first QRS reads go out together; the one refused first is named.
    const refused = (path: string): string =>
      `error: QRS GET ${path} on 127.0.0.1:${site.sim.qrs.port} was refused: HTTP 403 (Forbidden)\n` +
      'Check that the client certificate was exported from this Qlik Sense site and that --auth-user-dir/--auth-user-id name a user that may do this.\n';
    assert.ok([refused('/qrs/virtualproxyconfig/full'), refused('/qrs/proxyservice/full')].includes(r.stderr), r.stderr);
  });

  it('QRS answering 500: exit 1', async () => {
    await site.sim.setFault('qrs', { kind: 'status', status: 500, body: 'boom' });
    const r = await runMain(get());
    assert.deepEqual([r.code, r.stdout], [1, '']);
    const failed = (path: string): string => `error: QRS GET ${path} on 127.0.0.1:${site.sim.qrs.port} failed: HTTP 500 (boom)\n`;
    assert.ok([failed('/qrs/virtualproxyconfig/full'), failed('/qrs/proxyservice/full')].includes(r.stderr), r.stderr);
  });

  it('one proxy node down: exit 3, the other node listed, the unread one named', async () => {
    await site.sim.setFault('dev1', { kind: 'down' });
    const r = await runMain(get());
    assert.equal(r.code, 3, r.stderr);
    assert.deepEqual((JSON.parse(r.stdout) as { proxyName: string }[]).map((row) => row.proxyName), ['Central', 'Central', 'Central', 'Central', 'Central']);
    assert.ok(r.stderr.endsWith('\nerror: sessions could not be read from 5 of 29 (virtual proxy, proxy service) pairs; the others are shown\n'), r.stderr);
  });

  it('--wait-until-empty with sessions that stay: exit 5, naming who is still on', async () => {
    const r = await runMain(get('--wait-until-empty', '0.01', '--watch', '0.5', '--output-format', 'summary-json'));
    assert.equal(r.code, 5, r.stderr);
    assert.match(r.stderr, /\nerror: still connected after [\d.]+ s: 5 sessions of 5 users: LAB\\goran, LAB\\testuser_1, LAB\\testuser_2, LAB\\testuser_3, LAB\\testuser_4\n$/);
  });

  it('an error that is not ours is exit 1 and asks for a bug report; its stack only at debug', async () => {
    const prompter = {
      confirm: (): Promise<boolean> => Promise.reject(new TypeError('prompter broke')),
      checklist: (): Promise<string[]> => Promise.resolve([]),
    };
    const args = del('--host-proxy', site.sim.node('Central').address, '--session-virtual-proxy', 'finance', '--dry-run');
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
    const verbose = await runMain([...real, '--log-level', 'verbose'], { terminal: true, prompter });
    assert.equal(verbose.code, 1);
    assert.doesNotMatch(verbose.stderr, STACK_LINE, 'verbose is not debug: no stack');
    assert.deepEqual(siteState(site.sim), SEED(), 'nothing deleted');
  });
});

describe('main(): the injected prompter answers the confirmation', () => {
  const QUESTION = 'Delete 2 sessions on 1 proxy node (127.0.0.2) and 1 virtual proxy (win)?';
  /** A prompter that answers `answer` and records the questions it was asked. */
  function answering(answer: boolean, ticks: string[] = []): Prompter & { asked: string[] } {
    const asked: string[] = [];
    return {
      asked,
      confirm: (message: string) => {
        asked.push(message);
        return Promise.resolve(answer);
      },
      checklist: (message: string, choices: readonly Choice[]) => {
        asked.push(`${message}: ${choices.map((c) => c.name).join(' | ')}`);
        return Promise.resolve(ticks.map((i) => choices[Number(i)]?.value ?? ''));
      },
    };
  }
  const onWin = (): string[] => del('--host-proxy', site.sim.node('Central').address, '--session-virtual-proxy', 'win');

  it('yes: exit 0, exactly the two sessions on win deleted, after one question', async () => {
    const prompter = answering(true);
    const r = await runMain(onWin(), { terminal: true, prompter });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(prompter.asked, [QUESTION]);
    assert.match(r.stderr, /\nDeleted 2 sessions\n$/);
    assert.deepEqual(proxyRequests(site.sim, 'DELETE'), [`Central /qps/win/session/${T3}`, `Central /qps/win/session/${T4}`].sort());
    assert.deepEqual(siteState(site.sim), without(SEED(), `win@Central/${T3}`, `win@Central/${T4}`));
  });

  it('no: exit 1, "Not deleting any sessions.", nothing sent', async () => {
    const prompter = answering(false);
    const r = await runMain(onWin(), { terminal: true, prompter });
    assert.equal(r.code, 1, r.stderr);
    assert.deepEqual(prompter.asked, [QUESTION]);
    assert.ok(r.stderr.endsWith("  LAB\\testuser_4  on 'win' at Central (127.0.0.2)\nerror: Not deleting any sessions.\n"), r.stderr);
    assert.deepEqual(proxyRequests(site.sim, 'DELETE'), []);
    assert.deepEqual(siteState(site.sim), SEED());
  });

  it('no terminal: the prompter is never asked; exit 2, nothing sent', async () => {
    const prompter = answering(true);
    const r = await runMain(onWin(), { terminal: false, prompter });
    assert.equal(r.code, 2);
    assert.equal(
      r.stderr,
      'error: not deleting: this delete needs confirmation and there is no terminal to ask on. Add --yes to delete without asking, or --dry-run to see what would be deleted\n',
    );
    assert.deepEqual(prompter.asked, []);
    assert.deepEqual(proxyRequests(site.sim, 'DELETE'), []);
  });

  it('--interactive: the checklist lists the plan in order; the ticked session alone is deleted, with no second question', async () => {
    const prompter = answering(true, ['1']);
    const r = await runMain([...onWin(), '--interactive'], { terminal: true, prompter });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(prompter.asked, [
      `Sessions to delete (space to tick, enter to confirm): LAB\\testuser_3  win@127.0.0.2  ${T3} | LAB\\testuser_4  win@127.0.0.2  ${T4}`,
    ]);
    assert.deepEqual(proxyRequests(site.sim, 'DELETE'), [`Central /qps/win/session/${T4}`]);
    assert.match(r.stderr, /\nDeleted 1 session\n$/);
  });
});

describe('main(): the stack of a usage error', () => {
  it('is not shown by default, nor at verbose', async () => {
    for (const argv of [get('--qrs-port', '0'), get('--qrs-port', '0', '--log-level', 'verbose')]) {
      const r = await runMain(argv);
      assert.equal(r.code, 2);
      assert.equal(r.stderr, "error: option '--qrs-port' must be a port number from 1 to 65535, got '0'\n");
    }
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

  it('--log-level on the command line wins over CTRLQ_LOG_LEVEL=debug: no stack at --log-level info', async () => {
    const r = await runMain(get('--qrs-port', '0', '--log-level', 'info'), { env: { CTRLQ_LOG_LEVEL: 'debug' } });
    assert.deepEqual([r.code, r.stderr], [2, "error: option '--qrs-port' must be a port number from 1 to 65535, got '0'\n"]);
  });
});
