import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { SessionRow } from '../../src/sessions/rows.js';
import type { TargetFailure } from '../../src/sessions/fetch.js';
import type { ProxyNode, Target } from '../../src/sessions/site.js';
import { summarize } from '../../src/sessions/summary.js';
import { formatChange, renderSummaryTable, summaryLine, toSummaryJson, virtualProxyLabels } from '../../src/render/summary.js';
import { formatDuration, frame } from '../../src/cli/commands/watch.js';
import { renderTableChunks, renderWithCliTable3 } from '../../src/render/table.js';

const proxy = (name: string, host: string): ProxyNode => ({ id: `${name}-id`, name, host, port: 4243, linkedVirtualProxyIds: new Set() });
const proxies: [ProxyNode, ProxyNode, ProxyNode] = [proxy('Central', 'central.lab'), proxy('dev1', 'dev1.lab'), proxy('rim', 'rim.lab')];

function row(prefix: string, cookie: string, host: string, userDir: string, userId: string, sessionId: string): SessionRow {
  return {
    vpDescription: `${prefix} vp`,
    vpPrefix: prefix,
    vpSessionCookieHeaderName: cookie,
    proxyHost: host,
    proxyName: host.split('.')[0] as string,
    proxyFull: '',
    loadBalancingNodes: '',
    userDir,
    userId,
    userName: '',
    attributes: '',
    sessionId,
  };
}

const rows: SessionRow[] = [
  row('', 'X-Qlik-Session', 'central.lab', 'LAB', 'goran', 's1'),
  row('finance', 'X-Qlik-Session-finance', 'central.lab', 'LAB', 'anna', 's2'),
  row('finance', 'X-Qlik-Session-finance', 'dev1.lab', 'lab', 'Anna', 's3'),
  row('hdr', 'X-Qlik-Session-hdr-dev', 'dev1.lab', 'CORP', 'bob', 's4'),
  row('hdr', 'X-Qlik-Session-hdr-central', 'central.lab', 'CORP', 'bob', 's5'),
];

describe('summarize', () => {
  const summary = summarize(rows, proxies);

  it('counts the total and every proxy node, zero included, in QRS order', () => {
    assert.equal(summary.total, 5);
    assert.deepEqual(summary.perProxyNode, [
      { name: 'Central', host: 'central.lab', sessions: 3 },
      { name: 'dev1', host: 'dev1.lab', sessions: 2 },
      { name: 'rim', host: 'rim.lab', sessions: 0 },
    ]);
  });

  it('counts per virtual proxy, telling apart two virtual proxies with one prefix', () => {
    assert.deepEqual(
      summary.perVirtualProxy.map((vp) => [vp.prefix, vp.sessionCookieHeaderName, vp.sessions]),
      [
        ['', 'X-Qlik-Session', 1],
        ['finance', 'X-Qlik-Session-finance', 2],
        ['hdr', 'X-Qlik-Session-hdr-central', 1],
        ['hdr', 'X-Qlik-Session-hdr-dev', 1],
      ],
    );
    assert.deepEqual(virtualProxyLabels(summary.perVirtualProxy), [
      '(default)',
      'finance',
      'hdr [X-Qlik-Session-hdr-central]',
      'hdr [X-Qlik-Session-hdr-dev]',
    ]);
  });

  it('counts distinct users without regard to case, sorted, with their sessions', () => {
    assert.equal(summary.distinctUsers, 3);
    assert.deepEqual(
      summary.users.map((u) => [u.user, u.sessions]),
      [
        ['CORP\\bob', 2],
        ['LAB\\anna', 2],
        ['LAB\\goran', 1],
      ],
    );
  });

  it('is all zeros for no sessions, still listing every node', () => {
    const empty = summarize([], proxies);
    assert.deepEqual(toSummaryJson(empty), {
      total: 0,
      complete: true,
      distinctUsers: 0,
      perProxyNode: proxies.map((p) => ({ name: p.name, host: p.host, sessions: 0 })),
      perVirtualProxy: [],
      users: [],
    });
  });
});

describe('summarize with unread targets', () => {
  const vp = (id: string, prefix: string): Target['vp'] =>
    ({ id, prefix, description: `${prefix} vp`, sessionCookieHeaderName: `X-Qlik-Session-${prefix}`, loadBalancingServerNodes: [] });
  const finance = vp('f', 'finance');
  const sales = vp('s', 'sales');
  const [central, dev1, rim] = proxies;
  const targets: Target[] = [
    { vp: finance, node: central },
    { vp: finance, node: dev1 },
    { vp: sales, node: dev1 },
    { vp: finance, node: rim },
  ];
  const failure = (target: Target, reason: string): TargetFailure => ({ target, reason, error: new Error(reason) });

  it('marks each node and virtual proxy not fully read with the reason: how many unread, other errors counted', () => {
    const failures = [failure(targets[1] as Target, 'refused'), failure(targets[2] as Target, 'HTTP 500'), failure(targets[3] as Target, 'timeout')];
    const summary = summarize(rows.slice(0, 2), proxies, { targets, failures });
    assert.equal(summary.complete, false);
    assert.deepEqual(
      summary.perProxyNode.map((p) => [p.name, p.sessions, p.unread]),
      [
        ['Central', 2, undefined],
        ['dev1', 0, 'refused (and 1 other error)'],
        ['rim', 0, 'timeout'],
      ],
    );
    assert.deepEqual(
      summary.perVirtualProxy.map((v) => [v.prefix, v.sessions, v.unread]),
      [
        ['', 1, undefined],
        ['finance', 1, '2 of 3 proxy nodes unread: refused (and 1 other error)'],
        ['sales', 0, 'HTTP 500'],
      ],
    );
    const json = toSummaryJson(summary);
    assert.deepEqual(json.perProxyNode[1], { name: 'dev1', host: 'dev1.lab', sessions: null, error: 'refused (and 1 other error)' });
    assert.match(renderSummaryTable(summary), /│ Total\s+│\s+│ at least 2 │/);
  });

  it('is complete only with at least one target and no failure', () => {
    assert.equal(summarize([], proxies, { targets: [], failures: [] }).complete, false);
    assert.equal(summarize([], proxies, { targets, failures: [] }).complete, true);
    assert.match(renderSummaryTable(summarize([], proxies, { targets: [], failures: [] })), /│ Total\s+│\s+│ unknown\s+│/);
  });
});

