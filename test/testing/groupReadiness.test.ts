/**
 * The group model with readiness and start order, replayed on the real group: children that
 * say when they are ready (`<id>.becomesReady`), fail past `readyTimeoutMs`, and children that
 * wait (`'waiting'`) for the ones they depend on. Every path of the model (one per transition)
 * is replayed on a group of two test children, checking each child's status and readiness, the
 * group's `ready` and `waiting` counts and its `child.ready` events after every step.
 */
import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { getPathsFromEvents } from 'xstate/graph';
import { createProcessGroup, type ProcessGroupOptions } from '../../src/machines/group.js';
import { MAX_TIMER_MS } from '../../src/policy/backoff.js';
import {
  createGroupModel,
  createTestChild,
  type GroupModelChildOptions,
  type GroupModelContext,
  type GroupModelEvent,
  getModelPaths,
  type ModelPath,
  ReplayMismatch,
  replayGroupPath,
} from '../../src/testing.js';

type GroupOptions = Omit<ProcessGroupOptions, 'children'>;

const base = {
  backoff: { initialMs: 100, maxMs: 400, factor: 2 },
  maxRestarts: { count: 1, withinMs: MAX_TIMER_MS },
  resetAfterMs: false,
  shutdownTimeoutMs: 500,
} satisfies GroupOptions;

/** `a` says when it is ready, within 270 ms. */
const signals = { signalsReady: true, readyTimeoutMs: 270 } as const;

const CASES: ReadonlyArray<[string, GroupOptions, GroupModelChildOptions[]]> = [
  [
    'one-for-one, b depends on a',
    { ...base, strategy: 'one-for-one' },
    [
      { id: 'a', ...signals },
      { id: 'b', dependsOn: ['a'] },
    ],
  ],
  [
    'one-for-all, sequential, both signal',
    { ...base, strategy: 'one-for-all', startOrder: 'sequential' },
    [
      { id: 'a', ...signals },
      { id: 'b', ...signals, readyTimeoutMs: 330 },
    ],
  ],
  [
    'rest-for-one, sequential, a permanent child that signals and a temporary one',
    { ...base, strategy: 'rest-for-one', startOrder: 'sequential' },
    [
      { id: 'a', restart: 'permanent', ...signals },
      { id: 'b', restart: 'temporary' },
    ],
  ],
];

const replay =
  (options: GroupOptions, specs: GroupModelChildOptions[], real = specs) =>
  (path: ModelPath<GroupModelContext>) =>
    replayGroupPath(path, (clock) => {
      const children = { a: createTestChild({ clock }), b: createTestChild({ clock }) };
      const group = createProcessGroup({
        ...options,
        id: 'model',
        children: real.map((spec) => ({
          ...spec,
          logic: children[spec.id as 'a' | 'b'].logic,
        })),
      });
      return { actor: createActor(group, { clock }), children };
    });

describe.each(CASES)('group model with readiness (%s)', (_, options, specs) => {
  const paths = getModelPaths(createGroupModel({ ...options, children: specs }), {
    coverage: 'transitions',
  });

  it('has paths where a child waits, becomes ready, and misses its deadline', () => {
    const contexts = paths.flatMap((path) => path.steps.map((step) => step.state.context));
    const events = new Set(paths.flatMap((path) => path.steps.map((step) => step.event.type)));
    expect(contexts.some((c) => c.children.some((child) => child.status === 'waiting'))).toBe(true);
    expect(events).toContain('a.becomesReady');
    expect(
      paths.some((path) =>
        path.steps.some(
          (step, i) =>
            i > 0 &&
            step.event.type === 'advance' &&
            path.steps[i - 1]!.state.context.children.some(
              (child) =>
                child.readyMs !== null &&
                child.readyMs <= ((step.event as { ms?: number }).ms ?? 0),
            ),
        ),
      ),
    ).toBe(true);
  });

  it.each(paths.map((path) => [path.description, path] as const))('%s', async (_, path) => {
    await replay(options, specs)(path);
  });

  it('has paths where the group gives up while a child waits: it stops without starting it', () => {
    expect(partition(paths)[1].length).toBeGreaterThan(0);
  });
});

/** The paths where the group gives up while a child waits, apart from the others. */
function partition<T extends ModelPath<GroupModelContext>>(paths: readonly T[]): [T[], T[]] {
  const givesUpWhileWaiting = (path: T) =>
    path.steps.some(
      (step, i) =>
        i > 0 &&
        step.state.context.gaveUp !== null &&
        path.steps[i - 1]!.state.context.gaveUp === null &&
        path.steps[i - 1]!.state.context.children.some((child) => child.status === 'waiting'),
    );
  return [paths.filter((p) => !givesUpWhileWaiting(p)), paths.filter(givesUpWhileWaiting)];
}

describe('group model with readiness: along chosen paths', () => {
  const options = { ...base, strategy: 'one-for-one', startOrder: 'sequential' } as const;
  const specs = [{ id: 'a', ...signals }, { id: 'b' }];
  const model = createGroupModel({ ...options, children: specs });
  const along = (events: GroupModelEvent[]) => getPathsFromEvents(model, events)[0]!;
  const view = (c: GroupModelContext) =>
    c.children.map(({ id, status, ready, runs }) => ({ id, status, ready, runs }));

  it('sequential: b waits, not started, until a is ready', async () => {
    const path = along([{ type: 'a.becomesReady' }]);
    expect(view(path.steps[0]!.state.context)).toEqual([
      { id: 'a', status: 'running', ready: false, runs: 1 },
      { id: 'b', status: 'waiting', ready: false, runs: 0 },
    ]);
    expect(view(path.state.context)).toEqual([
      { id: 'a', status: 'running', ready: true, runs: 1 },
      { id: 'b', status: 'running', ready: true, runs: 1 },
    ]);
    await replay(options, specs)(path);
  });

  it('past its deadline a fails and restarts; b still waits for the new run', async () => {
    const path = along([{ type: 'advance' }, { type: 'advance' }]);
    expect(path.steps[1]!.state.context).toMatchObject({ failures: 1 });
    expect(view(path.state.context)).toEqual([
      { id: 'a', status: 'running', ready: false, runs: 2 },
      { id: 'b', status: 'waiting', ready: false, runs: 0 },
    ]);
    await replay(options, specs)(path);
  });

  it('catches a group whose children start together instead', async () => {
    const path = along([]);
    await expect(replay(options, specs, specs)(path)).resolves.toBeUndefined();
    const together = { ...options, startOrder: 'together' as const };
    await expect(replay(together, specs)(path)).rejects.toThrow(ReplayMismatch);
    await expect(replay(together, specs)(path)).rejects.toThrow(
      /runs of b started: expected 0, got 1[\s\S]*✗ 0\. start/,
    );
  });

  it('catches a child the group is not told signals readiness', async () => {
    const path = along([{ type: 'a.becomesReady' }]);
    // Ready at once, a lets b start: b's run is one the model does not expect yet.
    await expect(replay(options, specs, [{ id: 'a' }, { id: 'b' }])(path)).rejects.toThrow(
      /runs of b started: expected 0, got 1[\s\S]*✗ 0\. start/,
    );
  });
});
