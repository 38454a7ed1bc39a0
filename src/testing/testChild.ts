/**
 * `createTestChild`: a child for supervisors and groups that a test controls run by run.
 *
 * Every start of the child is a run, numbered from 1, and recorded: its input, when it started
 * and ended, how it ended, the reloads and messages it received and whether it was asked to
 * shut down, and whether and when it said it was ready. What a run does is up to the test, either
 * planned ahead by run number (fail or complete as soon as it starts, report healthy or ready,
 * hang on shutdown) or done on the spot
 * (`child.run(2).fail()`). The logic is plain XState actor logic that handles `shutdown` itself,
 * so supervisors and groups stop it gracefully and wait for it.
 *
 * What each run records, its step, its start and the test's view of it are in
 * `testChildRun.ts`.
 */
import type {
  ActorLogic,
  AnyActorRef,
  AnyEventObject,
  NonReducibleUnknown,
  Snapshot,
} from 'xstate';
import { guardLeaf } from '../actors/internalEvents.js';
import { markShutdownAware } from '../actors/shutdownAware.js';
import { HEALTHY, READY } from '../runtime/events.js';
import { beginRun, type RunRecord, runView, transition } from './testChildRun.js';

export {
  TEST_CHILD_COMPLETE,
  TEST_CHILD_FAIL,
  TEST_CHILD_FINISH,
  TEST_CHILD_HEALTHY,
} from './testChildRun.js';

/** The event a child sends its parent to say it is healthy (see {@link RunPlan.start}). */
export const HEALTHY_EVENT: typeof HEALTHY = HEALTHY;

/**
 * The event a child sends its parent to say it is ready (see {@link RunPlan.start} and
 * {@link TestRun.ready}): a supervisor or group that was told the child signals readiness
 * (`signalsReady: true`) counts it ready from then on.
 *
 * @example
 *
 * ```ts
 * const db = createTestChild();
 * const actor = createActor(createSupervisor(db.logic, { signalsReady: true })).start();
 * db.last!.ready(); // sends { type: READY_EVENT } to the supervisor
 * actor.getSnapshot().context.ready; // true
 * ```
 */
export const READY_EVENT: typeof READY = READY;

/** What a run does by itself. */
export interface RunPlan {
  /**
   * What the run does as soon as it has started: `'serve'` (default) runs until told otherwise;
   * `'fail'` fails and `'complete'` completes before its start has returned (as a child that
   * throws at once); `'healthy'` sends its parent `{ type: 'supervisor.healthy' }` right after
   * its start, and then serves; `'ready'` sends its parent `{ type: 'supervisor.ready' }` right
   * after its start (a child that connects at once), and then serves.
   */
  start?: 'serve' | 'fail' | 'complete' | 'healthy' | 'ready';
  /** On `shutdown`: `'finish'` (default) completes at once; `'hang'` keeps running until the test ends it. */
  shutdown?: 'finish' | 'hang';
  /** The error a planned failure fails with. Default `new Error('run <n> failed')`. */
  error?: unknown;
  /** The output a planned completion completes with. Default `'run <n> completed'`. */
  output?: unknown;
}

/** How a run ended. */
export type RunEnding =
  /** It failed (planned, or the test called `fail`). */
  | 'failed'
  /** It completed on its own (planned, or the test called `complete`). */
  | 'completed'
  /** It finished after being sent `shutdown`. */
  | 'shut down'
  /** Its parent stopped it (a forced stop, or a child that outlived its grace period). */
  | 'stopped';

/** One run of a test child: what it got, and how to end it. */
export interface TestRun {
  /** 1 for the first run. */
  readonly number: number;
  /** The input the run was started with. */
  readonly input: unknown;
  /** The run's actor. */
  readonly actor: AnyActorRef;
  /** When it started, by the `clock` given to {@link createTestChild} (else `undefined`). */
  readonly startedAt: number | undefined;
  /** How it ended, or `null` while it runs. */
  readonly ending: RunEnding | null;
  /** When it ended, by the clock (else `undefined`). */
  readonly endedAt: number | undefined;
  /** Reload events received. */
  readonly reloads: number;
  /** Other events received (not `shutdown`, `reload` or XState's own), in order. */
  readonly messages: readonly AnyEventObject[];
  /** It was sent `shutdown`. */
  readonly askedToShutDown: boolean;
  /** It has sent its parent `{ type: 'supervisor.ready' }` (planned, or the test called `ready`). */
  readonly signalledReady: boolean;
  /** When it first did, by the clock (else `undefined`). */
  readonly readyAt: number | undefined;
  /** The run is still going. */
  readonly live: boolean;
  /** Makes the run fail now (nothing happens when it has ended). */
  fail(error?: unknown): void;
  /** Makes the run complete now with `output`. */
  complete(output?: unknown): void;
  /** Makes the run send its parent `{ type: 'supervisor.healthy' }`. */
  reportHealthy(): void;
  /**
   * Makes the run send its parent `{ type: 'supervisor.ready' }`: it says it is ready, as a
   * client once connected (nothing happens when it has ended).
   */
  ready(): void;
  /** Ends a run that hangs on shutdown, as if it had finished its clean-up. */
  finishShutdown(output?: unknown): void;
}

