/**
 * Text from the site (user ids, names, attributes, prefixes, host names, error bodies) is untrusted:
 * identity providers and servers put it there. This is the one place that makes it safe to show.
 *
 * - `shown()` for a terminal or a log file: every control character (C0, DEL, C1) and every
 *   character that can reorder or hide text (bidirectional overrides, line separators) becomes a
 *   visible escape such as `\x1b` or `\u009b`, so no escape sequence from the site ever reaches the
 *   terminal. Newlines in site text are escaped too; only the layout's own newlines stay.
 * - `shownLines()` for a whole message or screen that ctrl-q laid out: the same escapes for every
 *   character but `\n`, so its lines stay lines. The site values inside must have been through
 *   `shown()` already (a newline of theirs would otherwise start a line); the logger and the prompts
 *   apply it to everything they print, so a value that missed `shown()` still cannot send an escape.
 * - `jsonSafe()` for JSON text: the string values stay exactly the same, but the characters that
 *   JSON.stringify leaves raw (DEL, C1, U+2028/U+2029, bidi controls) are written as `\uXXXX`.
 */

/** C0 controls, DEL, C1 controls, and the format characters that can disguise text. */
// Matching control characters is this module's whole purpose.
/* eslint-disable no-control-regex */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
// The tests come in two halves: one class spanning both ranges makes V8 scan ten times slower (a
// 100,000-row JSON listing), while the half above U+00FF costs nothing on text with none of those.
const CONTROL_TEST = /[\u0000-\u001f\u007f-\u009f]/;
/** The same but for `\n`. */
const CONTROL_BUT_NEWLINE_TEST = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;
/** DEL and C1: what JSON.stringify leaves raw below U+0100. */
const DEL_C1_TEST = /[\u007f-\u009f]/;
const FORMAT_TEST = /[\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
/* eslint-enable no-control-regex */

/** Outside strings JSON.stringify writes none of these, and inside them it leaves these raw. */
const JSON_RAW = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Readonly<Record<string, string>> = { '\t': '\\t', '\n': '\\n', '\r': '\\r' };

function hex(code: number, digits: number): string {
  return code.toString(16).padStart(digits, '0');
}

function visible(char: string): string {
  const named = NAMED[char];
  if (named !== undefined) return named;
  const code = char.charCodeAt(0);
  return code < 0x80 ? `\\x${hex(code, 2)}` : `\\u${hex(code, 4)}`;
}

/** Site text as it may be shown on a terminal or written to a log file. */
export function shown(text: string): string {
  // The test first: almost all text is clean, and then no new string is made.
  return CONTROL_TEST.test(text) || FORMAT_TEST.test(text) ? text.replace(UNSAFE, visible) : text;
}

/** Text laid out by ctrl-q (site values in it already `shown()`): every unsafe character but `\n` escaped. */
export function shownLines(text: string): string {
  return CONTROL_BUT_NEWLINE_TEST.test(text) || FORMAT_TEST.test(text)
    ? text.replace(UNSAFE, (char) => (char === '\n' ? char : visible(char)))
    : text;
}

/** JSON text (from JSON.stringify) with the characters it leaves raw written as `\uXXXX`. */
export function jsonSafe(json: string): string {
  return DEL_C1_TEST.test(json) || FORMAT_TEST.test(json) ? json.replace(JSON_RAW, (char) => `\\u${hex(char.charCodeAt(0), 4)}`) : json;
}
