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
import { SupervisorError } from '../errors.js';
import { TestClock } from './clock.js';
import {
  advanceChecked,
  collectErrors,
  expectSame,
  expectTrue,
  type ModelPath,
  phaseOf,
  runSteps,
  specOfPath,
} from './replay.js';
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
  const { actor, child } = system;
  const errors: unknown[] = [];
  let supervisor: AnyActorRef | undefined;
  /** Per run number: the reloads and messages it must have got. */
  const expected = new Map<number, { reloads: number; messages: AnyEventObject[] }>();
  /** Runs that fail as soon as they start (what they got is not checked). */
  const failAtOnce = new Set<number>();
  /** The errors runs failed with, by run number. */
  const thrown = new Map<number, Error>();
  /** Runs past their readiness deadline. */
  const timedOut = new Set<number>();
  /** `child.ready` events expected, and seen. */
  let readyEvents = 0;
  let readySeen = 0;
  /** The step passed a run's readiness deadline. */
  let timeoutNow = false;
  let pending = { reload: false, messages: [] as AnyEventObject[] };
  let sequence = 0;
  const send = (event: AnyEventObject) => {
    if (system.send) system.send(event);
    else supervisor?.send(event);
  };
  const current = () => expected.get(child.runs.length);
  /** What must not change a millisecond early. */
  const observe = () =>
    JSON.stringify({
      phase: supervisor ? phaseOf(supervisor.getSnapshot()) : null,
      runs: child.runs.map((run) => run.ending),
    });

  const perform = async (before: SupervisorModelContext, event: SupervisorModelEvent) => {
    const last = child.last;
    const ms =
      event.type === 'readyTimeout'
        ? before.readyMs
        : event.type === 'advance'
          ? (event.ms ?? supervisorNextTimerMs(before) ?? 0)
          : null;
    timeoutNow =
      ms !== null &&
      before.phase === 'running.active' &&
      before.readyMs !== null &&
      ms >= before.readyMs;
    if (timeoutNow) timedOut.add(before.runs);
    switch (event.type) {
      case 'childFails': {
        const error = new Error(`run ${last?.number} failed`);
        if (last?.live) thrown.set(last.number, error);
        last?.fail(error);
        break;
      }
      case 'childCompletes':
        last?.complete();
        break;
      case 'childReportsHealthy':
        last?.reportHealthy();
        break;
      case 'childBecomesReady':
        readyEvents++;
        last?.ready();
        break;
      case 'restartFails': {
        const number = before.runs + 1;
        failAtOnce.add(number);
        child.plan(number, {
          start: 'fail',
          shutdown: 'hang',
          error: new Error(`run ${number} failed at once`),
        });
        await advanceChecked(clock, before.backoffMs ?? 0, observe);
        break;
      }
      case 'advance':
      case 'readyTimeout':
        await advanceChecked(clock, ms ?? 0, observe);
        break;
      case 'shutdown':
        send({ type: 'shutdown' });
        break;
      case 'forceShutdown':
        send({ type: 'shutdown', force: true });
        break;
      case 'reload':
        send({ type: 'reload' });
        if (before.phase === 'running.active') current()!.reloads++;
        if (before.phase === 'backingOff') pending.reload = true;
        break;
      case 'message': {
        const message = { type: REPLAY_MESSAGE, sequence: ++sequence };
        send(message);
        if (before.phase.startsWith('running.')) current()!.messages.push(message);
        if (before.phase === 'backingOff') pending.messages.push(message);
        break;
      }
    }
    await clock.settle();
  };

  /**
   * Every run hangs on shutdown until the model says it ends (`childFails`, `childCompletes`),
   * so `running.stopping` can be watched.
   */
  const planNextRun = () => {
    const number = child.runs.length + 1;
    if (!failAtOnce.has(number)) child.plan(number, { shutdown: 'hang' });
  };

  const check = (before: SupervisorModelContext | undefined, model: SupervisorModelContext) => {
    // Runs started in this step: the first that does not fail at once gets what was kept.
    for (let run = (before?.runs ?? 0) + 1; run <= model.runs; run++) {
      if (failAtOnce.has(run)) {
        expected.set(run, { reloads: 0, messages: [] });
        continue;
      }
      expected.set(run, { reloads: pending.reload ? 1 : 0, messages: pending.messages });
      pending = { reload: false, messages: [] };
    }
    if (!supervisor) throw new Error('the supervisor was not found');
    const snapshot = supervisor.getSnapshot();
    const runs = child.runs;
    expectSame('the supervisor state', phaseOf(snapshot), model.phase);
    expectSame('runs of the child started', runs.length, model.runs);
    for (const run of timedOut) {
      expectSame(
        `how run ${run} ended, past its readiness deadline`,
        runs[run - 1]?.ending,
        'stopped',
      );
    }
    expectSame('child.ready events of the supervisor', readySeen, readyEvents);
    for (const run of runs) {
      if (failAtOnce.has(run.number)) continue;
      const got = expected.get(run.number)!;
      expectSame(`reloads run ${run.number} received`, run.reloads, got.reloads);
      expectSame(`messages run ${run.number} received`, run.messages, got.messages);
    }
    const isRunning = model.phase.startsWith('running.');
    expectSame(
      'runs still going',
      child.live().map((run) => run.number),
      isRunning ? [model.runs] : [],
    );
    if (model.phase === 'running.stopping') {
      expectTrue(`run ${model.runs} was asked to shut down`, runs.at(-1)?.askedToShutDown === true);
    }
    if (model.phase === 'failed') {
      expectSame('errors of the supervisor', errors.length, 1);
      const error = errors[0];
      expectTrue(
        `the supervisor failed with a SupervisorError, not ${String(error)}`,
        error instanceof SupervisorError,
      );
      expectSame('the reason it gave up', (error as SupervisorError).reason, model.gaveUp);
      if (timedOut.has(model.runs)) {
        expectSame(
          'the cause it gave up with',
          ((error as Error).cause as Error | undefined)?.name,
          'ReadyTimeoutError',
        );
      }
      const cause = thrown.get(model.runs);
      if (cause && runs.at(-1)?.ending === 'failed') {
        expectTrue(
          'the error it gave up with has the run’s error as cause',
          (error as Error).cause === cause,
        );
      }
    } else {
      expectSame('errors of the supervisor', errors, []);
      const context = (
        snapshot as {
          context?: {
            failures?: number;
            restarts?: number;
            ready?: boolean;
            lastError?: { name?: string } | null;
          };
        }
      ).context;
      expectSame('restarts', context?.restarts, model.restarts);
      expectSame('failures', context?.failures, model.failures);
      if (model.phase !== 'stopped') expectSame('ready', context?.ready, model.ready);
      if (timeoutNow) {
        expectSame(
          'the last error, past the readiness deadline',
          context?.lastError?.name,
          'ReadyTimeoutError',
        );
      }
    }
    if (model.phase === 'stopped') {
      const output = (snapshot as { output?: Record<string, unknown> }).output ?? {};
      expectSame('the output reason', output.reason, model.reason);
      expectSame('the output restarts', output.restarts, model.restarts);
      expectSame('the output failures', output.failures, model.failures);
      if (model.reason === 'completed') {
        expectSame('the output of the completed run', output.output, `run ${model.runs} completed`);
      }
    }
    system.check?.(model, supervisor);
  };

  try {
    await runSteps(path, describeSupervisorContext, supervisorNextTimerMs, async (index) => {
      const step = path.steps[index]!;
      if (index === 0) {
        collectErrors(actor, errors);
        planNextRun();
        actor.start();
        supervisor = system.supervisor ? system.supervisor(actor) : actor;
        if (supervisor && supervisor !== actor) collectErrors(supervisor, errors);
        supervisor?.on('child.ready', () => readySeen++);
        await clock.settle();
        planNextRun();
        check(undefined, step.state.context);
        return;
      }
      const before = path.steps[index - 1]!.state.context;
      const event = step.event as SupervisorModelEvent;
      timeoutNow = false;
      if (spec.allowed(before, event)) await perform(before, event);
      planNextRun();
      check(before, step.state.context);
    });
  } finally {
    // Whatever the outcome, nothing of this path keeps running.
    actor.stop();
  }
}
