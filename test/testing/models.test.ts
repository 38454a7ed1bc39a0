/**
 * The kit's models as a user meets them: plain `xstate/graph` walks them (it cannot walk the
 * real machines), they reach what the real machines reach, and a replay tells when the real
 * machine does something else, printing the path.
 */
import { describe, expect, it } from 'vitest';
import { createActor, sendTo, setup } from 'xstate';
import { createTestModel, getShortestPaths, getSimplePaths } from 'xstate/graph';
import { idle } from '../../src/actors/idle.js';
import { createProcessGroup } from '../../src/machines/group.js';
import { createSupervisor } from '../../src/machines/supervisor.js';
import {
  createGroupModel,
  createSupervisorModel,
  createTestChild,
  getModelPaths,
  ReplayMismatch,
  replayGroupPath,
  replaySupervisorPath,
} from '../../src/testing.js';

const options = {
  backoff: { initialMs: 100, maxMs: 400 },
  maxRestarts: { count: 2, withinMs: 10_000 },
  shutdownTimeoutMs: 500,
};

describe('supervisor model', () => {
  it('is walked by xstate/graph where the real supervisor is refused', () => {
    expect(() => createTestModel(createSupervisor(idle))).toThrow(
      'After events on test machines are not supported',
    );
    const model = createSupervisorModel(options);
    for (const paths of [
      getShortestPaths(model),
      getSimplePaths(
        createSupervisorModel(
          { ...options, maxRestarts: { count: 1, withinMs: 10_000 } },
          { healthy: false, restartFails: false },
        ),
      ),
      createTestModel(model).getShortestPaths(),
    ]) {
      for (const state of [
        'running.active',
        'running.stopping',
        'backingOff',
        'failed',
        'stopped',
      ]) {
        expect(paths.some((path) => path.state.matches(state))).toBe(true);
      }
    }
  });

  it('waits the backoff its options say, and gives up at the failure past the limit', () => {
    const model = createSupervisorModel(options, { restartFails: false });
    const failed = getShortestPaths(model).find((path) => path.state.matches('failed'))!;
    expect(failed.steps.map((step) => step.event.type)).toEqual([
      'xstate.init',
      'childFails',
      'advance',
      'childFails',
      'advance',
      'childFails',
    ]);
    expect(failed.steps[1]!.state.context.backoffMs).toBe(100);
    expect(failed.steps[3]!.state.context.backoffMs).toBe(200);
    expect(failed.state.context.gaveUp).toBe('max-restarts');
  });

  it('refuses options it cannot model exactly, naming them', () => {
    expect(() => createSupervisorModel({ backoff: { jitter: 'full' } })).toThrow(
      /option "backoff.jitter" must be "none"/,
    );
    expect(() => createSupervisorModel({ shouldRestart: () => true })).toThrow(
      /option "shouldRestart" must be absent/,
    );
  });

  it('a replay fails on a supervisor that differs from its model, printing the path', async () => {
    const model = createSupervisorModel(options, { restartFails: false });
    const path = getShortestPaths(model).find((p) => p.state.matches('failed'))!;
    const replay = replaySupervisorPath(path, (clock) => {
      const child = createTestChild({ clock });
      const other = { ...options, backoff: { initialMs: 150, maxMs: 400 } };
      return { actor: createActor(createSupervisor(child.logic, other), { clock }), child };
    });
    await expect(replay).rejects.toThrow(ReplayMismatch);
    await expect(replay).rejects.toThrow(
      [
        'the supervisor state: expected "running.active", got "backingOff"',
        '',
        'at step 2 of the path (✓ checked, ✗ failed):',
        '  ✓ 0. start → running.active (runs 1, failures 0)',
        '  ✓ 1. childFails → backingOff (runs 1, failures 1, backoff 100 ms, window [10000] ms)',
        '  ✗ 2. advance (100 ms) → running.active (runs 2, failures 1, reset in 800 ms, window [9900] ms)',
      ].join('\n'),
    );
  });

  it('a replay refuses a path of another machine', async () => {
    const [path] = getShortestPaths(createGroupModel({ children: [{ id: 'a' }] }));
    await expect(
      replaySupervisorPath(path as never, () => {
        throw new Error('not built');
      }),
    ).rejects.toThrow(/not generated from a model made by createSupervisorModel/);
  });
});

