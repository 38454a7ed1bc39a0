/**
 * `replayGroupPath`: checks one path of a group model on the real process group.
 *
 * As for the supervisor: the test builds the group (or an app that runs one) under a
 * {@link TestClock}, with one {@link createTestChild} child per child id; the replay performs
 * each event of the path (a child fails or completes, time passes, `shutdown`, …) and after each
 * step checks the group's state and counts, each child's status and readiness (as
 * `childSetMembers` lists them, with the group's `ready` and `waiting` counts and its
 * `child.ready` events), starts, stops and received reloads and messages, and at the end the
 * shutdown report or the error the group failed with.
 */
import type { AnyActorRef, AnyEventObject } from 'xstate';
import { TestClock } from './clock.js';
import {
  type GroupModelContext,
  type GroupModelEvent,
  groupNextTimerMs,
} from './groupModelContext.js';
import { type ModelPath, runSteps, specOfPath } from './replay.js';
import { GroupReplayRun } from './replayGroupRun.js';
import type { TestChild } from './testChild.js';

/** The system a group path is replayed on, built by the test for each path. */
export interface GroupReplaySystem {
  /** The actor to start (not started yet): the group itself, or an app that runs one. */
  actor: AnyActorRef;
  /**
   * The test child behind each child id of the group. The replay plans their runs itself, so
   * give them no `runs` of your own.
   */
  children: Readonly<Record<string, TestChild>>;
  /** Finds the group once `actor` has started. Default: `actor` is the group. */
  group?: (actor: AnyActorRef) => AnyActorRef | undefined;
  /** Sends the model's `shutdown`, `reload` and messages. Default: to the group. */
  send?: (event: AnyEventObject) => void;
  /** Checks of your own after every step. */
  check?: (model: GroupModelContext, group: AnyActorRef) => void;
}

/**
 * A group model state as a line of a printed path.
 *
 * @example
 *
 * ```ts
 * describeGroupContext(path.state.context); // 'running.active (a backingOff round a in 100 ms, b running)'
 * ```
 */
export function describeGroupContext(c: GroupModelContext): string {
  const children = c.children.map((child) => {
    const timer =
      child.graceMs !== null
        ? ` grace ${child.graceMs} ms`
        : child.round !== null
          ? ` round ${child.round}${(() => {
              const left = c.rounds.find((r) => r.id === child.round)?.leftMs;
              return left === null || left === undefined ? '' : ` in ${left} ms`;
            })()}`
          : '';
    const ready = child.readyMs !== null ? ` not ready (deadline in ${child.readyMs} ms)` : '';
    return `${child.id} ${child.status}${ready}${timer}`;
  });
  const extra: string[] = [];
  if (c.windowMs.length > 0) extra.push(`window [${c.windowMs.join(', ')}] ms`);
  if (c.reason) extra.push(`reason ${c.reason}`);
  if (c.gaveUp) extra.push(`gave up: ${c.gaveUp.reason} (${c.gaveUp.childId})`);
  return `${c.phase} (${[...children, ...extra].join(', ')})`;
}

/**
 * Replays one path of a {@link createGroupModel} model on the real group, under a
 * {@link TestClock}, and checks it after every step. Resolves when the path holds; rejects with
 * a {@link ReplayMismatch} that prints the path and the step that did not.
 *
 * @param path - A path of the model.
 * @param build - Builds the system for this path on the given clock.
 *
 * @example
 *
 * ```ts
 * import { createActor } from 'xstate';
 * import { createProcessGroup } from 'xstate-supervisor';
 * import { createGroupModel, createTestChild, getModelPaths, replayGroupPath } from 'xstate-supervisor/testing';
 *
 * const options = { strategy: 'rest-for-one', backoff: { initialMs: 100 } } as const;
 * const ids = ['db', 'api'];
 * const model = createGroupModel({ ...options, children: ids.map((id) => ({ id })) });
 * for (const path of getModelPaths(model)) {
 *   await replayGroupPath(path, (clock) => {
 *     const children = Object.fromEntries(ids.map((id) => [id, createTestChild({ clock })]));
 *     const group = createProcessGroup({
 *       ...options,
 *       children: ids.map((id) => ({ id, logic: children[id]!.logic })),
 *     });
 *     return { actor: createActor(group, { clock }), children };
 *   });
 * }
 * ```
 */
export async function replayGroupPath(
  path: ModelPath<GroupModelContext>,
  build: (clock: TestClock) => GroupReplaySystem,
): Promise<void> {
  const spec = specOfPath<GroupModelContext, GroupModelEvent>(
    path,
    'createGroupModel',
    'groupModel',
  );
  const clock = new TestClock();
  const system = build(clock);
  const ids = spec.initial.children.map((child) => child.id);
  for (const id of ids) {
    if (!system.children[id])
      throw new TypeError(`replayGroupPath: no test child given for "${id}"`);
  }
  const run = new GroupReplayRun(clock, system, ids);
  try {
    await runSteps(path, describeGroupContext, groupNextTimerMs, async (index) => {
      const step = path.steps[index]!;
      if (index === 0) {
        await run.start(step.state.context);
        return;
      }
      const before = path.steps[index - 1]!.state.context;
      const event = step.event as GroupModelEvent;
      if (spec.allowed(before, event)) await run.perform(before, event);
      run.planNextRuns();
      run.check(before, step.state.context);
    });
  } finally {
    // Whatever the outcome, nothing of this path keeps running.
    system.actor.stop();
  }
}
