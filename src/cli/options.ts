/**
 * Every command-line option, declared once as data: flags, help text, default, choices and the
 * environment variables that may supply it. Where a command takes a shared option in its own form
 * (session-delete's --host-proxy, --session-virtual-proxy and --output-format), that form is a
 * `variant` of the one declaration: same flag and key, its own help, choices, default or variables.
 * Each command lists the options it takes (SESSION_GET_SPECS, SESSION_DELETE_SPECS); its commander
 * options and help text are built from that list (addOptions), and the values read back
 * (resolveOptions) are typed from it (OptionValues). Also here: the narrowing helpers that turn the
 * raw values into typed ones, and the splitting of multi-value environment variables.
 */
import { Command, Option } from 'commander';
import type yargsParserType from 'yargs-parser';
import { UsageError } from '../errors.js';
import { LOG_LEVELS } from '../io/log-level.js';
import { SORT_COLUMNS } from '../sessions/rows.js';

export type RawValue = string | boolean | string[];

/** A command's own form of a shared option: same flag and key, its own help, choices, default or variables. */
type Variation = Partial<Omit<OptionSpec, 'key' | 'flags'>>;

export interface OptionSpec {
  /** The attribute name commander gives the option (camelCase of the long flag). */
  readonly key: string;
  readonly flags: string;
  readonly description: string;
  readonly defaultValue?: string | boolean;
  /** Shown in help in place of the default when the real default is computed at run time. */
  readonly defaultDescription?: string;
  readonly choices?: readonly string[];
  /** Environment variables that supply the value when the option is not on the command line; first set wins. */
  readonly env?: readonly string[];
  readonly required?: boolean;
  readonly hidden?: boolean;
}

/**
 * The value an option has once read: the words of a variadic option (`<x...>`, also from a
 * multi-value environment variable), the text of an option that takes one, and for a flag without
 * a value true, or the text of its environment variable (parseBoolean reads it).
 */
type OptionValue<S extends Pick<OptionSpec, 'flags'>> = S['flags'] extends `${string}...>` | `${string}...]`
  ? string[]
  : S['flags'] extends `${string}<${string}>` | `${string}[${string}]`
    ? string
    : boolean | string;

/** The values of a list of options, by key, typed from their declarations; absent when not given and without a default. */
export type OptionValues<Specs extends readonly Pick<OptionSpec, 'key' | 'flags'>[]> = {
  readonly [S in Specs[number] as S['key']]?: OptionValue<S>;
};

/** A command's own form of a declared option (see the header). */
export function variant<const S extends OptionSpec, const V extends Variation>(spec: S, changes: V): Omit<S, keyof V> & V {
  return { ...spec, ...changes };
}