describe('group model', () => {
  const children = [{ id: 'db' }, { id: 'api' }, { id: 'jobs' }];

  it.each([
    ['one-for-one', ['api']],
    ['one-for-all', ['db', 'api', 'jobs']],
    ['rest-for-one', ['api', 'jobs']],
  ] as const)('%s: a failure of the api restarts %j together', (strategy, together) => {
    const model = createGroupModel({ strategy, backoff: { initialMs: 100 }, children });
    const round = getShortestPaths(model, { events: [{ type: 'api.fails' }] })
      .map((path) => path.state.context)
      .find((context) => context.rounds.length > 0);
    expect(round?.rounds).toEqual([
      {
        id: 'api',
        members: together,
        pending: together.length - 1,
        delayMs: 100,
        leftMs: together.length === 1 ? 100 : null,
      },
    ]);
  });

  it('fail-fast: a failure shuts the others down and fails the group', () => {
    const model = createGroupModel({ children });
    const failed = getShortestPaths(model).find((path) => path.state.matches('failed'));
    expect(failed?.state.context.gaveUp).toEqual({
      reason: 'child-failed',
      childId: expect.any(String),
    });
    expect(getShortestPaths(model).some((path) => path.state.matches({ running: 'failing' }))).toBe(
      true,
    );
  });

  it('replays on a group that an app machine invokes, sending through the app', async () => {
    const model = createGroupModel({ strategy: 'one-for-one', children: [{ id: 'a' }] });
    const app = (group: ReturnType<typeof createProcessGroup>) =>
      setup({ actors: { group } }).createMachine({
        initial: 'up',
        states: {
          up: {
            invoke: { id: 'workers', src: 'group', onDone: 'done', onError: 'down' },
            on: { '*': { actions: sendTo('workers', ({ event }) => event) } },
          },
          down: {},
          done: { type: 'final' },
        },
      });
    const seen: string[] = [];
    for (const path of getModelPaths(model)) {
      await replayGroupPath(path, (clock) => {
        const a = createTestChild({ clock });
        const group = createProcessGroup({
          strategy: 'one-for-one',
          children: [{ id: 'a', logic: a.logic }],
        });
        const actor = createActor(app(group), { clock });
        return {
          actor,
          children: { a },
          group: (root) => root.getSnapshot().children.workers,
          send: (event) => {
            seen.push(event.type);
            actor.send(event);
          },
          check: (expected) =>
            expect(actor.getSnapshot().value).toBe(
              expected.phase === 'stopped' ? 'done' : expected.phase === 'failed' ? 'down' : 'up',
            ),
        };
      });
    }
    expect(seen).toContain('shutdown');
  });

  it('a replay fails on a group whose strategy differs from its model', async () => {
    const model = createGroupModel({
      strategy: 'one-for-all',
      children: [{ id: 'a' }, { id: 'b' }],
    });
    const paths = getModelPaths(model);
    const results = await Promise.allSettled(
      paths.map((path) =>
        replayGroupPath(path, (clock) => {
          const a = createTestChild({ clock });
          const b = createTestChild({ clock });
          const group = createProcessGroup({
            strategy: 'one-for-one',
            children: [
              { id: 'a', logic: a.logic },
              { id: 'b', logic: b.logic },
            ],
          });
          return { actor: createActor(group, { clock }), children: { a, b } };
        }),
      ),
    );
    const failures = results.filter((result) => result.status === 'rejected');
    expect(failures.length).toBeGreaterThan(0);
    expect(String((failures[0] as PromiseRejectedResult).reason)).toMatch(
      /at step \d+ of the path/,
    );
  });
});
