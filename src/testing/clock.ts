/**
 * `TestClock`: XState's `SimulatedClock`, driven so that one call means "this much time passed".
 *
 * `SimulatedClock.set` fires the timers that are due, synchronously, and nothing else: the
 * promises those timers resolve, the events the resulting actors send and the timers *they*
 * schedule all run later, after `set` has returned. `TestClock.advance(ms)` moves time forward
 * one due timer at a time and lets the event loop settle after each, so a timer scheduled by
 * something that fired is placed (and fired) at its own time, as it would be in real time.
 *
 * It uses only `SimulatedClock`'s public API (`setTimeout`, `clearTimeout`, `set`, `now`, the
 * methods XState's scheduler calls on any `Clock`): it overrides `setTimeout` and `clearTimeout`
 * to keep its own list of pending timers and their due times, and calls `set` with each due time
 * in turn. It never reads `SimulatedClock`'s private fields.
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
  /** Pending timers: id → due time. */
  readonly #due = new Map<number, number>();
  /** Counts timers set and cleared and actor events seen, so `settle` can tell a quiet turn. */
  #activity = 0;

  /**
   * An inspection observer for `createActor(logic, { clock, inspect: clock.inspect })`: every
   * event an actor processes counts as activity, so `settle` waits until none happen.
   */
  readonly inspect = (_event: InspectionEvent): void => {
    this.#activity++;
  };

  override setTimeout(fn: () => void, timeout: number): number {
    this.#activity++;
    const id: number = super.setTimeout(() => {
      this.#due.delete(id);
      fn();
    }, timeout);
    this.#due.set(id, this.now() + timeout);
    return id;
  }

  override clearTimeout(id: number): void {
    this.#activity++;
    this.#due.delete(id);
    super.clearTimeout(id);
  }

  /** How many timers are pending. */
  get pendingTimers(): number {
    return this.#due.size;
  }

  /** Milliseconds from now until the next pending timer is due, or `undefined` when none is. */
  nextTimerIn(): number | undefined {
    let due: number | undefined;
    for (const at of this.#due.values()) if (due === undefined || at < due) due = at;
    return due === undefined ? undefined : Math.max(0, due - this.now());
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
    const target = this.now() + ms;
    await this.settle();
    for (let fired = 0; ; fired++) {
      if (fired >= ADVANCE_MAX_TIMERS) {
        throw new Error(
          `TestClock.advance: fired ${ADVANCE_MAX_TIMERS} timers without reaching +${ms} ms; a timer keeps rescheduling itself at once`,
        );
      }
      const next = this.nextTimerIn();
      if (next === undefined || this.now() + next > target) break;
      this.set(this.now() + next);
      await this.settle();
    }
    if (this.now() < target) this.set(target);
    await this.settle();
  }

  /**
   * Moves time to the next pending timer and fires it (with every other timer due then),
   * settling afterwards. Returns the milliseconds moved, or `undefined` (and does not move) when
   * no timer is pending.
   */
  async advanceToNextTimer(): Promise<number | undefined> {
    await this.settle();
    const next = this.nextTimerIn();
    if (next === undefined) return undefined;
    await this.advance(next);
    return next;
  }
}