/** Options of {@link createTestChild}. */
export interface TestChildOptions {
  /**
   * What each run does by itself, by run number (1 for the first run): a record, or a function
   * of the run number. Runs without a plan serve until the test ends them.
   */
  runs?: Readonly<Record<number, RunPlan>> | ((run: number) => RunPlan | undefined);
  /** A clock (the actor's `SimulatedClock`) to time-stamp starts and ends with. */
  clock?: { now(): number };
}

/** The snapshot of a test child's run. */
export type TestChildSnapshot = Snapshot<unknown> & { input: unknown };

/** The actor logic of a test child. */
export type TestChildLogic = ActorLogic<
  TestChildSnapshot,
  AnyEventObject,
  NonReducibleUnknown,
  // biome-ignore lint/suspicious/noExplicitAny: any actor system, as XState's own creators
  any
>;

/** A test child: its logic, to supervise, and its runs, to check and drive. */
export interface TestChild {
  /** The actor logic to give a supervisor or group. */
  readonly logic: TestChildLogic;
  /** Every run so far, first run first. */
  readonly runs: readonly TestRun[];
  /** The latest run, or `undefined` before the first start. */
  readonly last: TestRun | undefined;
  /** Run number `number` (1 for the first); throws when it has not started. */
  run(number: number): TestRun;
  /** The runs still going. */
  live(): TestRun[];
  /** Plans what run `number` does, for a run not started yet (overrides `options.runs`). */
  plan(number: number, plan: RunPlan): void;
}

/**
 * Creates a controllable child: actor logic whose every run is recorded, and which the test
 * makes fail, complete, hang on shutdown, report healthy or say it is ready, by run number.
 *
 * @example
 *
 * ```ts
 * import { createActor } from 'xstate';
 * import { createSupervisor } from 'xstate-supervisor';
 * import { createTestChild, TestClock } from 'xstate-supervisor/testing';
 *
 * // Runs 1 and 2 fail at once; run 3 serves and hangs when asked to shut down.
 * const api = createTestChild({
 *   runs: { 1: { start: 'fail' }, 2: { start: 'fail' }, 3: { shutdown: 'hang' } },
 * });
 * const clock = new TestClock();
 * const actor = createActor(createSupervisor(api.logic), { clock }).start();
 * await clock.advance(600); // 200 ms, then 400 ms of backoff
 * api.runs.map((run) => run.ending); // ['failed', 'failed', null]
 * api.run(3).fail(); // and the supervisor backs off again
 * ```
 */
export function createTestChild(options: TestChildOptions = {}): TestChild {
  const { clock } = options;
  const records: RunRecord[] = [];
  const byActor = new WeakMap<AnyActorRef, RunRecord>();
  const planned = new Map<number, RunPlan>();
  const planOf = (number: number): RunPlan => {
    const explicit = planned.get(number);
    if (explicit) return explicit;
    const { runs } = options;
    return (typeof runs === 'function' ? runs(number) : runs?.[number]) ?? {};
  };
  const now = () => clock?.now();

  const logic: TestChildLogic = {
    transition: (snapshot, event, scope) => transition(byActor, snapshot, event, scope.self, now),
    start(snapshot, { self }) {
      if (snapshot.status !== 'active') return;
      const number = records.length + 1;
      const record: RunRecord = {
        number,
        input: snapshot.input,
        actor: self,
        startedAt: now(),
        ending: null,
        endedAt: undefined,
        reloads: 0,
        messages: [],
        askedToShutDown: false,
        signalledReady: false,
        readyAt: undefined,
        plan: planOf(number),
      };
      records.push(record);
      byActor.set(self, record);
      beginRun(record, now);
    },
    getInitialSnapshot: (scope, input) => {
      guardLeaf(scope?.self);
      return { status: 'active', output: undefined, error: undefined, input };
    },
    getPersistedSnapshot: (snapshot) => snapshot,
    restoreSnapshot(snapshot, scope) {
      guardLeaf(scope?.self);
      return snapshot as TestChildSnapshot;
    },
  };

  const views = new WeakMap<RunRecord, TestRun>();
  const view = (record: RunRecord): TestRun => {
    let run = views.get(record);
    if (run) return run;
    run = runView(record, now);
    views.set(record, run);
    return run;
  };

  return {
    logic: markShutdownAware(logic),
    get runs() {
      return records.map(view);
    },
    get last() {
      const record = records.at(-1);
      return record ? view(record) : undefined;
    },
    run(number) {
      const record = records[number - 1];
      if (!record) {
        throw new Error(
          `test child: run ${number} has not started (${records.length} run${records.length === 1 ? '' : 's'} so far)`,
        );
      }
      return view(record);
    },
    live: () => records.filter((record) => view(record).live).map(view),
    plan(number, plan) {
      if (number <= records.length) {
        throw new Error(`test child: run ${number} has already started; plan it before it starts`);
      }
      planned.set(number, plan);
    },
  };
}
