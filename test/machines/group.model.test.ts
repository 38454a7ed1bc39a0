/**
 * Model-based test of the process group, on `xstate-supervisor/testing`.
 *
 * `createGroupModel` states what a group of two children (`a` started before `b`) is expected
 * to do under each strategy, as a machine that `xstate/graph` walks; `getModelPaths` gives one
 * path per transition of the model, and `replayGroupPath` replays each on a real group of two
 * test children under a `TestClock`, checking after every step the group's state and counts,
 * each child's starts, stops and received reloads and messages, and the shutdown report or the
 * error it failed with. Beside the four strategies: a reverse shutdown order with a stable-run
 * reset, and children of every restart type; under one-for-one the children also report healthy.
 */
import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { createProcessGroup, type ProcessGroupOptions } from '../../src/machines/group.js';
import { MAX_TIMER_MS } from '../../src/policy/backoff.js';
import type { RestartType } from '../../src/policy/options.js';
import {
  createGroupModel,
  createTestChild,
  GROUP_PHASES,
  type GroupModelContext,
  type GroupPhase,
  getModelPaths,
  type ModelPath,
  replayGroupPath,
} from '../../src/testing.js';

const base = {
  backoff: { initialMs: 100, maxMs: 400, factor: 2 },
  maxRestarts: { count: 1, withinMs: MAX_TIMER_MS },
  resetAfterMs: false,
  shutdownTimeoutMs: 500,
} satisfies Omit<ProcessGroupOptions, 'children'>;

/** A name, the group's options, the children's restart types, and phases or outcomes it cannot reach. */
type Case = [
  string,
  Omit<ProcessGroupOptions, 'children'>,
  Partial<Record<'a' | 'b', RestartType>>,
  Array<GroupPhase | 'completed'>?,
];

const CASES: readonly Case[] = [
  ['fail-fast', { ...base, strategy: 'fail-fast' }, {}],
  ['one-for-one', { ...base, strategy: 'one-for-one' }, {}],
  ['one-for-all', { ...base, strategy: 'one-for-all' }, {}],
  ['rest-for-one', { ...base, strategy: 'rest-for-one' }, {}],
  [
    'one-for-all, reverse shutdown, stable-run reset',
    {
      ...base,
      strategy: 'one-for-all',
      shutdownOrder: 'reverse',
      resetAfterMs: 700,
      maxRestarts: { count: 1, withinMs: 1_300 },
    },
    {},
  ],
  [
    // A failure of the permanent child drops the temporary one started after it, so when the
    // group gives up no child is left to stop: it fails without passing through `failing`. A
    // permanent child never leaves, so the group never completes.
    'rest-for-one, a permanent child and a temporary one',
    { ...base, strategy: 'rest-for-one' },
    { a: 'permanent', b: 'temporary' },
    ['running.failing', 'completed'],
  ],
];

const IDS = ['a', 'b'] as const;

const childrenOf = (restarts: Case[2]) => IDS.map((id) => ({ id, restart: restarts[id] }));

const replay = (options: Case[1], restarts: Case[2]) => (path: ModelPath<GroupModelContext>) =>
  replayGroupPath(path, (clock) => {
    const children = { a: createTestChild({ clock }), b: createTestChild({ clock }) };
    const group = createProcessGroup({
      ...options,
      id: 'model',
      children: childrenOf(restarts).map((child) => ({
        ...child,
        logic: children[child.id].logic,
      })),
    });
    return { actor: createActor(group, { clock }), children };
  });

/** The case whose children also report healthy (a reset of their failure count). */
const HEALTHY = new Set(['one-for-one']);

describe.each(CASES)('group model (%s)', (name, options, restarts, unreachable = []) => {
  const healthy = HEALTHY.has(name);
  const model = createGroupModel({ ...options, children: childrenOf(restarts) }, { healthy });
  const paths = getModelPaths(model, { coverage: 'transitions' });

  it('covers every phase with every event, and reaches every outcome', () => {
    const pairs = new Set<string>();
    for (const path of paths) {
      for (let i = 1; i < path.steps.length; i++) {
        pairs.add(`${path.steps[i - 1]!.state.context.phase} --${path.steps[i]!.event.type}-->`);
      }
    }
    const reached = new Set(paths.flatMap((path) => path.steps.map((s) => s.state.context.phase)));
    const reachable = GROUP_PHASES.filter((phase) => !unreachable.includes(phase));
    const outcomes = ['completed', 'shutdown', 'forced', 'failed'] as const;
    expect([...reached].sort()).toEqual([...reachable].sort());
    for (const phase of reachable.filter((p) => p.startsWith('running.'))) {
      const node = model.getStateNodeById(`groupModel:${phase.replace('.', ':')}`);
      for (const event of node.ownEvents) {
        // A healthy report is offered only to a running child that has failed.
        if (event.endsWith('.reportsHealthy')) continue;
        expect(pairs).toContain(`${phase} --${event}-->`);
      }
    }
    if (healthy) expect(pairs).toContain('running.active --a.reportsHealthy-->');
    const ends = new Set(
      paths.map((path) => path.state.context.reason ?? path.state.context.phase),
    );
    for (const outcome of outcomes.filter((o) => !unreachable.includes(o as 'completed'))) {
      expect(ends).toContain(outcome);
    }
  });

  if (options.strategy === 'one-for-all' || options.strategy === 'rest-for-one') {
    it('reaches a round that stops a running child to restart it with the one that failed', () => {
      const round = paths.some((path) =>
        path.steps.some(
          ({ state: { context } }) =>
            context.rounds.some((r) => r.id === 'a' && r.members.includes('b')) &&
            context.children.some((child) => child.id === 'b' && child.status === 'stopping'),
        ),
      );
      expect(round).toBe(true);
    });
  }

  it.each(paths.map((path) => [path.description, path] as const))('%s', async (_, path) => {
    await replay(options, restarts)(path);
  });
});
