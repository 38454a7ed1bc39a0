/**
 * Model-based test of the process group, with `createTestModel` from `xstate/graph`.
 *
 * As for the supervisor, the model is a small machine that states what a group of two children
 * (`a` started before `b`) is expected to do. Its states are the group's phases (`active`,
 * `stopping`, `failing`) and outcomes (`stopped`, `completed`, `failed`); its context holds
 * what each child is doing (`running`, `backingOff`, `stopping`, or `gone`), the restart and
 * failure counts and the shutdown report so far. Its events are what can happen to a group:
 * either child fails or completes, the next timer fires, shutdown, forced shutdown, reload.
 * Every state handles every event, and {@link expectedStep} is the whole expected behaviour,
 * for each strategy.
 *
 * The graph gives one path per transition of the model. Each path is replayed against a real
 * group of two controllable children on a `SimulatedClock` (children that only finish when
 * told, so that a graceful stop can be watched), and after every step the group's state,
 * context, child views and live child actors, each child's runs and the reloads they got, and
 * finally the output or the error, are checked against the model.
 */

import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { assign, createActor, SimulatedClock, type SnapshotFrom, setup } from 'xstate';
import { createTestModel, serializeSnapshot } from 'xstate/graph';
import { GroupError } from '../../src/errors.js';
import { createProcessGroup, type GroupOutput } from '../../src/machines/group.js';
import { MAX_TIMER_MS } from '../../src/policy/backoff.js';
import type { GroupStrategy } from '../../src/policy/restart.js';
import { advance, hostedRuns, processProbe, settle } from '../support/probe.js';

const BACKOFF_MS = 100;
const GRACE_MS = 500;
/** How long a timer step waits when no timer is due: nothing may happen. */
const IDLE_MS = 60_000;
const MAX_RESTARTS = 1;

const IDS = ['a', 'b'] as const;
type Id = (typeof IDS)[number];
type Status = 'running' | 'backingOff' | 'stopping' | 'gone';
type Phase = 'active' | 'stopping' | 'failing' | 'stopped' | 'completed' | 'failed';
const PHASES: readonly Phase[] = [
  'active',
  'stopping',
  'failing',
  'stopped',
  'completed',
  'failed',
];
const OUTCOMES: readonly Phase[] = ['stopped', 'completed', 'failed'];

interface ModelContext {
  phase: Phase;
  a: Status;
  b: Status;
  /** Restart decisions, counted against `maxRestarts` (a round of one-for-all is one). */
  decisions: number;
  /** Children started again, as the group's `context.restarts`. */
  restarts: number;
  /** Child failures while active, as the group's `context.failures`. */
  failures: number;
  /** The shutdown report so far. */
  stopped: Id[];
  forced: Id[];
  /** Why and for whom the group gives up. */
  gaveUp: { reason: 'child-failed' | 'max-restarts'; childId: Id } | null;
}

const MODEL_EVENTS = [
  'A_FAILS',
  'A_COMPLETES',
  'B_FAILS',
  'B_COMPLETES',
  'TIMER',
  'SHUTDOWN',
  'FORCE_SHUTDOWN',
  'RELOAD',
] as const;
type ModelEventType = (typeof MODEL_EVENTS)[number];
type ModelEvent = { type: ModelEventType };

const initialContext: ModelContext = {
  phase: 'active',
  a: 'running',
  b: 'running',
  decisions: 0,
  restarts: 0,
  failures: 0,
  stopped: [],
  forced: [],
  gaveUp: null,
};

/** Starts a graceful stop of the group: children backing off stop at once, running ones are asked. */
function drain(next: ModelContext, phase: 'stopping' | 'failing'): void {
  next.phase = phase;
  for (const id of IDS) {
    if (next[id] === 'backingOff') {
      next[id] = 'gone';
      next.stopped.push(id);
    } else if (next[id] === 'running') next[id] = 'stopping';
  }
}

/** A stopping or failing group ends once no child is left. */
function endIfDrained(next: ModelContext): ModelContext {
  const left = IDS.some((id) => next[id] !== 'gone');
  if (!left && next.phase === 'stopping') next.phase = 'stopped';
  if (!left && next.phase === 'failing') next.phase = 'failed';
  return next;
}

/** The children that restart with `id` under `strategy` (those running, besides itself). */
function restartedWith(strategy: GroupStrategy, id: Id, context: ModelContext): Id[] {
  if (strategy === 'one-for-one' || strategy === 'fail-fast') return [];
  const others = strategy === 'one-for-all' ? IDS : IDS.slice(IDS.indexOf(id) + 1);
  return others.filter((other) => other !== id && context[other] === 'running');
}