/** Options both commands take: logging, connection and certificates (Ctrl-Q's names and defaults). */
export const COMMON_OPTIONS = {
  logLevel: {
    key: 'logLevel',
    flags: '--log-level <level>',
    description: 'log level',
    choices: LOG_LEVELS,
    defaultValue: 'info',
    env: ['CTRLQ_LOG_LEVEL'],
  },
  logFile: {
    key: 'logFile',
    flags: '--log-file <path>',
    description: 'also append the log, with timestamps, to this file',
    env: ['CTRLQ_LOG_FILE'],
  },
  host: {
    key: 'host',
    flags: '--host <host>',
    description: 'Qlik Sense host (IP/FQDN) where Qlik Repository Service (QRS) is running',
    env: ['CTRLQ_HOST'],
    required: true,
  },
  qrsPort: {
    key: 'qrsPort',
    flags: '--qrs-port <port>',
    description: 'Qlik Sense repository service (QRS) port (usually 4242)',
    defaultValue: '4242',
    env: ['CTRLQ_QRS_PORT'],
  },
  virtualProxy: {
    key: 'virtualProxy',
    flags: '--virtual-proxy <prefix>',
    description: 'Qlik Sense virtual proxy prefix to access QRS via',
    defaultValue: '',
    env: ['CTRLQ_VIRTUAL_PROXY'],
  },
  secure: {
    key: 'secure',
    flags: '--secure <true|false>',
    description:
      'https connection to Qlik Sense must use correct certificate. Invalid certificates will result in rejected/failed connection',
    defaultValue: 'true',
    env: ['CTRLQ_SECURE'],
  },
  qpsPort: {
    key: 'qpsPort',
    flags: '--qps-port <port>',
    description: 'Qlik Sense proxy service (QPS) port, used for every proxy node',
    defaultDescription: "each proxy service's REST port from QRS, else 4243",
    env: ['CTRLQ_QPS_PORT'],
  },
  authUserDir: {
    key: 'authUserDir',
    flags: '--auth-user-dir <directory>',
    description: 'user directory for user to connect with',
    env: ['CTRLQ_USER_DIR', 'CTRLQ_AUTH_USER_DIR'],
    required: true,
  },
  authUserId: {
    key: 'authUserId',
    flags: '--auth-user-id <userid>',
    description: 'user ID for user to connect with',
    env: ['CTRLQ_USER_ID', 'CTRLQ_AUTH_USER_ID'],
    required: true,
  },
  authType: {
    key: 'authType',
    flags: '-a, --auth-type <type>',
    description: 'authentication type',
    choices: ['cert'],
    defaultValue: 'cert',
    env: ['CTRLQ_AUTH_TYPE'],
  },
  authCertFile: {
    key: 'authCertFile',
    flags: '--auth-cert-file <file>',
    description: 'Qlik Sense certificate file (exported from QMC)',
    defaultValue: './cert/client.pem',
    env: ['CTRLQ_CERT_FILE', 'CTRLQ_AUTH_CERT_FILE'],
  },
  authCertKeyFile: {
    key: 'authCertKeyFile',
    flags: '--auth-cert-key-file <file>',
    description: 'Qlik Sense certificate key file (exported from QMC)',
    defaultValue: './cert/client_key.pem',
    env: ['CTRLQ_CERT_KEY_FILE', 'CTRLQ_AUTH_CERT_KEY_FILE'],
  },
  authRootCertFile: {
    key: 'authRootCertFile',
    flags: '--auth-root-cert-file <file>',
    description: 'Qlik Sense root certificate file (exported from QMC)',
    defaultValue: './cert/root.pem',
    env: ['CTRLQ_ROOT_CERT_FILE', 'CTRLQ_AUTH_ROOT_CERT_FILE'],
  },
  authCertPfxFile: {
    key: 'authCertPfxFile',
    flags: '--auth-cert-pfx-file <file>',
    description: 'client certificate and key as a .pfx/.p12 (QMC "Windows format" export), instead of the two PEM files',
    env: ['CTRLQ_CERT_PFX_FILE', 'CTRLQ_AUTH_CERT_PFX_FILE'],
  },
  authCertPassphraseFile: {
    key: 'authCertPassphraseFile',
    flags: '--auth-cert-passphrase-file <file>',
    description: 'file holding the password of an encrypted key or .pfx (or set CTRLQ_CERT_PASSPHRASE); never a plain option value',
    env: ['CTRLQ_CERT_PASSPHRASE_FILE', 'CTRLQ_AUTH_CERT_PASSPHRASE_FILE'],
  },
  concurrency: {
    key: 'concurrency',
    flags: '--concurrency <n>',
    description: 'requests in flight to each proxy service (node) at the same time (1-256)',
    defaultValue: '16',
    env: ['CTRLQ_CONCURRENCY'],
  },
  maxConcurrency: {
    key: 'maxConcurrency',
    flags: '--max-concurrency <n>',
    description: 'requests in flight to all proxy services together (1-1024): the cap on --concurrency times the nodes',
    defaultValue: '64',
    env: ['CTRLQ_MAX_CONCURRENCY'],
  },
  timeout: {
    key: 'timeout',
    flags: '--timeout <seconds>',
    description: 'the longest a request may take, in seconds, its whole answer included',
    defaultValue: '60',
    env: ['CTRLQ_TIMEOUT'],
  },
  maxResponseSize: {
    key: 'maxResponseSize',
    flags: '--max-response-size <MiB>',
    description: 'largest answer read from QRS or QPS, in MiB after decompression (1-500); a larger one is an error',
    defaultValue: '256',
    env: ['CTRLQ_MAX_RESPONSE_SIZE'],
  },
} as const satisfies Record<string, OptionSpec>;

