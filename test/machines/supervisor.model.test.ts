/**
 * Model-based test of the supervisor, with `createTestModel` from `xstate/graph`.
 *
 * `xstate/graph` walks machines without invocations or delays, so the model is a small machine
 * that states what the supervisor is expected to do: its states are the supervisor's states (and
 * its final outcomes), its events are what can happen to a supervisor (the child fails or
 * completes, the next timer fires, shutdown, forced shutdown, reload, a custom message), and
 * every state handles every event. The graph gives one path per transition of the model. Each
 * path is replayed against a real supervisor around a controllable child, on a
 * `SimulatedClock`, and after every step the real actor's state, its context and the child's
 * starts, stops and received messages are checked against the model.
 */

import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  assign,
  createActor,
  type EventObject,
  not,
  SimulatedClock,
  type SnapshotFrom,
  setup,
} from 'xstate';
import { createTestModel, serializeSnapshot } from 'xstate/graph';
import { SupervisorError } from '../../src/errors.js';
import {
  createSupervisor,
  type SupervisorEvent,
  type SupervisorOutput,
} from '../../src/machines/supervisor.js';
import { MAX_TIMER_MS } from '../../src/policy/backoff.js';
import type { RestartType } from '../../src/policy/options.js';
import { advance, hostedRuns, processProbe, settle } from '../support/probe.js';

const INITIAL_MS = 100;
const MAX_MS = 400;
const RESET_AFTER_MS = 1_000;
const GRACE_MS = 500;
const MAX_RESTARTS = 2;

/** The delay the supervisor must wait after `failures` consecutive failures. */
const expectedDelay = (failures: number) => Math.min(INITIAL_MS * 2 ** (failures - 1), MAX_MS);

interface ModelContext {
  /** Consecutive failures (completions of a permanent child included). */
  failures: number;
  /** Restarts made (all within the restart window in these tests). */
  restarts: number;
  /** A reload arrived during the current backoff wait. */
  reloadPending: boolean;
  /** Custom messages arrived during the current backoff wait. */
  messagesPending: boolean;
}

type ModelEvent =
  | { type: 'CHILD_ERROR' }
  | { type: 'CHILD_DONE' }
  | { type: 'TIMER' }
  | { type: 'SHUTDOWN' }
  | { type: 'FORCE_SHUTDOWN' }
  | { type: 'RELOAD' }
  | { type: 'CUSTOM' };

const MODEL_EVENTS: ModelEvent['type'][] = [
  'CHILD_ERROR',
  'CHILD_DONE',
  'TIMER',
  'SHUTDOWN',
  'FORCE_SHUTDOWN',
  'RELOAD',
  'CUSTOM',
];

const initialContext: ModelContext = {
  failures: 0,
  restarts: 0,
  reloadPending: false,
  messagesPending: false,
};

