import { describe, expect, it } from 'vitest';
import {
  escapeLabelValue,
  METRIC_NAMES,
  METRICS_CONTENT_TYPE,
  renderMetrics,
} from '../../src/node/metrics.js';
import type { NodeState, TreeNode } from '../../src/tree.js';
import { hasPromtool, parseExposition, promtoolCheck, seriesValue } from '../support/prometheus.js';

const child = (path: string, fields: Partial<TreeNode> = {}): TreeNode => ({
  id: path.split('/').pop()!,
  path,
  state: 'active',
  children: [],
  restarts: 0,
  failures: 0,
  delayMs: 0,
  ready: true,
  ...fields,
});

/** A group `app` with a process, one waiting to restart, and a nested supervisor. */
const tree: TreeNode = {
  id: 'app',
  path: 'app',
  state: 'running',
  ready: true,
  droppedMessages: 3,
  children: [
    child('app/web', { restarts: 2 }),
    child('app/worker', {
      state: 'backingOff',
      ready: false,
      restarts: 4,
      failures: 5,
      delayMs: 3_200,
    }),
    child('app/db', {
      state: 'running',
      droppedMessages: 0,
      children: [child('app/db/child', { state: 'stopping', ready: false, restarts: 1 })],
    }),
  ],
};

describe('renderMetrics', () => {
  it('writes every family with HELP and TYPE, one series per supervised child, in tree order', () => {
    expect(renderMetrics(tree)).toBe(
      [
        '# HELP xstate_supervisor_child_restarts_total Restarts of the supervised child since it was first started.',
        '# TYPE xstate_supervisor_child_restarts_total counter',
        'xstate_supervisor_child_restarts_total{path="app/web"} 2',
        'xstate_supervisor_child_restarts_total{path="app/worker"} 4',
        'xstate_supervisor_child_restarts_total{path="app/db"} 0',
        'xstate_supervisor_child_restarts_total{path="app/db/child"} 1',
        '# HELP xstate_supervisor_child_up 1 while the supervised child runs (also while it stops), 0 while it waits to restart or after it ended.',
        '# TYPE xstate_supervisor_child_up gauge',
        'xstate_supervisor_child_up{path="app/web"} 1',
        'xstate_supervisor_child_up{path="app/worker"} 0',
        'xstate_supervisor_child_up{path="app/db"} 1',
        'xstate_supervisor_child_up{path="app/db/child"} 1',
        '# HELP xstate_supervisor_child_ready 1 when the supervised child is ready, 0 otherwise.',
        '# TYPE xstate_supervisor_child_ready gauge',
        'xstate_supervisor_child_ready{path="app/web"} 1',
        'xstate_supervisor_child_ready{path="app/worker"} 0',
        'xstate_supervisor_child_ready{path="app/db"} 1',
        'xstate_supervisor_child_ready{path="app/db/child"} 0',
        '# HELP xstate_supervisor_child_consecutive_failures Failures of the supervised child in a row; 0 again after a stable run.',
        '# TYPE xstate_supervisor_child_consecutive_failures gauge',
        'xstate_supervisor_child_consecutive_failures{path="app/web"} 0',
        'xstate_supervisor_child_consecutive_failures{path="app/worker"} 5',
        'xstate_supervisor_child_consecutive_failures{path="app/db"} 0',
        'xstate_supervisor_child_consecutive_failures{path="app/db/child"} 0',
        '# HELP xstate_supervisor_child_backoff_seconds The backoff delay in force for the supervised child: the delay of its latest restart while its failures in a row last, 0 when it has none.',
        '# TYPE xstate_supervisor_child_backoff_seconds gauge',
        'xstate_supervisor_child_backoff_seconds{path="app/web"} 0',
        'xstate_supervisor_child_backoff_seconds{path="app/worker"} 3.2',
        'xstate_supervisor_child_backoff_seconds{path="app/db"} 0',
        'xstate_supervisor_child_backoff_seconds{path="app/db/child"} 0',
        '# HELP xstate_supervisor_dropped_messages_total Messages the supervisor or group dropped on purpose, each also reported as a message.dropped lifecycle event.',
        '# TYPE xstate_supervisor_dropped_messages_total counter',
        'xstate_supervisor_dropped_messages_total{path="app"} 3',
        'xstate_supervisor_dropped_messages_total{path="app/db"} 0',
        '',
      ].join('\n'),
    );
    expect(METRICS_CONTENT_TYPE).toBe('text/plain; version=0.0.4; charset=utf-8');
  });

  it('is read back by a strict reader of the format, counters ending in _total', () => {
    const families = parseExposition(renderMetrics(tree));
    expect([...families.keys()]).toEqual(METRIC_NAMES);
    for (const [name, family] of families) {
      expect(family.help).not.toBe('');
      expect(name.endsWith('_total')).toBe(family.type === 'counter');
      expect(name).toMatch(/^xstate_supervisor_/);
    }
    expect(seriesValue(families, 'xstate_supervisor_child_restarts_total', 'app/worker')).toBe(4);
  });

  it.skipIf(!hasPromtool)('passes promtool check metrics, the linter of Prometheus itself', () => {
    expect(promtoolCheck(renderMetrics(tree))).toEqual({ status: 0, output: '' });
  });

  it.each<[NodeState, number, number]>([
    ['running', 1, 1],
    ['active', 1, 1],
    ['stopping', 1, 0],
    ['backingOff', 0, 0],
    ['stopped', 0, 0],
    ['failed', 0, 0],
    ['done', 0, 0],
  ])('a child that is %s is up %i and ready %i', (state, up, ready) => {
    const { ready: _, ...noReady } = child('app/c', { state });
    const families = parseExposition(
      renderMetrics({ id: 'app', path: 'app', state: 'running', children: [noReady] }),
    );
    expect(seriesValue(families, 'xstate_supervisor_child_up', 'app/c')).toBe(up);
    expect(seriesValue(families, 'xstate_supervisor_child_ready', 'app/c')).toBe(ready);
  });

  it("takes a node's own ready over the one its state suggests", () => {
    const families = parseExposition(
      renderMetrics({
        id: 'app',
        path: 'app',
        state: 'running',
        children: [child('app/c', { state: 'active', ready: false })],
      }),
    );
    expect(seriesValue(families, 'xstate_supervisor_child_ready', 'app/c')).toBe(0);
    expect(seriesValue(families, 'xstate_supervisor_child_up', 'app/c')).toBe(1);
  });

  it('shows the backoff delay only while failures in a row last, in seconds', () => {
    const text = renderMetrics({
      id: 'app',
      path: 'app',
      state: 'running',
      children: [
        child('app/reset', { failures: 0, delayMs: 30_000 }),
        child('app/looping', { failures: 3, delayMs: 1_500 }),
        child('app/immediate', { failures: 1, delayMs: 0 }),
      ],
    });
    const families = parseExposition(text);
    const delay = (path: string) =>
      seriesValue(families, 'xstate_supervisor_child_backoff_seconds', path);
    expect([delay('app/reset'), delay('app/looping'), delay('app/immediate')]).toEqual([0, 1.5, 0]);
  });

  it('escapes backslashes, double quotes and line feeds in paths, and reads them back intact', () => {
    const path = 'app/we"ird\\id\nnext';
    expect(escapeLabelValue(path)).toBe('app/we\\"ird\\\\id\\nnext');
    const text = renderMetrics({
      id: 'app',
      path: 'app',
      state: 'running',
      children: [child(path, { restarts: 7 })],
    });
    expect(text).toContain(
      'xstate_supervisor_child_restarts_total{path="app/we\\"ird\\\\id\\nnext"} 7\n',
    );
    expect(seriesValue(parseExposition(text), 'xstate_supervisor_child_restarts_total', path)).toBe(
      7,
    );
  });

  it('writes HELP and TYPE of every family for a tree without supervised children', () => {
    const text = renderMetrics({ id: 'idle', path: 'idle', state: 'active', children: [] });
    const families = parseExposition(text);
    expect([...families.values()].map((family) => family.samples.length)).toEqual(
      METRIC_NAMES.map(() => 0),
    );
    expect(text.split('\n').filter((line) => line.startsWith('# TYPE'))).toHaveLength(6);
  });

  it('keeps the first node of a path seen twice, so that no series is written twice', () => {
    const text = renderMetrics({
      id: 'app',
      path: 'app',
      state: 'running',
      children: [
        child('app/a', { restarts: 1, children: [child('app/a/b', { restarts: 2 })] }),
        child('app/a/b', { restarts: 9 }),
      ],
    });
    const families = parseExposition(text);
    expect(families.get('xstate_supervisor_child_restarts_total')!.samples).toEqual([
      { labels: { path: 'app/a' }, value: 1 },
      { labels: { path: 'app/a/b' }, value: 2 },
    ]);
  });

  it('renders a chain of 20,000 nested nodes (deeper than a recursive walk could go)', () => {
    // Paths are data here: short ones keep the text small while the chain is deep.
    const root = child('c0');
    let node = root;
    for (let i = 1; i <= 20_000; i += 1) {
      const next = child(`c${i}`);
      node.children.push(next);
      node = next;
    }
    const text = renderMetrics(root);
    expect(text.match(/^xstate_supervisor_child_up\{/gm)).toHaveLength(20_001);
    expect(text).toContain('xstate_supervisor_child_up{path="c20000"} 1\n');
  });
});
