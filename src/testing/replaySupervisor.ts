/**
 * `replaySupervisorPath`: checks one path of a supervisor model on the real supervisor.
 *
 * The test builds the system under a {@link TestClock}: a supervisor around a
 * {@link createTestChild} child, or a whole app machine that invokes one. The replay starts it,
 * performs each event of the path on it (the child fails or completes, time passes, `shutdown`
 * is sent, …) and after each step checks the real supervisor against the model: its state, the
 * child's starts and stops, the reloads and messages each run got, whether it counts the child
 * ready (`context.ready` and its `child.ready` events), its output or the error it failed with. A mismatch throws a {@link ReplayMismatch} that prints the path.
 */
import type { AnyActorRef, AnyEventObject } from 'xstate';
import { TestClock } from './clock.js';
import { type ModelPath, runSteps, specOfPath } from './replay.js';
import { SupervisorReplayRun } from './replaySupervisorRun.js';
import {
  type SupervisorModelContext,
  type SupervisorModelEvent,
  supervisorNextTimerMs,
} from './supervisorModel.js';
import type { TestChild } from './testChild.js';

/** The custom message type the replay sends for the model's `message` event. */
export const REPLAY_MESSAGE = 'test.message';

/** The system a supervisor path is replayed on, built by the test for each path. */
export interface SupervisorReplaySystem {
  /** The actor to start (not started yet): the supervisor itself, or an app that runs one. */
  actor: AnyActorRef;
  /**
   * The test child the supervisor supervises. The replay plans its runs itself (each hangs on
   * shutdown until the path ends it), so give it no `runs` of your own.
   */
  child: TestChild;
  /** Finds the supervisor once `actor` has started. Default: `actor` is the supervisor. */
  supervisor?: (actor: AnyActorRef) => AnyActorRef | undefined;
  /** Sends the model's `shutdown`, `reload` and messages. Default: to the supervisor. */
  send?: (event: AnyEventObject) => void;
  /**
   * Checks of your own after every step, e.g. that the app shows "offline" once the supervisor
   * has failed. Throw (or use your test framework's `expect`) to fail the path.
   */
  check?: (model: SupervisorModelContext, supervisor: AnyActorRef) => void;
}

/**
 * A model state as a line of a printed path.
 *
 * @example
 *
 * ```ts
 * describeSupervisorContext(path.state.context); // 'backingOff (runs 1, failures 1, backoff 100 ms)'
 * ```
 */
export function describeSupervisorContext(c: SupervisorModelContext): string {
  const parts = [`runs ${c.runs}`, `failures ${c.failures}`];
  if (c.backoffMs !== null) parts.push(`backoff ${c.backoffMs} ms`);
  if (c.resetMs !== null) parts.push(`reset in ${c.resetMs} ms`);
  if (c.graceMs !== null) parts.push(`grace ${c.graceMs} ms`);
  // A run waiting to say it is ready (with `signalsReady`); once it has, the deadline is gone.
  if (c.readyMs !== null) parts.push(`not ready, deadline in ${c.readyMs} ms`);
  if (c.windowMs.length > 0) parts.push(`window [${c.windowMs.join(', ')}] ms`);
  if (c.pendingReload) parts.push('reload kept');
  if (c.pendingMessages) parts.push('messages kept');
  if (c.reason) parts.push(`reason ${c.reason}`);
  if (c.gaveUp) parts.push(`gave up: ${c.gaveUp}`);
  return `${c.phase} (${parts.join(', ')})`;
}

/**
 * Replays one path of a {@link createSupervisorModel} model on the real supervisor, under a
 * {@link TestClock}, and checks it after every step. Resolves when the path holds; rejects with
 * a {@link ReplayMismatch} that prints the path and the step that did not.
 *
 * @param path - A path of the model, from `getShortestPaths`, `getSimplePaths` or
 *   `createTestModel(...).getShortestPaths()`.
 * @param build - Builds the system for this path on the given clock: pass `clock` to
 *   `createActor` and to {@link createTestChild}.
 *
 * @example
 *
 * ```ts
 * import { createActor } from 'xstate';
 * import { getShortestPaths } from 'xstate/graph';
 * import { createSupervisor } from 'xstate-supervisor';
 * import { createSupervisorModel, createTestChild, replaySupervisorPath } from 'xstate-supervisor/testing';
 *
 * const options = { backoff: { initialMs: 100, maxMs: 400 }, maxRestarts: { count: 2, withinMs: 5_000 } };
 * for (const path of getShortestPaths(createSupervisorModel(options))) {
 *   await replaySupervisorPath(path, (clock) => {
 *     const child = createTestChild({ clock });
 *     return { actor: createActor(createSupervisor(child.logic, options), { clock }), child };
 *   });
 * }
 * ```
 */
export async function replaySupervisorPath(
  path: ModelPath<SupervisorModelContext>,
  build: (clock: TestClock) => SupervisorReplaySystem,
): Promise<void> {
  const spec = specOfPath<SupervisorModelContext, SupervisorModelEvent>(
    path,
    'createSupervisorModel',
    'supervisorModel',
  );
  const clock = new TestClock();
  const system = build(clock);
  const run = new SupervisorReplayRun(clock, system);
  try {
    await runSteps(path, describeSupervisorContext, supervisorNextTimerMs, async (index) => {
      const step = path.steps[index]!;
      if (index === 0) {
        await run.start(step.state.context);
        return;
      }
      const before = path.steps[index - 1]!.state.context;
      const event = step.event as SupervisorModelEvent;
      run.timeoutNow = false;
      if (spec.allowed(before, event)) await run.perform(before, event);
      run.planNextRun();
      run.check(before, step.state.context);
    });
  } finally {
    // Whatever the outcome, nothing of this path keeps running.
    system.actor.stop();
  }
}