/** The supervisor's expected behaviour for one restart type, as a graph-walkable machine. */
function expectedBehaviour(restart: RestartType) {
  /** An outcome: nothing changes any more, whatever happens. */
  const outcome = {
    entry: 'forget' as const,
    on: Object.fromEntries(MODEL_EVENTS.map((type) => [type, { actions: 'nothing' as const }])),
  };
  return setup({
    types: { context: {} as ModelContext, events: {} as ModelEvent },
    guards: {
      restartsAfterError: () => restart !== 'temporary',
      restartsAfterCompletion: () => restart === 'permanent',
      limitReached: ({ context }) => context.restarts >= MAX_RESTARTS,
      hasFailures: ({ context }) => context.failures > 0,
    },
    actions: {
      // Self-transitions need an action, or the graph does not list their event.
      nothing: () => {},
      countFailure: assign({ failures: ({ context }) => context.failures + 1 }),
      restart: assign({
        restarts: ({ context }) => context.restarts + 1,
        reloadPending: false,
        messagesPending: false,
      }),
      resetFailures: assign({ failures: 0 }),
      queueReload: assign({ reloadPending: true }),
      queueMessage: assign({ messagesPending: true }),
      // Outcomes forget the counters, so each outcome is one state of the graph.
      forget: assign(() => ({ ...initialContext })),
    },
  }).createMachine({
    id: 'expected',
    context: { ...initialContext },
    initial: 'running',
    states: {
      running: {
        initial: 'active',
        states: {
          active: {
            on: {
              CHILD_ERROR: [
                { guard: not('restartsAfterError'), target: '#expected.failed' },
                { guard: 'limitReached', target: '#expected.failed' },
                { target: '#expected.backingOff', actions: 'countFailure' },
              ],
              CHILD_DONE: [
                { guard: not('restartsAfterCompletion'), target: '#expected.completed' },
                { guard: 'limitReached', target: '#expected.failed' },
                { target: '#expected.backingOff', actions: 'countFailure' },
              ],
              // The next timer is the stable-run reset.
              TIMER: [{ guard: 'hasFailures', actions: 'resetFailures' }, { actions: 'nothing' }],
              SHUTDOWN: 'stopping',
              FORCE_SHUTDOWN: '#expected.forced',
              RELOAD: { actions: 'nothing' },
              CUSTOM: { actions: 'nothing' },
            },
          },
          stopping: {
            on: {
              CHILD_ERROR: '#expected.stopped',
              CHILD_DONE: '#expected.stopped',
              // The next timer is the end of the grace period.
              TIMER: '#expected.forced',
              SHUTDOWN: { actions: 'nothing' },
              FORCE_SHUTDOWN: '#expected.forced',
              RELOAD: { actions: 'nothing' },
              CUSTOM: { actions: 'nothing' },
            },
          },
        },
      },
      backingOff: {
        on: {
          // No child runs: the previous run's late outcome changes nothing.
          CHILD_ERROR: { actions: 'nothing' },
          CHILD_DONE: { actions: 'nothing' },
          // The next timer is the end of the backoff wait.
          TIMER: { target: 'running', actions: 'restart' },
          SHUTDOWN: 'stopped',
          FORCE_SHUTDOWN: 'stopped',
          RELOAD: { actions: 'queueReload' },
          CUSTOM: { actions: 'queueMessage' },
        },
      },
      stopped: outcome,
      forced: outcome,
      completed: outcome,
      failed: outcome,
    },
  });
}

type ModelSnapshot = SnapshotFrom<ReturnType<typeof expectedBehaviour>>;

/** The real supervisor, its child, and what the child must have received so far. */
function createWorld(restart: RestartType) {
  const clock = new SimulatedClock();
  const probe = processProbe({ onShutdown: 'ignore' });
  const actor = createActor(
    createSupervisor(probe.logic, {
      restart,
      backoff: { initialMs: INITIAL_MS, maxMs: MAX_MS, factor: 2 },
      maxRestarts: { count: MAX_RESTARTS, withinMs: MAX_TIMER_MS },
      resetAfterMs: RESET_AFTER_MS,
      shutdownTimeoutMs: GRACE_MS,
    }),
    { clock },
  );
  const errors: unknown[] = [];
  actor.subscribe({ error: (error) => errors.push(error) });
  actor.start();
  return {
    restart,
    clock,
    probe,
    actor,
    errors,
    /** The model state before the step being run. */
    model: undefined as ModelSnapshot | undefined,
    /** Per run: reloads and messages it must have received. */
    expectedReloads: [0],
    expectedMessages: [[]] as EventObject[][],
    pendingReload: false,
    pendingMessages: [] as EventObject[],
    sequence: 0,
    send(event: SupervisorEvent) {
      actor.send(event);
    },
  };
}

type World = ReturnType<typeof createWorld>;

const lastIndex = (world: World) => world.expectedReloads.length - 1;