/** What the group is expected to do on one event: the model's whole behaviour. */
function expectedStep(
  strategy: GroupStrategy,
  context: ModelContext,
  type: ModelEventType,
): ModelContext {
  if (OUTCOMES.includes(context.phase)) return context;
  const next: ModelContext = {
    ...context,
    stopped: [...context.stopped],
    forced: [...context.forced],
  };
  const active = context.phase === 'active';
  switch (type) {
    case 'RELOAD':
      return context;
    case 'SHUTDOWN':
      if (!active) return context;
      drain(next, 'stopping');
      return endIfDrained(next);
    case 'FORCE_SHUTDOWN':
      if (active) drain(next, 'stopping');
      for (const id of IDS) {
        if (next[id] === 'stopping') {
          next[id] = 'gone';
          next.forced.push(id);
        }
      }
      return endIfDrained(next);
    case 'TIMER': {
      const stopping = IDS.filter((id) => next[id] === 'stopping');
      if (stopping.length > 0) {
        // The grace period ends: a child stopping for a restart round then backs off with the
        // others; one stopping for shutdown is reported as forced.
        for (const id of stopping) {
          next[id] = active ? 'backingOff' : 'gone';
          if (!active) next.forced.push(id);
        }
        return endIfDrained(next);
      }
      for (const id of IDS) {
        if (next[id] === 'backingOff') {
          next[id] = 'running';
          next.restarts++;
        }
      }
      return next;
    }
    default: {
      const id: Id = type.startsWith('A_') ? 'a' : 'b';
      const failed = type.endsWith('_FAILS');
      if (next[id] === 'stopping') {
        // Asked to stop, it ends: stopped in time, whether it failed or not.
        if (active) next[id] = 'backingOff';
        else {
          next[id] = 'gone';
          next.stopped.push(id);
        }
        return endIfDrained(next);
      }
      // A child that is not running has no run to end.
      if (next[id] !== 'running') return context;
      if (!failed) {
        next[id] = 'gone';
        if (IDS.every((other) => next[other] === 'gone')) next.phase = 'completed';
        return next;
      }
      next.failures++;
      if (strategy === 'fail-fast' || next.decisions >= MAX_RESTARTS) {
        next[id] = 'gone';
        next.gaveUp = {
          reason: strategy === 'fail-fast' ? 'child-failed' : 'max-restarts',
          childId: id,
        };
        drain(next, 'failing');
        return endIfDrained(next);
      }
      next.decisions++;
      next[id] = 'backingOff';
      for (const other of restartedWith(strategy, id, context)) next[other] = 'stopping';
      return next;
    }
  }
}

/** The group's expected behaviour under `strategy`, as a machine `xstate/graph` can walk. */
function expectedBehaviour(strategy: GroupStrategy) {
  const phaseNode = (phase: Phase) => ({
    on: Object.fromEntries(
      MODEL_EVENTS.map((type) => [
        type,
        PHASES.map((target) => ({
          guard: { type: 'leadsTo' as const, params: { phase: target } },
          target: target === phase ? undefined : `#expected.${target}`,
          actions: 'apply' as const,
        })),
      ]),
    ),
  });
  return setup({
    types: { context: {} as ModelContext, events: {} as ModelEvent },
    guards: {
      leadsTo: ({ context, event }, params: { phase: Phase }) =>
        expectedStep(strategy, context, event.type).phase === params.phase,
    },
    actions: {
      // Every transition, self-transitions included, applies the expected step (an action also
      // makes the graph list a self-transition's event).
      apply: assign(({ context, event }) => expectedStep(strategy, context, event.type)),
    },
  }).createMachine({
    id: 'expected',
    context: { ...initialContext },
    initial: 'active',
    states: Object.fromEntries(
      PHASES.map((phase) => [
        phase,
        OUTCOMES.includes(phase) ? { type: 'final' } : phaseNode(phase),
      ]),
    ),
  });
}

type ModelSnapshot = SnapshotFrom<ReturnType<typeof expectedBehaviour>>;