/** Which virtual proxies and proxy nodes: session-get's form (session-delete's are variants of these). */
export const TARGET_OPTIONS = {
  sessionVirtualProxy: {
    key: 'sessionVirtualProxy',
    flags: '--session-virtual-proxy <prefix...>',
    description: 'one or more Qlik Sense virtual proxies to get sessions for (default: all)',
    env: ['CTRLQ_SESSION_VIRTUAL_PROXY'],
  },
  hostProxy: {
    key: 'hostProxy',
    flags: '--host-proxy <host...>',
    description:
      'Qlik Sense hosts/proxies (IP/FQDN) to get sessions from. Must match the host names of the Sense nodes (default: all)',
    env: ['CTRLQ_HOST_PROXY'],
  },
} as const satisfies Record<string, OptionSpec>;

/** Whose sessions: session-get's filters, session-delete's by-user plan; exclusions for both. */
export const USER_OPTIONS = {
  sessionUserDir: {
    key: 'sessionUserDir',
    flags: '--session-user-dir <directory>',
    description: "user directory of the sessions' users (any case)",
    env: ['CTRLQ_SESSION_USER_DIR'],
  },
  sessionUserId: {
    key: 'sessionUserId',
    flags: '--session-user-id <userid...>',
    description: "one or more user ids of the sessions' users (any case)",
    env: ['CTRLQ_SESSION_USER_ID'],
  },
  excludeUser: {
    key: 'excludeUser',
    flags: '--exclude-user <pattern...>',
    description:
      'leave out the sessions of these users, e.g. service accounts: DIRECTORY\\userid, any case, * matches anything ("INTERNAL\\*"); without a backslash, a user id in any directory',
    env: ['CTRLQ_EXCLUDE_USER'],
  },
} as const satisfies Record<string, OptionSpec>;

/** Repeating the query: --watch, and --wait-until-empty for restart scripts. */
export const WATCH_OPTIONS = {
  watch: {
    key: 'watch',
    flags: '--watch <seconds>',
    description: 'repeat the query every N seconds until Ctrl-C; with --wait-until-empty, how often to check (default there: 30)',
    env: ['CTRLQ_WATCH'],
  },
  waitUntilEmpty: {
    key: 'waitUntilEmpty',
    flags: '--wait-until-empty <minutes>',
    description:
      'check every --watch seconds until no sessions remain (after the filters), then exit 0; exit 5 when the minutes (decimals allowed) run out',
    env: ['CTRLQ_WAIT_UNTIL_EMPTY'],
  },
} as const satisfies Record<string, OptionSpec>;

/** The run both commands share: user selection, then how to connect and authenticate (Ctrl-Q's order). */
export const USER_AND_CERTIFICATE_OPTIONS = [
  USER_OPTIONS.sessionUserDir,
  USER_OPTIONS.sessionUserId,
  USER_OPTIONS.excludeUser,
  COMMON_OPTIONS.qpsPort,
  COMMON_OPTIONS.authUserDir,
  COMMON_OPTIONS.authUserId,
  COMMON_OPTIONS.authType,
  COMMON_OPTIONS.authCertFile,
  COMMON_OPTIONS.authCertKeyFile,
  COMMON_OPTIONS.authRootCertFile,
  COMMON_OPTIONS.authCertPfxFile,
  COMMON_OPTIONS.authCertPassphraseFile,
] as const satisfies readonly OptionSpec[];

/** An option with the flag and key of S (so the same value type), other fields of its own. */
type SameOption<S extends OptionSpec> = S extends OptionSpec ? OptionSpec & Pick<S, 'key' | 'flags'> : never;

