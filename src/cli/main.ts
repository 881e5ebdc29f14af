/**
 * Builds the command tree, runs it, and maps its outcome to an exit code: the one place an error
 * becomes a code (src/bin/ctrl-q.ts sets it, or 130/143/129 after a stop by signal). Errors not yet
 * reported are shown as one line (plus a hint); the stack only at --log-level debug or silly.
 */
import { Command, CommanderError } from 'commander';
import { CliError, ExitCode, errorMessage, isReported } from '../errors.js';
import { shown, shownLines } from '../safe-text.js';
import { VERSION } from '../version.js';
import { loadEnvListSplitter } from './options.js';
import type { Deps } from './context.js';
import { newSessionDeleteCommand } from './commands/session-delete.js';
import { newSessionGetCommand } from './commands/session-get.js';

function buildProgram(deps: Deps): Command {
  const program = new Command('ctrl-q')
    .description('Qlik Sense proxy sessions from the command line: list them, delete them')
    .version(VERSION, '-V, --version', 'output the version number')
    .showSuggestionAfterError(true);
  const qseow = program.command('qseow').description('commands for client-managed Qlik Sense Enterprise on Windows (QSEoW)');
  qseow.addCommand(newSessionGetCommand(deps));
  qseow.addCommand(newSessionDeleteCommand(deps));
  program.addHelpText(
    'after',
    `
Exit codes:
  0  success (also when no sessions are found)
  1  failure: API, network or unexpected error; a confirmation answered no; stdout or the log file not writable
  2  usage error: bad option or value, unreadable file, delete without --yes off a terminal
  3  partial: some proxy nodes, virtual proxies or deletions failed; the rest was done
  4  TLS or authorisation failure (certificate not trusted or expired, host name mismatch, TLS < 1.2, 401/403)
  5  --wait-until-empty ran out of time
  130, 143, 129  stopped by Ctrl-C, SIGTERM or SIGHUP, after reporting what was done`,
  );
  configureTree(program, deps);
  return program;
}

function configureTree(cmd: Command, deps: Deps): void {
  cmd.exitOverride();
  cmd.configureOutput({
    writeOut: (text) => deps.io.stdout.write(text),
    // Commander's messages repeat the values given; those may hold control characters too.
    writeErr: (text) => deps.io.stderr.write(shownLines(text)),
  });
  for (const sub of cmd.commands) configureTree(sub, deps);
}

function wantsStack(argv: readonly string[], deps: Deps): boolean {
  const levels = new Set(['debug', 'silly']);
  for (const [i, arg] of argv.entries()) {
    if (arg === '--log-level' && levels.has(argv[i + 1] ?? '')) return true;
    if (arg.startsWith('--log-level=') && levels.has(arg.slice('--log-level='.length))) return true;
  }
  return !argv.includes('--log-level') && levels.has(deps.env.CTRLQ_LOG_LEVEL ?? '');
}

/** Ctrl-Q 3.x had the session commands at the top level; 4.0 moved them under `qseow`. */
const CTRLQ_3_COMMANDS = new Set(['session-get', 'session-delete']);

/** Ctrl-Q 3.x's `ctrl-q session-get …` runs `ctrl-q qseow session-get …`, with a one-line notice on stderr. */
function withCtrlQ3Alias(argv: readonly string[], deps: Deps): string[] {
  const [first, ...rest] = argv;
  if (first === undefined || !CTRLQ_3_COMMANDS.has(first)) return [...argv];
  deps.io.stderr.write(`note: 'ctrl-q ${first}' is Ctrl-Q 3.x's name for 'ctrl-q qseow ${first}'; running that (use the qseow form in scripts)\n`);
  return ['qseow', first, ...rest];
}

export async function main(argv: readonly string[], deps: Deps): Promise<number> {
  const program = buildProgram(deps);
  try {
    await loadEnvListSplitter(deps.env);
    await program.parseAsync(withCtrlQ3Alias(argv, deps), { from: 'user' });
    return ExitCode.Ok;
  } catch (err) {
    return handleError(err, argv, deps);
  }
}

function handleError(err: unknown, argv: readonly string[], deps: Deps): number {
  if (err instanceof CommanderError) {
    // Commander has already printed its message (or the help text).
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return ExitCode.Ok;
    return ExitCode.Usage;
  }
  const stderr = deps.io.stderr;
  if (!isReported(err)) {
    // Messages may carry site text (host names, server answers): one line each, escapes visible.
    stderr.write(`error: ${shown(errorMessage(err))}\n`);
    if (err instanceof CliError && err.hint) stderr.write(`${shown(err.hint)}\n`);
    if (wantsStack(argv, deps) && err instanceof Error && err.stack) stderr.write(`${shownLines(err.stack)}\n`);
  }
  if (err instanceof CliError) return err.exitCode;
  if (!(err instanceof Error) || !wantsStack(argv, deps)) {
    stderr.write('This is a bug in ctrl-q; run again with --log-level debug to see where it happened.\n');
  }
  return ExitCode.Failure;
}
