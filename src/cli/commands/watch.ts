/**
 * session-get over time. `--watch <seconds>` reads the site again and again until Ctrl-C: on a
 * terminal the screen is redrawn in place, on a pipe each refresh is one line (text formats) or one
 * compact JSON object (json, summary-json). `--wait-until-empty <minutes>` checks until no session
 * is left — exit 0 — or the time runs out — exit 5, naming who is still connected.
 */
import { setMaxListeners } from 'node:events';
import { Writable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import { AuthError, CliError, ExitCode, PartialFailureError, UsageError, WaitTimeoutError, errorMessage } from '../../errors.js';
import { outputClosed, write } from '../../io/streams.js';
import { shown } from '../../safe-text.js';
import { formatChange } from '../../render/summary.js';
import { isComplete } from '../../sessions/list.js';
import type { CommandContext } from '../context.js';
import type { GetOutputFormat } from '../options.js';
import { failureOutcome } from './listing.js';
import { GET_FORMATS, writeSnapshot } from './get-formats.js';
import { summarizeSnapshot, type Snapshot } from './snapshot.js';
import { count } from '../../plural.js';

/**
 * Reads the site once; `repeat` is true from the second reading on (quieter logging). `signal`
 * (default: the run's) stops the reading: Ctrl-C, or --wait-until-empty's deadline.
 */
export type ReadSnapshot = (repeat: boolean, signal?: AbortSignal) => Promise<Snapshot>;

export interface WatchSettings {
  intervalMs: number;
  format: GetOutputFormat;
}

export interface WaitSettings extends WatchSettings {
  timeoutMs: number;
}

/** Waits up to `ms`; returns early (without throwing) when the signal is aborted. */
async function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (ms <= 0 || signal?.aborted) return;
  try {
    await delay(ms, undefined, { signal });
  } catch (err) {
    if (!signal?.aborted) throw err;
  }
}

/**
 * Errors that no amount of waiting fixes: bad options at any time; certificates or rights refused
 * on the first reading (later, a node that restarts may refuse for a moment).
 */
function isFatal(err: unknown, firstReading: boolean): boolean {
  return err instanceof UsageError || (firstReading && err instanceof AuthError);
}

/**
 * Reads once and settles the outcome: the snapshot when at least part of the site answered
 * (`failed` counts the pairs that did not, already reported on stderr), else the error.
 */
async function readOnce(
  read: ReadSnapshot,
  repeat: boolean,
  ctx: CommandContext,
  report: (snapshot: Snapshot) => Promise<void>,
  deadline?: AbortSignal,
): Promise<{ snapshot: Snapshot; failed: number } | { error: unknown } | { cutShort: true }> {
  let snapshot: Snapshot;
  try {
    snapshot = await read(repeat, deadline);
  } catch (error) {
    if (deadline?.aborted && !ctx.signal?.aborted) return { cutShort: true };
    return { error };
  }
  if (deadline?.aborted && !ctx.signal?.aborted) return { cutShort: true };
  if (ctx.signal?.aborted) return { error: new CliError('interrupted', ExitCode.Failure) };
  const { failures, results } = snapshot.listing;
  if (failures.length > 0 && results.length === 0) {
    return { error: failureOutcome(snapshot.listing, ctx) };
  }
  // Output first, then the failed pairs: on a terminal the redraw would wipe them otherwise.
  await report(snapshot);
  failureOutcome(snapshot.listing, ctx);
  return { snapshot, failed: failures.length };
}