/** Runs one model event against the real supervisor. */
async function perform(world: World, type: ModelEvent['type']): Promise<void> {
  const before = world.model;
  if (!before) throw new Error('no model state before the event');
  const run = world.probe.last;
  switch (type) {
    case 'CHILD_ERROR':
      run.fail(new Error(`run ${run.index} failed`));
      break;
    case 'CHILD_DONE':
      run.succeed(`output of run ${run.index}`);
      break;
    case 'TIMER': {
      const waits = before.matches('backingOff')
        ? expectedDelay(before.context.failures)
        : before.matches({ running: 'active' })
          ? RESET_AFTER_MS
          : before.matches({ running: 'stopping' })
            ? GRACE_MS
            : 60_000;
      // Nothing may happen a millisecond early.
      const snapshot = world.actor.getSnapshot();
      await advance(world.clock, waits - 1);
      expect(world.actor.getSnapshot().value).toEqual(snapshot.value);
      expect(world.actor.getSnapshot().context.failures).toBe(snapshot.context.failures);
      expect(world.probe.runs).toHaveLength(world.expectedReloads.length);
      await advance(world.clock, 1);
      break;
    }
    case 'SHUTDOWN':
      world.send({ type: 'shutdown' });
      break;
    case 'FORCE_SHUTDOWN':
      world.send({ type: 'shutdown', force: true });
      break;
    case 'RELOAD':
      world.send({ type: 'reload' });
      if (before.matches({ running: 'active' })) world.expectedReloads[lastIndex(world)]! += 1;
      if (before.matches('backingOff')) world.pendingReload = true;
      break;
    case 'CUSTOM': {
      const message = { type: 'custom', sequence: ++world.sequence };
      world.send(message);
      if (before.matches('running')) world.expectedMessages[lastIndex(world)]!.push(message);
      if (before.matches('backingOff')) world.pendingMessages.push(message);
      break;
    }
  }
  await settle();
}

/** After a step: the new model state must describe the real supervisor and its child. */
function check(world: World, model: ModelSnapshot): void {
  const before = world.model;
  if (before?.matches('backingOff') && model.matches('running')) {
    world.expectedReloads.push(world.pendingReload ? 1 : 0);
    world.expectedMessages.push(world.pendingMessages);
    world.pendingReload = false;
    world.pendingMessages = [];
  }
  world.model = model;

  const snapshot = world.actor.getSnapshot();
  const { runs } = world.probe;
  const last = world.probe.last;

  // The child: started once per expected run, received exactly what it should have.
  expect(runs).toHaveLength(world.expectedReloads.length);
  expect(runs.map((run) => run.reloads.length)).toEqual(world.expectedReloads);
  expect(runs.map((run) => run.messages)).toEqual(world.expectedMessages);
  expect(new Set(runs.map((run) => run.actor)).size).toBe(runs.length);

  // Only a running supervisor has a live child, and only the latest run.
  const running = model.matches('running');
  expect(world.probe.live()).toEqual(running ? [last] : []);
  expect(runs.slice(0, -1).every((run) => run.signal.aborted)).toBe(true);

  if (running || model.matches('backingOff')) {
    expect(snapshot.status).toBe('active');
    expect(snapshot.context).toMatchObject({
      failures: model.context.failures,
      restarts: model.context.restarts,
    });
    expect(snapshot.context.pendingMessages).toBe(
      (model.context.reloadPending ? 1 : 0) + (model.context.messagesPending ? 1 : 0) > 0
        ? snapshot.context.pendingMessages || -1
        : 0,
    );
    expect(world.errors).toEqual([]);
  }

  if (model.matches({ running: 'active' })) {
    expect(snapshot.matches({ running: 'active' })).toBe(true);
    expect(last.signal.aborted).toBe(false);
    expect(hostedRuns(snapshot).child).toBe(last.actor);
  } else if (model.matches({ running: 'stopping' })) {
    expect(snapshot.matches({ running: 'stopping' })).toBe(true);
    expect(last.signal.aborted).toBe(true);
  } else if (model.matches('backingOff')) {
    expect(snapshot.matches({ backingOff: 'waiting' })).toBe(true);
    expect(snapshot.context.nextDelayMs).toBe(expectedDelay(model.context.failures));
    expect(hostedRuns(snapshot)).toEqual({});
  } else if (model.matches('failed')) {
    expect(snapshot.status).toBe('error');
    expect(world.errors).toHaveLength(1);
    const error = world.errors[0] as SupervisorError;
    expect(error).toBeInstanceOf(SupervisorError);
    expect(error.reason).toBe(world.restart === 'temporary' ? 'temporary' : 'max-restarts');
    expect(hostedRuns(snapshot)).toEqual({});
  } else {
    const reason = model.matches('completed')
      ? 'completed'
      : model.matches('forced')
        ? 'forced'
        : 'shutdown';
    expect(snapshot.status).toBe('done');
    expect((snapshot.output as SupervisorOutput).reason).toBe(reason);
    if (reason === 'completed') {
      expect((snapshot.output as SupervisorOutput).output).toBe(`output of run ${last.index}`);
    }
    expect(world.errors).toEqual([]);
  }
}

