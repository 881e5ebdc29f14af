/**
 * The README's quick start, `npm run demo`, as a newcomer runs it: exit 0, the seed site's five
 * sessions in the table on stdout, and the simulator started and stopped on stderr.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { ROOT } from '../helpers/build.js';

function npmRunDemo(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', '--silent', 'demo'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm run demo (the quick start)', () => {
  it('lists the seed site: five sessions on Central, none on dev1, exit 0', { timeout: 120_000 }, async () => {
    const result = await npmRunDemo();
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^Total number of sessions: 5$/m);
    assert.match(result.stdout, /^ {3}Central: 127\.0\.0\.2: 5$/m);
    assert.match(result.stdout, /^ {3}dev1: 127\.0\.0\.3: 0$/m);
    for (const user of ['goran', 'testuser_1', 'testuser_2', 'testuser_3', 'testuser_4']) {
      assert.match(result.stdout, new RegExp(`│ LAB +│ ${user} +│`), `${user} in the table`);
    }
    assert.ok(result.stderr.startsWith("Starting the Qlik Sense simulator (seed scenario: the two-node site from Ctrl-Q's docs)...\n"), result.stderr);
    assert.ok(result.stderr.endsWith('\nSimulator stopped.\n'), result.stderr);
  });
});
