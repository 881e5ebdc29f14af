/**
 * The README's examples, run against the simulator's seed site, so the commands and outputs shown
 * cannot drift from what ctrl-q does. An example is marked in the README with a comment before its
 * command block: `<!-- checked-example: exit 3; down dev1 -->` (the exit code, and faults to set
 * first). The block after the command (```text or ```json) is the expected output: every line of it
 * must appear in the output, in order (JSON: the same value). The site's real host names and ports
 * in the README stand for the simulator's loopback addresses and ports.
 */
import { beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runCli, type CliResult } from '../helpers/cli.js';
import { resetToScenario, useSeedSite } from '../helpers/site.js';
import type { Simulator } from '../simulator/server.js';

const README = fileURLToPath(new URL('../../README.md', import.meta.url));

interface Example {
  line: number;
  command: string;
  expected: { lang: string; text: string };
  exit: number;
  down: string[];
}

/** The marked examples: the command block and the output block after each marker. */
export function markedExamples(markdown: string): Example[] {
  const lines = markdown.split('\n');
  const examples: Example[] = [];
  const block = (from: number): { lang: string; text: string; end: number } => {
    let i = from;
    while (i < lines.length && !/^```/.test(lines[i] ?? '')) i++;
    const lang = (lines[i] ?? '').slice(3).trim();
    const start = i + 1;
    let end = start;
    while (end < lines.length && lines[end] !== '```') end++;
    return { lang, text: lines.slice(start, end).join('\n'), end: end + 1 };
  };
  lines.forEach((text, i) => {
    const marker = /^<!-- checked-example:?(.*)-->$/.exec(text);
    if (!marker) return;
    const options = (marker[1] ?? '').split(';').map((o) => o.trim()).filter((o) => o !== '');
    const command = block(i + 1);
    const expected = block(command.end);
    const exitOption = options.find((o) => o.startsWith('exit '));
    examples.push({
      line: i + 1,
      command: command.text.replace(/^\$ /, '').replace(/\s*\\\n\s*/g, ' ').trim(),
      expected: { lang: expected.lang, text: expected.text },
      exit: exitOption === undefined ? 0 : Number(exitOption.slice(5)),
      down: options.filter((o) => o.startsWith('down ')).map((o) => o.slice(5)),
    });
  });
  return examples;
}

/** Words of a shell command line: whitespace-separated, '' and "" quotes removed. */
function words(command: string): string[] {
  return [...command.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3] ?? '');
}

/** The README's site as the simulator runs it: its host names, ports and certificates. */
class SiteMap {
  constructor(private readonly sim: Simulator) {}

  private get hosts(): [string, string][] {
    return this.sim.nodes.map((n) => [n.hostName ?? n.name, n.address]);
  }

  /** The README's command line as arguments for the built bin. */
  args(command: string): { args: string[]; firstRow: boolean } {
    const pipeline = command.split(' | ');
    let tokens = words(pipeline[0] ?? '');
    assert.equal(tokens.shift(), 'ctrl-q', command);
    // Redirections: stderr is read anyway, and runCli's stdin is never a terminal.
    const stdin = tokens.indexOf('<');
    if (stdin !== -1) tokens.splice(stdin, 2);
    tokens = tokens.filter((t) => t !== '2>/dev/null');
    const connection = this.sim.cliArgs();
    const out: string[] = [];
    for (let i = 0; i < tokens.length; i++) {
      const token = tokens[i] as string;
      if (token === '…') out.push(...connection);
      else if (token === '--host') {
        out.push(...connection);
        i++;
      } else if (token === '--auth-user-dir' || token === '--auth-user-id') i++;
      else out.push(this.hosts.find(([name]) => name === token)?.[1] ?? token);
    }
    return { args: out, firstRow: pipeline[1] === "jq '.[0]'" };
  }

  /** Output with the simulator's addresses and ports written as the README's site has them. */
  normalise(text: string): string {
    let result = text;
    for (const [name, address] of this.hosts) result = result.split(address).join(name);
    const port = this.sim.nodes[0]?.port;
    if (port !== undefined) result = result.split(`:${port}`).join(':4243');
    return result.split(`:${this.sim.qrs.port}`).join(':4242');
  }
}

const site = useSeedSite();
beforeEach(() => resetToScenario(site.sim));

describe('README examples', () => {
  const examples = markedExamples(readFileSync(README, 'utf8'));

  it('marks the examples that matter', () => {
    assert.ok(examples.length >= 5, `${examples.length} marked examples`);
  });

  for (const example of examples) {
    it(`README.md:${example.line}: ${example.command.slice(0, 90)}`, async () => {
      const map = new SiteMap(site.sim);
      for (const node of example.down) await site.sim.setFault(node, { kind: 'down' });
      const { args, firstRow } = map.args(example.command);
      const result: CliResult = await runCli(args);
      assert.equal(result.code, example.exit, `${result.stdout}\n${result.stderr}`);
      if (example.expected.lang === 'json') {
        const rows = JSON.parse(map.normalise(result.stdout)) as unknown[];
        assert.deepEqual(firstRow ? rows[0] : rows, JSON.parse(example.expected.text));
        return;
      }
      // Table columns are as wide as their longest cell: widths are not compared.
      const shape = (line: string): string => line.replace(/─+/g, '─').replace(/ +/g, ' ');
      const output = map.normalise(`${result.stdout}${result.stderr}`).split('\n').map(shape);
      let at = 0;
      for (const want of example.expected.text.split('\n')) {
        const found = output.indexOf(shape(want), at);
        assert.notEqual(found, -1, `README.md:${example.line}: not in the output (in this order):\n${want}\n\noutput:\n${output.join('\n')}`);
        at = found + 1;
      }
    });
  }
});
