/**
 * `TestClock`: XState's `SimulatedClock`, driven so that one call means "this much time passed".
 *
 * `SimulatedClock.set` fires the timers that are due, synchronously, and nothing else: the
 * promises those timers resolve, the events the resulting actors send and the timers *they*
 * schedule all run later, after `set` has returned. `TestClock.advance(ms)` moves time forward
 * one due timer at a time and lets the event loop settle after each, so a timer scheduled by
 * something that fired is placed (and fired) at its own time, as it would be in real time.
 *
 * It keeps its timers itself, each with its due time (`now() + timeout`, computed once when the
 * timer is set), and fires a timer when the clock reaches that time. `SimulatedClock` instead
 * compares `now - start >= timeout` on every flush, and in floating point that difference can
 * land just below the timeout when the clock is set to exactly `start + timeout` (set at
 * 60,000.37 ms, a timer of 81.3871 ms is due at 60,081.7571, yet 60,081.7571 − 60,000.37 is
 * 81.38709999999992): such a timer would never fire at its due time. So `TestClock` overrides
 * the methods XState's scheduler and tests call (`setTimeout`, `clearTimeout`, `set`,
 * `increment`) and uses `SimulatedClock` only for `now()`; it never reads its private fields.
 */
import { type InspectionEvent, SimulatedClock } from 'xstate';

/** Quiet turns of the event loop in a row after which {@link TestClock.settle} returns. */
export const SETTLE_QUIET_TURNS = 3;
/** Turns of the event loop after which {@link TestClock.settle} gives up as "never quiet". */
export const SETTLE_MAX_TURNS = 10_000;
/** Timers one {@link TestClock.advance} may fire before it gives up as "never ends". */
export const ADVANCE_MAX_TIMERS = 100_000;

/** One turn of the event loop: after pending promise callbacks and `setImmediate` callbacks. */
function nextTurn(): Promise<void> {
  return new Promise<void>((resolve) => {
    if (typeof globalThis.setImmediate === 'function') {
      globalThis.setImmediate(resolve);
      return;
    }
    // Browsers: a message posts a task after those already queued (as `yieldToEventLoop` does).
    const channel = new MessageChannel();
    channel.port1.addEventListener('message', () => {
      channel.port1.close();
      resolve();
    });
    channel.port1.start();
    channel.port2.postMessage(null);
  });
}

/** A pending timer of a {@link TestClock}. */
interface Timer {
  /** When it fires: the time it was set plus its timeout, computed once. */
  due: number;
  fn: () => void;
}

/**
 * A `SimulatedClock` for tests: `advance(ms)` moves time forward, firing every timer at its own
 * time and letting each microtask, event and timer that causes settle before the next.
 *
 * Pass it to `createActor(logic, { clock })`. Passing `inspect: clock.inspect` as well lets
 * {@link TestClock.settle} also wait for actor events that set no timer.
 *
 * @example
 *
 * ```ts
 * import { createActor } from 'xstate';
 * import { createSupervisor } from 'xstate-supervisor';
 * import { createTestChild, TestClock } from 'xstate-supervisor/testing';
 *
 * const clock = new TestClock();
 * const child = createTestChild({ runs: { 1: { start: 'fail' } } });
 * const actor = createActor(createSupervisor(child.logic, { backoff: { initialMs: 100 } }), {
 *   clock,
 *   inspect: clock.inspect,
 * }).start();
 * await clock.settle(); // run 1 has failed: backing off
 * await clock.advance(100); // run 2 has started
 * child.runs.length; // 2
 * ```
 */
export class TestClock extends SimulatedClock {
  /** Pending timers by id, in the order they were set: due time and callback. */
  readonly #timers = new Map<number, Timer>();
  #nextId = 0;
  /** Timers are being fired: a `set` from inside one only moves the time. */
  #firing = false;
  /** Counts timers set and cleared and actor events seen, so `settle` can tell a quiet turn. */
  #activity = 0;

  /**
   * An inspection observer for `createActor(logic, { clock, inspect: clock.inspect })`: every
   * event an actor processes counts as activity, so `settle` waits until none happen.
   */
  readonly inspect = (_event: InspectionEvent): void => {
    this.#activity++;
  };

  // biome-ignore lint/suspicious/noExplicitAny: the signature of SimulatedClock.setTimeout
  override setTimeout(fn: (...args: any[]) => void, timeout: number): number {
    this.#activity++;
    const id = this.#nextId++;
    this.#timers.set(id, { due: this.now() + timeout, fn });
    return id;
  }

  override clearTimeout(id: number): void {
    this.#activity++;
    this.#timers.delete(id);
  }