/** The Ctrl-Q session-delete spellings (`CTRLQ_AUTH_…`) of environment variables first, the order kept otherwise. */
function authSpellingFirst(env: readonly string[] | undefined): string[] | undefined {
  if (env === undefined) return undefined;
  return [...env.filter((name) => name.startsWith('CTRLQ_AUTH_')), ...env.filter((name) => !name.startsWith('CTRLQ_AUTH_'))];
}

export const DELETE_USER_AND_CERTIFICATE_OPTIONS: readonly SameOption<(typeof USER_AND_CERTIFICATE_OPTIONS)[number]>[] =
  USER_AND_CERTIFICATE_OPTIONS.map((spec) => ({ ...spec, env: authSpellingFirst(spec.env) }));

export function addOptions(cmd: Command, specs: readonly OptionSpec[]): Command {
  for (const spec of specs) {
    const envNote = spec.env && spec.env.length > 0 ? ` [env: ${spec.env.join(', ')}]` : '';
    const computed = spec.defaultDescription === undefined ? '' : ` (default: ${spec.defaultDescription})`;
    const option = new Option(spec.flags, `${spec.description}${envNote}${computed}`);
    if (spec.choices) option.choices(spec.choices);
    if (spec.defaultValue !== undefined) option.default(spec.defaultValue);
    if (spec.hidden) option.hideHelp();
    cmd.addOption(option);
  }
  return cmd;
}

function isVariadic(spec: OptionSpec): boolean {
  return spec.flags.includes('...>') || spec.flags.includes('...]');
}

function longFlag(spec: OptionSpec): string {
  const match = /--[\w-]+/.exec(spec.flags);
  return match ? match[0] : spec.flags;
}

/**
 * Splits a multi-value environment variable the way a shell would split words:
 * `node1 node2` is two values, `"my node" other` keeps the quoted value whole. Line ends (LF, CRLF,
 * CR) separate values too, so `CTRLQ_SESSION_ID="$(cat ids.txt)"` works with a file from Windows;
 * blank lines are skipped, and a quoted value ends with its line.
 */
export function splitEnvList(value: string): string[] {
  // Set but empty means one empty value, as in Ctrl-Q (for a prefix: the default virtual proxy);
  // it never silently means "no value", which for --session-id would widen a delete.
  if (value.trim() === '') return [''];
  return envLines(value).flatMap((line) => {
    // One word: what yargs-parser would return, without loading it.
    if (!needsWordSplitting(line)) return [line];
    if (yargsParser === undefined) throw new Error('internal: loadEnvListSplitter() was not awaited before the options were read');
    const parsed = yargsParser(`-- ${line}`, {
      configuration: { 'parse-numbers': false, 'parse-positional-numbers': false },
    });
    return parsed._.map((token) => unquote(String(token)));
  });
}

function unquote(token: string): string {
  if (token.length >= 2) {
    const first = token[0];
    if ((first === '"' || first === "'") && token.endsWith(first)) return token.slice(1, -1);
  }
  return token;
}

export type Env = Readonly<Record<string, string | undefined>>;

/**
 * yargs-parser splits multi-value environment variables (splitEnvList). It is loaded only when one
 * holds more than one word: importing it took a quarter of the CPU of loading everything
 * `ctrl-q --help` needs (issue 14, P4).
 */
let yargsParser: typeof yargsParserType | undefined;

/** The non-blank lines of a value (LF, CRLF or CR). */
function envLines(value: string): string[] {
  return value.split(/\r\n|\r|\n/).filter((line) => line.trim() !== '');
}