function clock(time: Date): string {
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${two(time.getHours())}:${two(time.getMinutes())}:${two(time.getSeconds())}`;
}

/**
 * One format for every duration shown: tenths of a second below 10 s, trailing ".0" dropped ("0.5 s",
 * "1.9 s", "2 s"), then whole seconds, minutes and hours ("45 s", "12 min 30 s", "1 h 5 min").
 */
export function formatDuration(ms: number): string {
  if (ms < 9_950) return `${Math.max(0, Math.round(ms / 100)) / 10} s`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  const rest = seconds % 60;
  if (minutes < 60) return rest === 0 ? `${minutes} min` : `${minutes} min ${rest} s`;
  const hours = Math.floor(minutes / 60);
  return `${hours} h ${minutes % 60} min`;
}

/** Collects what a renderer writes, to draw a whole frame at once. */
class TextSink extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.text += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    callback();
  }
}

const HOME = '\x1b[H';
const CLEAR_SCREEN = '\x1b[2J';
const CLEAR_LINE_END = '\x1b[K';
const CLEAR_BELOW = '\x1b[J';
const WRAP_OFF = '\x1b[?7l';
const WRAP_ON = '\x1b[?7h';

/**
 * One redrawn frame: cursor home, every line cleared to its end, everything below the frame
 * cleared (the first frame clears the whole screen), so nothing of the last frame is left over.
 * Lines wider than the terminal are cut rather than wrapped, and a frame taller than the terminal
 * is cut to fit with a note, so the cursor-home of the next frame still lands on its first line.
 */
export function frame(text: string, first: boolean, rows?: number, format?: GetOutputFormat): string {
  let lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  if (rows !== undefined && lines.length > rows - 1) {
    const hidden = lines.length - (rows - 2);
    const shorter = format === 'summary' ? '' : ', or use --output-format summary';
    lines = [...lines.slice(0, rows - 2), `… ${count(hidden, 'more line', 'more lines')}: make the window taller${shorter}`];
  }
  const body = lines.map((line) => `${line}${CLEAR_LINE_END}\n`).join('');
  return `${HOME}${first ? CLEAR_SCREEN : ''}${WRAP_OFF}${body}${WRAP_ON}${CLEAR_BELOW}`;
}

/** The terminal's height, when stdout is one that says. */
function terminalRows(out: Writable): number | undefined {
  const rows: unknown = (out as { rows?: unknown }).rows;
  return typeof rows === 'number' && rows >= 5 ? rows : undefined;
}

export async function watchSessions(read: ReadSnapshot, settings: WatchSettings, ctx: CommandContext): Promise<void> {
  const { io, log, signal } = ctx;
  const tty = io.stdoutIsTTY;
  /** The first successful reading: its time and count (not the whole snapshot, kept for hours). */
  let first: { time: Date; total: number } | undefined;
  let frames = 0;
  // Stops on Ctrl-C, and when stdout can take no more (`--watch 5 | head -3`, a full disk).
  for (let reading = 0; !signal?.aborted && !outputClosed(io); reading++) {
    const started = Date.now();
    const outcome = await readOnce(read, reading > 0, ctx, async (snapshot) => {
      first ??= { time: snapshot.time, total: snapshot.rows.length };
      const change = snapshot.rows.length - first.total;
      const failed = snapshot.listing.failures.length;
      if (tty) {
        const sink = new TextSink();
        const partial =
          failed > 0
            ? ` · ${count(failed, '(virtual proxy, node) pair')} could not be read, see below`
            : isComplete(snapshot.listing)
              ? ''
              : ' · nothing to read';
        await write(
          sink,
          `Every ${formatDuration(settings.intervalMs)} · last refresh ${clock(snapshot.time)} · ${count(snapshot.rows.length, 'session')} ` +
            `(${formatChange(change)} since ${clock(first.time)})${partial} · Ctrl-C to stop\n\n`,
        );
        await writeSnapshot(sink, settings.format, snapshot);
        await write(io.stdout, frame(sink.text, frames === 0, terminalRows(io.stdout), settings.format));
        frames++;
      } else {
        await write(io.stdout, GET_FORMATS[settings.format].watchLine(snapshot, change));
      }
    });
    if (signal?.aborted || outputClosed(io)) break;
    if ('error' in outcome) {
      if (isFatal(outcome.error, first === undefined)) throw outcome.error;
      log.error(`Refresh at ${clock(new Date())} failed: ${shown(errorMessage(outcome.error))}; trying again in ${formatDuration(settings.intervalMs)}`);
    }
    await pause(started + settings.intervalMs - Date.now(), signal);
  }
  // Ctrl-C is how a watch ends: a normal end, exit 0.
}

function nameUsers(snapshot: Snapshot, max = 10): string {
  const users = summarizeSnapshot(snapshot).users.map((u) => shown(u.user));
  const named = users.slice(0, max).join(', ');
  return users.length > max ? `${named} and ${users.length - max} more` : named;
}

function countText(snapshot: Snapshot): string {
  const users = summarizeSnapshot(snapshot).distinctUsers;
  const s = snapshot.rows.length;
  return `${count(s, 'session')} of ${count(users, 'user')}`;
}

/** How long after the deadline of --wait-until-empty a check still in flight may take. */
const LAST_CHECK_MS = 10_000;

/** Why a reading without sessions does not show the site empty: undefined when it does. */
function unconfirmed(snapshot: Snapshot, failed: number): string | undefined {
  if (failed > 0) return `${count(failed, '(virtual proxy, node) pair')} could not be read`;
  if (!isComplete(snapshot.listing)) {
    return 'there was no (virtual proxy, node) pair to read (QRS listed no proxy service or no virtual proxy, or none of the selection is linked to a proxy)';
  }
  return undefined;
}

/** What the checks of --wait-until-empty have found so far. */
interface WaitState {
  readonly start: number;
  /** The last reading that succeeded, at least in part. */
  last?: Snapshot;
  lastError?: unknown;
  lastCheckFailed: boolean;
  /** Why the last reading without sessions does not show the site empty. */
  why?: string;
  checks: number;
}

/** Logs one check and notes it in `state`: 'empty' when the site is empty, 'cutShort' when the time ran out during it. */
async function noteCheck(
  outcome: Awaited<ReturnType<typeof readOnce>>,
  state: WaitState,
  next: string,
  settings: WaitSettings,
  ctx: CommandContext,
): Promise<'empty' | 'cutShort' | 'goOn'> {
  const { io, log } = ctx;
  if ('cutShort' in outcome) {
    log.warn(`Check ${state.checks} was still waiting for answers when the time ran out`);
    state.lastCheckFailed = true;
    state.lastError = new WaitTimeoutError(
      `could not read the sessions within ${formatDuration(settings.timeoutMs)}: the site had not answered when the time ran out`,
    );
    return 'cutShort';
  }
  if ('error' in outcome) {
    if (isFatal(outcome.error, state.last === undefined)) throw outcome.error;
    state.lastError = outcome.error;
    state.lastCheckFailed = true;
    log.error(`Check ${state.checks} failed: ${shown(errorMessage(outcome.error))}${next}`);
    return 'goOn';
  }
  const { snapshot, failed } = outcome;
  state.last = snapshot;
  state.lastCheckFailed = false;
  state.why = unconfirmed(snapshot, failed);
  if (state.why === undefined && snapshot.rows.length === 0) {
    await writeSnapshot(io.stdout, settings.format, snapshot);
    log.info(`No sessions left (check ${state.checks}, after ${formatDuration(Date.now() - state.start)})`);
    return 'empty';
  }
  if (snapshot.rows.length === 0) {
    const seen = failed > 0 ? 'No sessions on the nodes that answered' : 'No sessions seen';
    log.warn(`${seen}, but ${state.why ?? 'the site was not read'}: not empty yet${next}`);
  } else {
    log.info(`Still connected: ${countText(snapshot)} (${nameUsers(snapshot, 5)})${next}`);
  }
  return 'goOn';
}

/** The end of a wait that did not see the site empty: the last sessions seen on stdout, and the error. */
async function notEmpty(state: WaitState, settings: WaitSettings, ctx: CommandContext): Promise<never> {
  const { last, lastError, lastCheckFailed, why } = state;
  const waited = formatDuration(settings.timeoutMs);
  if (last === undefined) {
    // Never read the site: who is connected is unknown, and the reason is the error itself.
    if (lastError instanceof CliError) throw lastError;
    throw new CliError(`could not read the sessions within ${waited}: ${errorMessage(lastError)}`, ExitCode.Failure);
  }
  await writeSnapshot(ctx.io.stdout, settings.format, last);
  const asOf = lastCheckFailed ? ` (as of ${clock(last.time)}; the last check failed)` : '';
  if (last.rows.length === 0) {
    // Not known to be empty, and no session seen either: neither 0 nor "still connected" (5).
    throw new PartialFailureError(`could not confirm within ${waited} that no session is left: ${why ?? 'unknown'}${asOf}`);
  }
  throw new WaitTimeoutError(
    `still connected after ${waited}: ${countText(last)}${asOf}: ${nameUsers(last)}${why === undefined ? '' : `; and ${why}`}`,
  );
}

/**
 * Checks every interval until no session is left after the filters (exit 0) or the time is up
 * (exit 5, the sessions still there on stdout). A reading never counts as empty when a pair could not
 * be read (its sessions are unknown) or there was no pair to read (QRS listed no proxy service or no
 * virtual proxy, e.g. for a user without rights): if that lasts to the end, exit 3, not 0 nor 5.
 */
export async function waitUntilEmpty(read: ReadSnapshot, settings: WaitSettings, ctx: CommandContext): Promise<void> {
  const { signal } = ctx;
  const state: WaitState = { start: Date.now(), lastCheckFailed: false, checks: 0 };
  const deadline = state.start + settings.timeoutMs;
  const interrupted = (): CliError =>
    new CliError(`interrupted while waiting for the sessions to end (${count(state.checks, 'check')})`, ExitCode.Failure);
  // The deadline also stops a check whose requests hang (a node that answers slowly, within
  // --timeout each time, or QRS then QPS then a retry): the wait ends on time whatever the site
  // does. The last check starts at the deadline, so it gets LAST_CHECK_MS to finish.
  const timeUp = new AbortController();
  const timer = setTimeout(() => timeUp.abort(), settings.timeoutMs + LAST_CHECK_MS);
  const stop = signal ? AbortSignal.any([signal, timeUp.signal]) : timeUp.signal;
  setMaxListeners(0, stop); // every request in flight listens on it
  try {
    for (;;) {
      const started = Date.now();
      const outcome = await readOnce(read, state.checks > 0, ctx, async () => undefined, stop);
      state.checks++;
      if (signal?.aborted) throw interrupted();
      const remaining = deadline - Date.now();
      const next = remaining > 0 ? `; next check in ${formatDuration(Math.min(settings.intervalMs, remaining))}, ${formatDuration(remaining)} left` : '';
      const noted = await noteCheck(outcome, state, next, settings, ctx);
      if (noted === 'empty') return;
      if (noted === 'cutShort' || remaining <= 0) break;
      await pause(Math.min(started + settings.intervalMs, deadline) - Date.now(), signal);
      if (signal?.aborted) throw interrupted();
    }
  } finally {
    clearTimeout(timer);
  }
  await notEmpty(state, settings, ctx);
}