/** The real group, its two children, and what each run must have received so far. */
function createWorld(strategy: GroupStrategy) {
  const clock = new SimulatedClock();
  const probes = {
    a: processProbe({ onShutdown: 'ignore' }),
    b: processProbe({ onShutdown: 'ignore' }),
  };
  const actor = createActor(
    createProcessGroup({
      id: 'model',
      strategy,
      backoff: { initialMs: BACKOFF_MS, maxMs: BACKOFF_MS, factor: 1 },
      maxRestarts: { count: MAX_RESTARTS, withinMs: MAX_TIMER_MS },
      resetAfterMs: false,
      shutdownTimeoutMs: GRACE_MS,
      children: IDS.map((id) => ({ id, logic: probes[id].logic })),
    }),
    { clock },
  );
  const errors: unknown[] = [];
  actor.subscribe({ error: (error) => errors.push(error) });
  actor.start();
  return {
    clock,
    probes,
    actor,
    errors,
    /** The model state before the step being run. */
    model: undefined as ModelSnapshot | undefined,
    /** Per child, per run: the reloads it must have received. */
    expectedReloads: { a: [0], b: [0] } as Record<Id, number[]>,
    /** The errors the runs failed with, by `id/run`. */
    thrown: new Map<string, Error>(),
  };
}

type World = ReturnType<typeof createWorld>;

/** How long the next timer is from the model state `before`. */
function nextTimerMs(before: ModelSnapshot): number {
  const { context } = before;
  if (OUTCOMES.includes(context.phase)) return IDLE_MS;
  if (IDS.some((id) => context[id] === 'stopping')) return GRACE_MS;
  if (IDS.some((id) => context[id] === 'backingOff')) return BACKOFF_MS;
  return IDLE_MS;
}

/** Runs one model event against the real group. */
async function perform(world: World, type: ModelEventType): Promise<void> {
  const before = world.model;
  if (!before) throw new Error('no model state before the event');
  switch (type) {
    case 'TIMER': {
      const waits = nextTimerMs(before);
      // Nothing may happen a millisecond early.
      const snapshot = world.actor.getSnapshot();
      const views = JSON.stringify(snapshot.children.children?.getSnapshot().views);
      await advance(world.clock, waits - 1);
      expect(world.actor.getSnapshot().value).toEqual(snapshot.value);
      expect(JSON.stringify(world.actor.getSnapshot().children.children?.getSnapshot().views)).toBe(
        views,
      );
      await advance(world.clock, 1);
      break;
    }
    case 'SHUTDOWN':
      world.actor.send({ type: 'shutdown' });
      break;
    case 'FORCE_SHUTDOWN':
      world.actor.send({ type: 'shutdown', force: true });
      break;
    case 'RELOAD':
      world.actor.send({ type: 'reload' });
      if (before.context.phase === 'active') {
        for (const id of IDS) {
          if (before.context[id] === 'running')
            world.expectedReloads[id][runsOf(world, id) - 1]! += 1;
        }
      }
      break;
    default: {
      // The latest run ends (when it has already ended, that changes nothing).
      const id: Id = type.startsWith('A_') ? 'a' : 'b';
      const run = world.probes[id].last;
      if (type.endsWith('_FAILS')) {
        const error = new Error(`${id} run ${run.index} failed`);
        if (!world.thrown.has(`${id}/${run.index}`)) world.thrown.set(`${id}/${run.index}`, error);
        run.fail(error);
      } else run.succeed(`${id} run ${run.index} done`);
    }
  }
  await settle();
}

const runsOf = (world: World, id: Id) => world.expectedReloads[id].length;