/** A space or a quote inside, or blanks around: yargs-parser's tokenizer would change it. */
function needsWordSplitting(value: string): boolean {
  return /[ '"]/.test(value) || value.trim() !== value;
}

/** Loads yargs-parser when a CTRLQ_* variable needs splitting; main() awaits this before parsing. */
export async function loadEnvListSplitter(env: Env): Promise<void> {
  if (yargsParser !== undefined) return;
  const needed = Object.entries(env).some(([name, value]) => name.startsWith('CTRLQ_') && value !== undefined && envLines(value).some(needsWordSplitting));
  if (needed) yargsParser = (await import('yargs-parser')).default;
}

/**
 * Values for the given options with the precedence command line > environment > default.
 * Also enforces `required` and validates choices for values that came from the environment
 * (commander validates the command line itself).
 */
export function resolveOptions<const Specs extends readonly OptionSpec[]>(cmd: Command, specs: Specs, env: Env): OptionValues<Specs> {
  const parsed = cmd.opts<Record<string, RawValue | undefined>>();
  const result: Record<string, RawValue | undefined> = {};
  for (const spec of specs) {
    let value = parsed[spec.key];
    const source = cmd.getOptionValueSource(spec.key);
    if (source !== 'cli') {
      const fromEnv = readEnv(spec, env);
      if (fromEnv !== undefined) {
        if (spec.choices && typeof fromEnv === 'string' && !spec.choices.includes(fromEnv)) {
          throw new UsageError(
            `environment variable ${fromEnvName(spec, env)} value '${fromEnv}' is invalid for ${longFlag(spec)}. Allowed choices are ${spec.choices.join(', ')}.`,
          );
        }
        value = fromEnv;
      }
    }
    if (spec.required && value === undefined) {
      const envHint = spec.env && spec.env.length > 0 ? ` (or set ${spec.env.join(' or ')})` : '';
      throw new UsageError(`required option '${spec.flags}' not specified${envHint}`);
    }
    result[spec.key] = value;
  }
  // Each value has its declaration's shape: commander and readEnv give lists for variadic options,
  // text for options that take a value, true (or the variable's text) for flags without one.
  return result as OptionValues<Specs>;
}

function fromEnvName(spec: OptionSpec, env: Env): string {
  return spec.env?.find((name) => env[name] !== undefined) ?? '';
}

function readEnv(spec: OptionSpec, env: Env): RawValue | undefined {
  for (const name of spec.env ?? []) {
    const value = env[name];
    if (value === undefined) continue;
    return isVariadic(spec) ? splitEnvList(value) : value;
  }
  return undefined;
}

// ---- narrowing helpers: raw string values → typed values, with one clear line on error ----

export function asString(value: RawValue | undefined, fallback = ''): string {
  if (value === undefined) return fallback;
  if (Array.isArray(value)) return value.join(' ');
  return String(value);
}

export function asList(value: RawValue | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) return value;
  if (typeof value === 'boolean') return undefined;
  return [value];
}

/** The values of a list option, trimmed; a blank one (or none at all) is a usage error naming `flag`. */
export function nonEmptyList(flag: string, values: string[] | undefined): string[] | undefined {
  if (values === undefined) return undefined;
  if (values.length === 0 || values.some((v) => v.trim() === '')) throw new UsageError(`option '${flag}' must not be empty`);
  return values.map((v) => v.trim());
}

const TRUE_WORDS = new Set(['true', '1', 'yes', 'y', 'on']);
const FALSE_WORDS = new Set(['false', '0', 'no', 'n', 'off']);

export function parseBoolean(flag: string, value: RawValue | undefined, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value === 'boolean') return value;
  const word = asString(value).trim().toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  throw new UsageError(`option '${flag}' must be true or false, got '${asString(value)}'`);
}

export function parsePort(flag: string, value: RawValue | undefined): number | undefined {
  if (value === undefined) return undefined;
  const text = asString(value).trim();
  const port = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new UsageError(`option '${flag}' must be a port number from 1 to 65535, got '${asString(value)}'`);
  }
  return port;
}

export function parseInteger(flag: string, value: RawValue | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const text = asString(value).trim();
  const n = /^-?\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`option '${flag}' must be a whole number from ${min} to ${max}, got '${asString(value)}'`);
  }
  return n;
}

export function parseSeconds(flag: string, value: RawValue | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const text = asString(value).trim();
  const n = /^\d+(\.\d+)?$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isFinite(n) || n < min || n > max) {
    throw new UsageError(`option '${flag}' must be a number from ${min} to ${max}, got '${asString(value)}'`);
  }
  return n;
}

