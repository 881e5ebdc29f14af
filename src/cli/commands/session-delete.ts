/** `ctrl-q qseow session-delete` (being written). */
import { Command } from 'commander';
import type { Deps } from '../context.js';

export function newSessionDeleteCommand(_deps: Deps): Command {
  return new Command('session-delete').description('delete proxy sessions');
}
