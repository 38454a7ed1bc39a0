/**
 * Prometheus metrics of a supervision tree: the numbers of {@link describeTree}'s nodes in the
 * Prometheus text exposition format (version 0.0.4), which `/metrics` of the health server
 * serves.
 *
 * A pure function over plain data: no registry, no state kept between scrapes, no Node API.
 * Every series is labelled with the tree path of its node (`path="xsup/web.1"`).
 */
import type { TreeNode } from '../tree.js';

/** The `Content-Type` of {@link renderMetrics}'s text, as Prometheus expects it. */
export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** The prefix of every metric name. */
export const METRIC_PREFIX = 'xstate_supervisor_';

/** One metric family: its name, type, help text and the value of a node (none: no series). */
interface Family {
  name: string;
  type: 'counter' | 'gauge';
  help: string;
  value: (node: TreeNode) => number | undefined;
}

/** A node that is a supervised child: a child of a supervisor or a group, with its counts. */
const isChild = (node: TreeNode): boolean => typeof node.restarts === 'number';

const RUNNING_STATES = new Set<TreeNode['state']>(['running', 'active', 'stopping']);
const READY_STATES = new Set<TreeNode['state']>(['running', 'active']);

const childValue =
  (read: (node: TreeNode) => number) =>
  (node: TreeNode): number | undefined =>
    isChild(node) ? read(node) : undefined;

/** The metric families, in the order they are written. */
const FAMILIES: readonly Family[] = [
  {
    name: `${METRIC_PREFIX}child_restarts_total`,
    type: 'counter',
    help: 'Restarts of the supervised child since it was first started.',
    value: childValue((node) => node.restarts ?? 0),
  },
  {
    name: `${METRIC_PREFIX}child_up`,
    type: 'gauge',
    help: '1 while the supervised child runs (also while it stops), 0 while it waits to restart or after it ended.',
    value: childValue((node) => (RUNNING_STATES.has(node.state) ? 1 : 0)),
  },
  {
    name: `${METRIC_PREFIX}child_ready`,
    type: 'gauge',
    help: '1 when the supervised child is ready, 0 otherwise.',
    value: childValue((node) => ((node.ready ?? READY_STATES.has(node.state)) ? 1 : 0)),
  },
  {
    name: `${METRIC_PREFIX}child_consecutive_failures`,
    type: 'gauge',
    help: 'Failures of the supervised child in a row; 0 again after a stable run.',
    value: childValue((node) => node.failures ?? 0),
  },
  {
    name: `${METRIC_PREFIX}child_backoff_seconds`,
    type: 'gauge',
    help: 'The backoff delay in force for the supervised child: the delay of its latest restart while its failures in a row last, 0 when it has none.',
    value: childValue((node) => ((node.failures ?? 0) > 0 ? (node.delayMs ?? 0) / 1000 : 0)),
  },
  {
    name: `${METRIC_PREFIX}dropped_messages_total`,
    type: 'counter',
    help: 'Messages the supervisor or group dropped on purpose, each also reported as a message.dropped lifecycle event.',
    value: (node) => node.droppedMessages,
  },
];

/** The metric names {@link renderMetrics} writes, in order. */
export const METRIC_NAMES: readonly string[] = FAMILIES.map((family) => family.name);

/**
 * Escapes a label value for the text format: backslash, double quote and line feed.
 *
 * @example
 *
 * ```ts
 * escapeLabelValue('a "b"\\c'); // 'a \\"b\\"\\\\c'
 * ```
 */
export function escapeLabelValue(value: string): string {
  return value.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n');
}

/** Escapes a `# HELP` text: backslash and line feed. */
function escapeHelp(text: string): string {
  return text.replaceAll('\\', '\\\\').replaceAll('\n', '\\n');
}

/** A sample value as the text format writes it. */
function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

/** The nodes of the tree, depth first, parents before their children, in child order. */
function nodesOf(tree: TreeNode): TreeNode[] {
  const nodes: TreeNode[] = [];
  const stack = [tree];
  for (let node = stack.pop(); node; node = stack.pop()) {
    nodes.push(node);
    for (let i = node.children.length - 1; i >= 0; i -= 1) stack.push(node.children[i]!);
  }
  return nodes;
}

/**
 * The metrics of a supervision tree in the Prometheus text exposition format (0.0.4): for each
 * supervised child, its restarts (`xstate_supervisor_child_restarts_total`), whether it runs
 * (`_child_up`) and is ready (`_child_ready`), its failures in a row
 * (`_child_consecutive_failures`) and the backoff delay in force (`_child_backoff_seconds`);
 * for each supervisor and group, the messages it dropped (`_dropped_messages_total`). Each
 * series has one label, `path`, the node's path in the tree; each family has its `# HELP` and
 * `# TYPE` lines, also when no node has a value for it. A path seen twice (ids that contain
 * `/`) keeps its first node's series. Paths and numbers only: no context, input or error.
 *
 * @example
 *
 * ```ts
 * import { createActor } from 'xstate';
 * import { describeTree, renderMetrics } from 'xstate-supervisor/node';
 *
 * const actor = createActor(app).start();
 * renderMetrics(describeTree(actor));
 * // # HELP xstate_supervisor_child_restarts_total Restarts of the supervised child …
 * // # TYPE xstate_supervisor_child_restarts_total counter
 * // xstate_supervisor_child_restarts_total{path="app/api"} 0
 * // …
 * ```
 */
export function renderMetrics(tree: TreeNode): string {
  const nodes = nodesOf(tree);
  const labels = nodes.map((node) => `{path="${escapeLabelValue(node.path)}"} `);
  let text = '';
  for (const family of FAMILIES) {
    text += `# HELP ${family.name} ${escapeHelp(family.help)}\n# TYPE ${family.name} ${family.type}\n`;
    const seen = new Set<string>();
    nodes.forEach((node, i) => {
      const value = family.value(node);
      if (value === undefined || seen.has(node.path)) return;
      seen.add(node.path);
      text += `${family.name}${labels[i]}${formatValue(value)}\n`;
    });
  }
  return text;
}