export function parseChoice<T extends string>(flag: string, value: RawValue | undefined, choices: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  const text = asString(value);
  const found = choices.find((choice) => choice === text);
  if (found === undefined) {
    throw new UsageError(`option '${flag}' argument '${text}' is invalid. Allowed choices are ${choices.join(', ')}.`);
  }
  return found;
}

export const GET_OUTPUT_FORMATS = ['json', 'table', 'summary', 'summary-json'] as const;
export type GetOutputFormat = (typeof GET_OUTPUT_FORMATS)[number];

/** session-get's own options. */
export const SESSION_GET_OPTIONS = {
  outputFormat: {
    key: 'outputFormat',
    flags: '--output-format <format>',
    description: 'output format',
    choices: GET_OUTPUT_FORMATS,
    defaultValue: 'json',
    env: ['CTRLQ_OUTPUT_FORMAT'],
  },
  sortBy: {
    key: 'sortBy',
    flags: '-s, --sort-by <column>',
    description: 'column to sort output by (table and JSON)',
    choices: SORT_COLUMNS,
    defaultValue: 'prefix',
    env: ['CTRLQ_SORT_BY'],
  },
} as const satisfies Record<string, OptionSpec>;

export const DELETE_OUTPUT_FORMATS = ['text', 'json'] as const;
export type DeleteOutputFormat = (typeof DELETE_OUTPUT_FORMATS)[number];

/** session-delete's own options (and its stricter forms of the target options). */
export const SESSION_DELETE_OPTIONS = {
  hostProxy: variant(TARGET_OPTIONS.hostProxy, {
    description:
      'Qlik Sense proxies (IP/FQDN) where sessions should be deleted. Must match the host names of the Sense nodes (required unless --all-host-proxies or --from-json)',
  }),
  allHostProxies: {
    key: 'allHostProxies',
    flags: '--all-host-proxies',
    description: 'delete on every proxy node of the site, instead of listing them with --host-proxy',
    env: ['CTRLQ_ALL_HOST_PROXIES'],
  },
  sessionVirtualProxy: variant(TARGET_OPTIONS.sessionVirtualProxy, {
    description: 'Qlik Sense virtual proxies (prefixes) to delete proxy sessions on; "" is the default virtual proxy',
    defaultDescription: '"", the default virtual proxy',
  }),
  allVirtualProxies: {
    key: 'allVirtualProxies',
    flags: '--all-virtual-proxies',
    description: 'delete on every virtual proxy linked to the chosen proxy nodes, instead of listing them with --session-virtual-proxy',
    env: ['CTRLQ_ALL_VIRTUAL_PROXIES'],
  },
  fromJson: {
    key: 'fromJson',
    flags: '--from-json <file>',
    description:
      'delete exactly the sessions in this JSON array of session-get rows (proxyHost, vpPrefix, sessionId); "-" reads stdin and needs --yes',
    env: ['CTRLQ_FROM_JSON'],
  },
  sessionId: {
    key: 'sessionId',
    flags: '--session-id <id...>',
    description: 'session IDs to delete (without it: every session on the targets, after confirmation)',
    env: ['CTRLQ_SESSION_ID'],
  },
  yes: {
    key: 'yes',
    flags: '-y, --yes',
    description: 'do not ask for confirmation (needed when not running in a terminal)',
  },
  dryRun: {
    key: 'dryRun',
    flags: '--dry-run',
    description: 'show what would be deleted, delete nothing',
  },
  interactive: {
    key: 'interactive',
    flags: '--interactive',
    description: 'pick the sessions to delete from a checklist (needs a terminal)',
  },
  outputFormat: variant(SESSION_GET_OPTIONS.outputFormat, {
    description: 'text: the report as log lines on stderr (a --dry-run plan as a table on stdout); json: one JSON report on stdout',
    choices: DELETE_OUTPUT_FORMATS,
    defaultValue: 'text',
    env: ['CTRLQ_DELETE_OUTPUT_FORMAT'],
  }),
} as const satisfies Record<string, OptionSpec>;