  /**
   * Sets the time (never back) and fires, synchronously, every timer that was pending and is due
   * by then, earliest first (timers due at the same time in the order they were set). A timer
   * set meanwhile, by one that fired, waits for the next `set` (`advance` makes one for it at its
   * due time), so a timer that sets itself again at once cannot make `set` run forever.
   */
  override set(time: number): void {
    super.set(time);
    this.#fireDue();
  }

  /** Moves the time `ms` forward, firing what is due by then (see {@link TestClock.set}). */
  override increment(ms: number): void {
    this.set(this.now() + ms);
  }

  #fireDue(): void {
    // A `set` from inside a timer only moves the time; the loop below fires what became due.
    if (this.#firing) return;
    this.#firing = true;
    // Ids grow: the timers pending now are those with a smaller id than the next one.
    const pendingBefore = this.#nextId;
    try {
      for (;;) {
        const now = this.now();
        let next: [number, Timer] | undefined;
        for (const entry of this.#timers) {
          const [id, { due }] = entry;
          if (id >= pendingBefore) break;
          if (due <= now && (next === undefined || due < next[1].due)) next = entry;
        }
        if (next === undefined) return;
        this.#timers.delete(next[0]);
        next[1].fn();
      }
    } finally {
      this.#firing = false;
    }
  }

  /** How many timers are pending. */
  get pendingTimers(): number {
    return this.#timers.size;
  }

  /**
   * Milliseconds from now until the next pending timer is due, or `undefined` when none is:
   * `advance(nextTimerIn())` reaches it (the difference is rounded up where `now() + ms` would
   * fall short of the due time in floating point).
   */
  nextTimerIn(): number | undefined {
    const due = this.#nextDue();
    if (due === undefined) return undefined;
    const now = this.now();
    let ms = Math.max(0, due - now);
    // The gap left is exact (the two are close) and at least one step of `ms`: a step or two.
    for (let step = 0; now + ms < due && step < 64; step++) ms += due - (now + ms);
    return ms;
  }

  /** The due time of the next pending timer, or `undefined` when none is. */
  #nextDue(): number | undefined {
    let due: number | undefined;
    for (const timer of this.#timers.values())
      if (due === undefined || timer.due < due) due = timer.due;
    return due;
  }

  /**
   * Lets the event loop run until it is quiet: pending promise callbacks, `setImmediate`
   * callbacks and the actor events they cause, without moving time. Returns after
   * {@link SETTLE_QUIET_TURNS} turns in a row in which no timer was set or cleared (and, with
   * `inspect: clock.inspect`, no actor processed an event); throws after
   * {@link SETTLE_MAX_TURNS} turns that were never quiet (a restart loop that never waits).
   */
  async settle(): Promise<void> {
    let quiet = 0;
    for (let turn = 0; turn < SETTLE_MAX_TURNS; turn++) {
      const before = this.#activity;
      await nextTurn();
      quiet = this.#activity === before ? quiet + 1 : 0;
      if (quiet >= SETTLE_QUIET_TURNS) return;
    }
    throw new Error(
      `TestClock: still busy after ${SETTLE_MAX_TURNS} turns of the event loop without time moving; ` +
        'something restarts or reschedules without ever waiting (a zero backoff around a child that fails at once?)',
    );
  }

  /**
   * Moves time `ms` forward: fires each pending timer at its due time, in order, settling after
   * each (so a timer scheduled by what fired is fired at its own time too), then settles at the
   * end. One call means "this much time passed".
   */
  async advance(ms: number): Promise<void> {
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
      throw new TypeError(`TestClock.advance: ms must be a finite number, 0 or more; got ${ms}`);
    }
    await this.#advanceTo(this.now() + ms, `+${ms} ms`);
  }

  /**
   * Moves time to the next pending timer's due time and fires it (with every other timer due
   * then), settling afterwards. Returns the milliseconds moved, or `undefined` (and does not
   * move) when no timer is pending.
   */
  async advanceToNextTimer(): Promise<number | undefined> {
    await this.settle();
    const due = this.#nextDue();
    if (due === undefined) return undefined;
    const ms = this.nextTimerIn()!;
    await this.#advanceTo(Math.max(due, this.now()), `the timer due at ${due} ms`);
    return ms;
  }

  async #advanceTo(target: number, what: string): Promise<void> {
    await this.settle();
    for (let fired = 0; ; fired++) {
      if (fired >= ADVANCE_MAX_TIMERS) {
        throw new Error(
          `TestClock.advance: fired ${ADVANCE_MAX_TIMERS} timers without reaching ${what}; a timer keeps rescheduling itself at once`,
        );
      }
      const due = this.#nextDue();
      if (due === undefined || due > target) break;
      // Exactly the due time (or now, for a timer set with a negative delay): it fires then.
      this.set(Math.max(due, this.now()));
      await this.settle();
    }
    if (this.now() < target) this.set(target);
    await this.settle();
  }
}