/** After a step: the new model state must describe the real group and its children. */
function check(world: World, model: ModelSnapshot): void {
  const before = world.model;
  for (const id of IDS) {
    // A child that was backing off and runs again has started a new run.
    if (before?.context[id] === 'backingOff' && model.context[id] === 'running') {
      world.expectedReloads[id].push(0);
    }
  }
  world.model = model;
  const { context } = model;
  const snapshot = world.actor.getSnapshot();

  // Each child: started once per expected run, got exactly the reloads it should have, and
  // only its latest run may be live, while it runs or stops.
  for (const id of IDS) {
    const { runs } = world.probes[id];
    expect(runs, `runs of ${id}`).toHaveLength(runsOf(world, id));
    expect(runs.map((run) => run.reloads.length)).toEqual(world.expectedReloads[id]);
    const live = context[id] === 'running' || context[id] === 'stopping';
    expect(world.probes[id].live(), `live runs of ${id}`).toEqual(live ? [runs.at(-1)] : []);
    if (live) expect(runs.at(-1)?.signal.aborted).toBe(context[id] === 'stopping');
  }

  if (!OUTCOMES.includes(context.phase)) {
    expect(snapshot.status).toBe('active');
    expect(snapshot.value).toEqual({
      running: context.phase === 'active' ? 'active' : context.phase,
    });
    const childSet = snapshot.children.children?.getSnapshot();
    const present = IDS.filter((id) => context[id] !== 'gone');
    expect(childSet?.views).toEqual(
      Object.fromEntries(
        present.map((id) => [id, expect.objectContaining({ status: context[id] })]),
      ),
    );
    const live = IDS.filter((id) => context[id] === 'running' || context[id] === 'stopping');
    expect(childSet?.children).toEqual(
      Object.fromEntries(live.map((id) => [id, world.probes[id].last.actor])),
    );
    const count = (status: Status) => IDS.filter((id) => context[id] === status).length;
    expect(snapshot.context).toMatchObject({
      running: count('running'),
      stopping: count('stopping'),
      backingOff: count('backingOff'),
      restarts: context.restarts,
      failures: context.failures,
    });
    expect(world.errors).toEqual([]);
    return;
  }

  expect(hostedRuns(snapshot)).toEqual({});
  if (context.phase === 'failed') {
    expect(snapshot.status).toBe('error');
    expect(world.errors).toHaveLength(1);
    const error = world.errors[0] as GroupError;
    expect(error).toBeInstanceOf(GroupError);
    expect(error.reason).toBe(context.gaveUp?.reason);
    expect(error.childId).toBe(context.gaveUp?.childId);
    const { childId } = context.gaveUp!;
    expect(error.cause).toBe(world.thrown.get(`${childId}/${world.probes[childId].last.index}`));
    return;
  }
  expect(snapshot.status).toBe('done');
  expect(world.errors).toEqual([]);
  const output: GroupOutput = {
    reason:
      context.phase === 'completed'
        ? 'completed'
        : context.forced.length > 0
          ? 'forced'
          : 'shutdown',
    stopped: context.stopped,
    forced: context.forced,
    restarts: context.restarts,
    failures: context.failures,
    droppedMessages: 0,
  };
  expect(snapshot.output).toEqual(output);
}

/**
 * One path per transition of the model: a state is identified by the transition that reached
 * it, so the shortest paths end with every (state, event) pair once.
 */
function pathsThroughEveryTransition(strategy: GroupStrategy) {
  const model = createTestModel(expectedBehaviour(strategy), {
    serializeTransition: (_state, event, previous) =>
      event && previous ? ` via ${event.type} from ${serializeSnapshot(previous)}` : '',
  });
  return model.getShortestPaths();
}

/** The phases and events the paths take, as `phase --EVENT-->`. */
function coveredPairs(paths: ReturnType<typeof pathsThroughEveryTransition>): Set<string> {
  const pairs = new Set<string>();
  for (const path of paths) {
    for (let i = 1; i < path.steps.length; i++) {
      const from = path.steps[i - 1]!.state as ModelSnapshot;
      pairs.add(`${from.context.phase} --${path.steps[i]!.event.type}-->`);
    }
  }
  return pairs;
}

describe.each(['fail-fast', 'one-for-one', 'one-for-all', 'rest-for-one'] as const)(
  'group model (strategy: %s)',
  (strategy) => {
    const paths = pathsThroughEveryTransition(strategy);

    // Events sent to a group that has stopped make XState warn; that is expected here.
    let warn: ReturnType<typeof vi.spyOn> | undefined;
    beforeAll(() => {
      warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    });
    afterAll(() => warn?.mockRestore());

    it('covers every phase with every event, and reaches every outcome', () => {
      const pairs = coveredPairs(paths);
      for (const phase of PHASES.filter((p) => !OUTCOMES.includes(p))) {
        for (const event of MODEL_EVENTS) expect(pairs).toContain(`${phase} --${event}-->`);
      }
      const ends = new Set(paths.map((path) => (path.state as ModelSnapshot).context.phase));
      for (const outcome of OUTCOMES) expect(ends).toContain(outcome);
    });

    it.each(paths.map((path) => [path.description, path] as const))('%s', async (_, path) => {
      const world = createWorld(strategy);
      await settle();
      await path.test({
        states: { '*': (state: ModelSnapshot) => check(world, state) },
        events: Object.fromEntries(MODEL_EVENTS.map((type) => [type, () => perform(world, type)])),
      });
      world.actor.stop();
    });
  },
);
