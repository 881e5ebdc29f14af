/**
 * Questions to the person at the terminal, drawn on stderr (stdout stays data). inquirer is loaded
 * only when a question is asked, so runs that never ask do not pay for it at start-up.
 */
import type { Readable, Writable } from 'node:stream';
import { CancelledError } from '../errors.js';
import { shownLines } from '../safe-text.js';

export interface Choice {
  name: string;
  value: string;
}

export interface Prompter {
  /** Yes/no, "no" by default. */
  confirm(message: string): Promise<boolean>;
  /** The values of the ticked choices. */
  checklist(message: string, choices: readonly Choice[]): Promise<string[]>;
}

/** `signal`: aborting it (SIGTERM, SIGHUP) takes the question away; nothing is deleted then. */
export function inquirerPrompter(input: Readable, output: Writable, signal?: AbortSignal): Prompter {
  const ask = async <T>(question: Record<string, unknown>): Promise<T> => {
    const { createPromptModule } = (await import('inquirer')).default;
    const prompt = createPromptModule({ input, output, ...(signal === undefined ? {} : { signal }) });
    try {
      const answers = (await prompt([{ ...question, name: 'answer' }] as never)) as { answer: T };
      return answers.answer;
    } catch (err) {
      // Ctrl-C or Ctrl-D at the prompt: nothing has been deleted.
      if (err instanceof Error && (err.name === 'ExitPromptError' || err.name === 'AbortPromptError')) {
        throw new CancelledError('Cancelled at the prompt, nothing was deleted.');
      }
      throw err;
    }
  };
  // Questions and choices are built from shown() site text; no control character but a line break
  // reaches the terminal even if one was missed.
  return {
    confirm: (message) => ask<boolean>({ type: 'confirm', message: shownLines(message), default: false }),
    checklist: (message, choices) =>
      ask<string[]>({
        type: 'checkbox',
        message: shownLines(message),
        choices: choices.map((c) => ({ name: shownLines(c.name), value: c.value })),
        pageSize: 15,
      }),
  };
}