/** The model's states, by the keys `path.test` matches them with. */
const STATE_KEYS = [
  'running.active',
  'running.stopping',
  'backingOff',
  'stopped',
  'forced',
  'completed',
  'failed',
] as const;
type StateKey = (typeof STATE_KEYS)[number];

/**
 * One path per transition of the model: a state is identified by the transition that reached
 * it, so the shortest paths end with every (state, event) pair once.
 */
function pathsThroughEveryTransition(restart: RestartType) {
  const model = createTestModel(expectedBehaviour(restart), {
    serializeTransition: (_state, event, previous) =>
      event && previous ? ` via ${event.type} from ${serializeSnapshot(previous)}` : '',
  });
  return model.getShortestPaths();
}

/** The (state, event) pairs the paths take, as `state --EVENT-->`. */
function coveredPairs(paths: ReturnType<typeof pathsThroughEveryTransition>): Set<string> {
  const pairs = new Set<string>();
  for (const path of paths) {
    for (let i = 1; i < path.steps.length; i++) {
      const from = path.steps[i - 1]!.state as ModelSnapshot;
      const key = STATE_KEYS.find((k) =>
        from.matches(k as Parameters<ModelSnapshot['matches']>[0]),
      );
      pairs.add(`${key} --${path.steps[i]!.event.type}-->`);
    }
  }
  return pairs;
}

const REACHABLE: Record<RestartType, readonly StateKey[]> = {
  transient: [
    'running.active',
    'running.stopping',
    'backingOff',
    'stopped',
    'forced',
    'completed',
    'failed',
  ],
  permanent: ['running.active', 'running.stopping', 'backingOff', 'stopped', 'forced', 'failed'],
  temporary: ['running.active', 'running.stopping', 'stopped', 'forced', 'completed', 'failed'],
};

describe.each(['transient', 'permanent', 'temporary'] as const)(
  'supervisor model (restart: %s)',
  (restart) => {
    const paths = pathsThroughEveryTransition(restart);

    // Events sent to a supervisor that has stopped make XState warn; that is expected here.
    let warn: ReturnType<typeof vi.spyOn> | undefined;
    beforeAll(() => {
      warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    });
    afterAll(() => warn?.mockRestore());

    it('covers every reachable state with every event', () => {
      const pairs = coveredPairs(paths);
      for (const state of REACHABLE[restart]) {
        for (const event of MODEL_EVENTS) expect(pairs).toContain(`${state} --${event}-->`);
      }
    });

    it.each(paths.map((path) => [path.description, path] as const))('%s', async (_, path) => {
      const world = createWorld(restart);
      await settle();
      await path.test({
        states: Object.fromEntries(
          STATE_KEYS.map((key) => [key, (state: ModelSnapshot) => check(world, state)]),
        ),
        events: Object.fromEntries(MODEL_EVENTS.map((type) => [type, () => perform(world, type)])),
      });
      world.actor.stop();
    });
  },
);
