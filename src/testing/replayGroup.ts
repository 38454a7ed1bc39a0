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
import { GroupError } from '../errors.js';
import { childSetMembers } from '../runtime/reach.js';
import { TestClock } from './clock.js';
import {
  type GroupModelContext,
  type GroupModelEvent,
  groupNextTimerMs,
} from './groupModelContext.js';
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
import { REPLAY_MESSAGE } from './replaySupervisor.js';
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
  const { actor, children } = system;
  const ids = spec.initial.children.map((child) => child.id);
  for (const id of ids) {
    if (!children[id]) throw new TypeError(`replayGroupPath: no test child given for "${id}"`);
  }
  const errors: unknown[] = [];
  let group: AnyActorRef | undefined;
  /** Per child, per run number: the reloads and messages it must have got. */
  const expected = new Map<string, { reloads: number; messages: AnyEventObject[] }>();
  const thrown = new Map<string, Error>();
  /** Per child: the reload and messages kept for its next run. */
  const pending = new Map<string, { reloads: number; messages: AnyEventObject[] }>();
  const pendingOf = (id: string) => {
    const kept = pending.get(id) ?? { reloads: 0, messages: [] };
    pending.set(id, kept);
    return kept;
  };
  /** Messages dropped with the children that left the group while some waited for them. */
  let dropped = 0;
  let sequence = 0;
  /** Runs stopped past their readiness deadline, by key. */
  const timedOut = new Set<string>();
  /** `child.ready` events expected, and seen, in order. */
  const readyEvents: string[] = [];
  const readySeen: string[] = [];
  const key = (id: string, run: number) => `${id}/${run}`;
  const send = (event: AnyEventObject) => {
    if (system.send) system.send(event);
    else group?.send(event);
  };
  const test = (id: string) => children[id]!;
  const observe = () =>
    JSON.stringify({
      phase: group ? phaseOf(group.getSnapshot()) : null,
      counts: counts(),
      runs: ids.map((id) => test(id).runs.map((run) => run.ending)),
    });
  const counts = () => {
    const context = (group?.getSnapshot() as { context?: Record<string, unknown> } | undefined)
      ?.context;
    return {
      running: context?.running,
      stopping: context?.stopping,
      backingOff: context?.backingOff,
      waiting: context?.waiting,
      ready: context?.ready,
      restarts: context?.restarts,
      failures: context?.failures,
      droppedMessages: context?.droppedMessages,
    };
  };
  const planNextRuns = () => {
    for (const id of ids) test(id).plan(test(id).runs.length + 1, { shutdown: 'hang' });
  };

  const perform = async (before: GroupModelContext, event: GroupModelEvent) => {
    switch (event.type) {
      case 'advance': {
        const ms = (event as { ms?: number }).ms ?? groupNextTimerMs(before) ?? 0;
        if (before.phase === 'running.active') {
          for (const child of before.children) {
            if (child.status === 'running' && child.readyMs !== null && ms >= child.readyMs) {
              timedOut.add(key(child.id, child.runs));
            }
          }
        }
        await advanceChecked(clock, ms, observe);
        break;
      }
      case 'shutdown':
        send({ type: 'shutdown' });
        break;
      case 'forceShutdown':
        send({ type: 'shutdown', force: true });
        break;
      case 'reload':
      case 'message': {
        const message =
          event.type === 'reload'
            ? { type: 'reload' }
            : { type: REPLAY_MESSAGE, sequence: ++sequence };
        send(message);
        if (before.phase === 'running.stopping' || before.phase === 'running.failing') {
          // Shutting down: a child not asked to stop yet gets it; a child stopping gets a
          // message but not a reload, which is dropped and counted.
          for (const child of before.children) {
            if (child.status !== 'running' && child.status !== 'stopping') continue;
            if (child.status === 'stopping' && event.type === 'reload') {
              dropped++;
              continue;
            }
            const got = expected.get(key(child.id, child.runs))!;
            if (event.type === 'reload') got.reloads++;
            else got.messages.push(message);
          }
          break;
        }
        if (before.phase !== 'running.active') break;
        for (const child of before.children) {
          // A running child gets it; one waiting to restart keeps it for its next run.
          const waits =
            child.status === 'backingOff' ||
            child.status === 'waiting' ||
            (child.status === 'stopping' && child.purpose === 'restart');
          if (child.status !== 'running' && !waits) continue;
          const got = waits ? pendingOf(child.id) : expected.get(key(child.id, child.runs))!;
          if (event.type === 'reload') got.reloads = waits ? 1 : got.reloads + 1;
          else got.messages.push(message);
        }
        break;
      }
      default: {
        const [id, what] = [
          event.type.slice(0, event.type.lastIndexOf('.')),
          event.type.slice(event.type.lastIndexOf('.') + 1),
        ];
        const last = test(id!).last;
        if (!last) break;
        if (what === 'fails') {
          const error = new Error(`${id} run ${last.number} failed`);
          if (last.live) thrown.set(key(id!, last.number), error);
          last.fail(error);
        } else if (what === 'reportsHealthy') last.reportHealthy();
        else if (what === 'becomesReady') {
          readyEvents.push(id!);
          last.ready();
        } else last.complete();
      }
    }
    await clock.settle();
  };

  const check = (before: GroupModelContext | undefined, model: GroupModelContext) => {
    if (!group) throw new Error('the group was not found');
    const snapshot = group.getSnapshot();
    expectSame('the group state', phaseOf(snapshot), model.phase);
    for (const child of model.children) {
      const runs = test(child.id).runs;
      const was = before?.children.find((c) => c.id === child.id);
      for (let run = (was?.runs ?? 0) + 1; run <= child.runs; run++) {
        // A new run gets what was kept for it.
        expected.set(key(child.id, run), pendingOf(child.id));
        pending.delete(child.id);
      }
      if (child.status === 'gone' && was && was.status !== 'gone') {
        // A child that leaves the group drops what was kept for it.
        const kept = pendingOf(child.id);
        dropped += kept.reloads + kept.messages.length;
        pending.delete(child.id);
      }
      expectSame(`runs of ${child.id} started`, runs.length, child.runs);
      for (const run of runs) {
        if (!timedOut.has(key(child.id, run.number))) continue;
        expectSame(
          `how ${child.id} run ${run.number} ended, past its readiness deadline`,
          run.ending,
          'stopped',
        );
      }
      for (const run of runs) {
        const got = expected.get(key(child.id, run.number))!;
        expectSame(`reloads ${child.id} run ${run.number} received`, run.reloads, got.reloads);
        expectSame(`messages ${child.id} run ${run.number} received`, run.messages, got.messages);
      }
      const live = child.status === 'running' || child.status === 'stopping';
      expectSame(
        `runs of ${child.id} still going`,
        test(child.id)
          .live()
          .map((run) => run.number),
        live ? [child.runs] : [],
      );
      if (child.status === 'stopping') {
        expectTrue(
          `${child.id} run ${child.runs} was asked to shut down`,
          runs.at(-1)?.askedToShutDown === true,
        );
      }
    }
    expectSame('child.ready events of the group', readySeen, readyEvents);
    if (model.phase.startsWith('running.')) {
      expectSame('errors of the group', errors, []);
      expectSame(
        'the children, their status and readiness',
        (childSetMembers(group) ?? []).map(({ id, status, ready }) => ({ id, status, ready })),
        model.children
          .filter((child) => child.status !== 'gone')
          .map(({ id, status, ready }) => ({ id, status, ready })),
      );
      const count = (status: string) =>
        model.children.filter((child) => child.status === status).length;
      expectSame('the group’s counts', counts(), {
        running: count('running'),
        stopping: count('stopping'),
        backingOff: count('backingOff'),
        waiting: count('waiting'),
        ready: model.children.filter((child) => child.status === 'running' && child.ready).length,
        restarts: model.restarts,
        failures: model.failures,
        droppedMessages: dropped,
      });
    } else if (model.phase === 'failed') {
      expectSame('errors of the group', errors.length, 1);
      const error = errors[0] as GroupError;
      expectTrue(
        `the group failed with a GroupError, not ${String(error)}`,
        error instanceof GroupError,
      );
      expectSame('the reason it gave up', error.reason, model.gaveUp?.reason);
      expectSame('the child it gave up on', error.childId, model.gaveUp?.childId);
      const childId = model.gaveUp?.childId ?? '';
      const cause = thrown.get(key(childId, test(childId).runs.length));
      if (cause)
        expectTrue(
          'the error it gave up with has the child’s error as cause',
          error.cause === cause,
        );
    } else {
      expectSame('errors of the group', errors, []);
      expectSame('the output', (snapshot as { output?: unknown }).output, {
        reason: model.reason,
        stopped: model.stopped,
        forced: model.forced,
        restarts: model.restarts,
        failures: model.failures,
        droppedMessages: dropped,
      });
    }
    system.check?.(model, group);
  };

  try {
    await runSteps(path, describeGroupContext, groupNextTimerMs, async (index) => {
      const step = path.steps[index]!;
      if (index === 0) {
        collectErrors(actor, errors);
        planNextRuns();
        actor.start();
        group = system.group ? system.group(actor) : actor;
        if (group && group !== actor) collectErrors(group, errors);
        group?.on('child.ready', (event: { childId: string }) => readySeen.push(event.childId));
        await clock.settle();
        planNextRuns();
        check(undefined, step.state.context);
        return;
      }
      const before = path.steps[index - 1]!.state.context;
      const event = step.event as GroupModelEvent;
      if (spec.allowed(before, event)) await perform(before, event);
      planNextRuns();
      check(before, step.state.context);
    });
  } finally {
    // Whatever the outcome, nothing of this path keeps running.
    actor.stop();
  }
}