describe('summary rendering', () => {
  it('draws one compact table: a row per kind of count, names and counts as lines in the cells', () => {
    const text = renderSummaryTable(summarize(rows, proxies));
    const lines = text.split('\n');
    assert.equal(lines[0]?.startsWith('┌'), true);
    assert.equal(lines.at(-1)?.startsWith('└'), true);
    assert.match(text, /│ Total\s+│\s+│ 5\s+│/);
    assert.match(text, /│ Proxy nodes\s+│ Central \(central\.lab\)\s+│ 3\s+│\n│\s+│ dev1 \(dev1\.lab\)\s+│ 2\s+│\n│\s+│ rim \(rim\.lab\)\s+│ 0\s+│/);
    assert.match(text, /│ Virtual proxies\s+│ \(default\)\s+│ 1\s+│/);
    assert.match(text, /│ Distinct users: 3\s+│ CORP\\bob\s+│ 2\s+│/);
    // Four sections, each closed by a separator: no separator between the names of one section.
    assert.equal(lines.filter((l) => l.startsWith('├')).length, 4);
    assert.equal(lines.length, 1 + 1 + 1 + 1 + 1 + 3 + 1 + 4 + 1 + 3 + 1);
  });

  it('lays out multi-line cells the same way without cli-table3 (used for long user lists)', () => {
    const head = ['', '', 'Sessions'];
    const cells = [
      ['Total', '', '12'],
      ['Proxy nodes', 'Central (a)\ndev1 (b)', '10\n 2'],
      ['Distinct users: 3', 'LAB\\x\nLAB\\yy\nCORP\\zzzzzzzzzzzz', ' 1\n 1\n10'],
    ];
    assert.equal([...renderTableChunks(head, cells)].join(''), renderWithCliTable3(head, cells));
  });

  it('draws thousands of users (one line each) without cli-table3', { timeout: 20_000 }, () => {
    const many = Array.from({ length: 5000 }, (_, i) => row('', 'X-Qlik-Session', 'central.lab', 'LAB', `user${String(i).padStart(4, '0')}`, `s${i}`));
    const text = renderSummaryTable(summarize(many, proxies));
    const lines = text.split('\n');
    assert.equal(lines.length, 1 + 1 + 1 + 1 + 1 + 3 + 1 + 1 + 1 + 5000 + 1);
    assert.match(text, /│ Distinct users: 5000 │ LAB\\user0000\s+│ {4}1\s+│/);
    assert.match(lines.at(-2) ?? '', /│\s+│ LAB\\user4999\s+│ {4}1\s+│/);
  });

  it('writes one line per refresh for pipes, and signed changes', () => {
    const summary = summarize(rows, [proxy('Central', 'central.lab'), proxy('rim node', 'rim.lab')]);
    assert.equal(
      summaryLine(new Date('2024-05-01T10:00:00.000Z'), summary, -2),
      '2024-05-01T10:00:00.000Z sessions=5 change=-2 users=3 Central=3 rim_node=0',
    );
    assert.match(summaryLine(new Date(0), summary, 0), / change=\+0 /);
    assert.deepEqual([formatChange(3), formatChange(-1), formatChange(0)], ['+3', '-1', '±0']);
  });
});

describe('watch frames', () => {
  it('redraws in place: cursor home, lines cleared to their end, the rest of the screen cleared', () => {
    const first = frame('a\nbb\n', true);
    assert.equal(first, '\x1b[H\x1b[2J\x1b[?7la\x1b[K\nbb\x1b[K\n\x1b[?7h\x1b[J');
    const next = frame('a\n', false);
    assert.equal(next, '\x1b[H\x1b[?7la\x1b[K\n\x1b[?7h\x1b[J');
  });

  it('cuts a frame taller than the terminal and says how much is hidden', () => {
    const text = Array.from({ length: 30 }, (_, i) => `line ${i}`).join('\n');
    const out = frame(`${text}\n`, false, 10);
    const shown = out.split('\n').filter((l) => l.includes('line '));
    assert.equal(shown.length, 8);
    assert.match(out, /… 22 more lines/);
    assert.equal(out.split('\n').length - 1, 9, 'fits in 10 rows with the cursor on the last');
  });

  it('suggests --output-format summary only when another format is in use', () => {
    const text = `${Array.from({ length: 30 }, (_, i) => `line ${i}`).join('\n')}\n`;
    assert.ok(frame(text, false, 10, 'table').includes('… 22 more lines: make the window taller, or use --output-format summary\x1b[K\n'));
    assert.ok(frame(text, false, 10, 'summary').includes('… 22 more lines: make the window taller\x1b[K\n'));
  });
});

describe('durations in messages', () => {
  it('have one format: tenths below 10 s without a trailing .0, then whole seconds, minutes, hours', () => {
    assert.deepEqual(
      [500, 1900, 1999.6, 2000, 2049, 9_949, 9_950, 45_000, 60_000, 750_000, 3_900_000].map(formatDuration),
      ['0.5 s', '1.9 s', '2 s', '2 s', '2 s', '9.9 s', '10 s', '45 s', '1 min', '12 min 30 s', '1 h 5 min'],
    );
  });
});
