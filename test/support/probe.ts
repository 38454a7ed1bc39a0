/**
 * Test support: controllable child processes and simulated time.
 *
 * `processProbe()` makes `fromProcess` logic whose every run is recorded and driven from the
 * test: a run ends when the test calls `succeed` or `fail`, and keeps what it received.
 * `settle()` lets promise-based actors react, and `advance()` moves a `SimulatedClock` forward
 * timer by timer, settling after each, as real time would.
 */

import type { AnyActorRef, EventObject, SimulatedClock } from 'xstate';
import { fromProcess, type ProcessActorLogic } from '../../src/actors/fromProcess.js';
import { runtimeOf } from '../../src/runtime/reach.js';

/** Lets pending promise callbacks and `setImmediate` callbacks run. */
export async function settle(rounds = 3): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

type Timeouts = Map<number, { start: number; timeout: number }>;

function nextDue(clock: SimulatedClock): number | undefined {
  const timeouts = (clock as unknown as { timeouts?: Timeouts }).timeouts;
  if (!(timeouts instanceof Map)) {
    throw new Error('SimulatedClock no longer keeps its timeouts in a Map; update advance()');
  }
  let due: number | undefined;
  for (const { start, timeout } of timeouts.values()) {
    if (due === undefined || start + timeout < due) due = start + timeout;
  }
  return due;
}

/**
 * Moves the simulated clock `ms` forward, firing each timer at its own time and settling
 * promises after each, so that timers scheduled by what fired are placed correctly.
 */
export async function advance(clock: SimulatedClock, ms: number): Promise<void> {
  const target = clock.now() + ms;
  await settle();
  for (;;) {
    const due = nextDue(clock);
    if (due === undefined || due > target) break;
    clock.set(Math.max(due, clock.now()));
    await settle();
  }
  clock.set(target);
  await settle();
}

export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** One run of a probe process. */
export interface ProbeRun {
  /** 0 for the first run. */
  readonly index: number;
  readonly input: unknown;
  readonly signal: AbortSignal;
  readonly actor: AnyActorRef;
  /** Reload events received, in order, as received. */
  readonly reloads: EventObject[];
  /** Custom messages received, in order, as received. */
  readonly messages: EventObject[];
  /** Ends the run successfully with `output`. */
  succeed(output?: unknown): void;
  /** Ends the run with `error`. */
  fail(error: unknown): void;
  /** The run's actor is still active (started, not ended, not stopped). */
  readonly live: boolean;
}

export interface ProbeOptions {
  /**
   * What a run does when its signal aborts (shutdown or stop): `'finish'` (default) ends it
   * successfully with output `'drained'`; `'ignore'` keeps it running until the test ends it.
   */
  onShutdown?: 'finish' | 'ignore';
  /** Called when a run starts, e.g. to make it fail at once. */
  onStart?: (run: ProbeRun) => void;
}

export interface Probe {
  readonly logic: ProcessActorLogic<unknown, unknown>;
  readonly runs: ProbeRun[];
  /** The latest run; throws when there is none. */
  readonly last: ProbeRun;
  /** Runs still active. */
  live(): ProbeRun[];
}

/** Makes a controllable `fromProcess` child that records each of its runs. */
export function processProbe(options: ProbeOptions = {}): Probe {
  const runs: ProbeRun[] = [];
  const logic = fromProcess<unknown, unknown>(({ input, signal, onReload, onMessage, self }) => {
    const done = deferred<unknown>();
    const run: ProbeRun = {
      index: runs.length,
      input,
      signal,
      actor: self,
      reloads: [],
      messages: [],
      succeed: (output) => done.resolve(output),
      fail: (error) => done.reject(error),
      get live() {
        return self.getSnapshot().status === 'active';
      },
    };
    runs.push(run);
    onReload((event) => {
      run.reloads.push(event);
    });
    onMessage((event) => {
      run.messages.push(event);
    });
    if ((options.onShutdown ?? 'finish') === 'finish') {
      signal.addEventListener('abort', () => done.resolve('drained'), { once: true });
    }
    options.onStart?.(run);
    return done.promise;
  });
  return {
    logic,
    runs,
    get last() {
      const run = runs.at(-1);
      if (!run) throw new Error('the probe has not started yet');
      return run;
    },
    live: () => runs.filter((run) => run.live),
  };
}

/**
 * The live runs a supervisor's or group's snapshot (or actor) holds, by child id: what its
 * runtime runs now.
 */
export function hostedRuns(owner: object): Record<string, AnyActorRef> {
  const rt = runtimeOf(owner);
  const runs: Record<string, AnyActorRef> = {};
  if (!rt || rt.closed) return runs;
  for (const slot of rt.slots.values()) if (slot.ref) runs[slot.id] = slot.ref;
  return runs;
}
