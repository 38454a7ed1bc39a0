import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createActor, fromPromise, setup } from 'xstate';
import { TestClock } from '../../src/testing.js';

/** A machine whose timer, once fired, starts a promise whose result starts another timer. */
const chain = setup({
  actors: { work: fromPromise(async () => 'done') },
  delays: { first: 100, second: 50 },
}).createMachine({
  initial: 'waiting',
  states: {
    waiting: { after: { first: 'working' } },
    working: { invoke: { src: 'work', onDone: 'cooling' } },
    cooling: { after: { second: 'done' } },
    done: { type: 'final' },
  },
});

describe('TestClock', () => {
  it('fires a timer scheduled by what an earlier timer caused at its own time, within one advance', async () => {
    const clock = new TestClock();
    const actor = createActor(chain, { clock }).start();
    await clock.advance(149);
    expect(actor.getSnapshot().value).toBe('cooling');
    await clock.advance(1);
    expect(actor.getSnapshot().value).toBe('done');
    expect(clock.now()).toBe(150);
  });

  it('a plain SimulatedClock step leaves the promise unsettled, so the chain stops halfway', () => {
    const clock = new TestClock();
    const actor = createActor(chain, { clock }).start();
    clock.set(150);
    expect(actor.getSnapshot().value).toBe('working');
  });

  it('tracks pending timers through the public setTimeout and clearTimeout', async () => {
    const clock = new TestClock();
    expect(clock.nextTimerIn()).toBeUndefined();
    const fired: string[] = [];
    const a = clock.setTimeout(() => fired.push('a'), 30);
    clock.setTimeout(() => fired.push('b'), 10);
    expect(clock.pendingTimers).toBe(2);
    expect(clock.nextTimerIn()).toBe(10);
    expect(await clock.advanceToNextTimer()).toBe(10);
    expect(fired).toEqual(['b']);
    clock.clearTimeout(a);
    expect(clock.pendingTimers).toBe(0);
    expect(await clock.advanceToNextTimer()).toBeUndefined();
    expect(clock.now()).toBe(10);
  });

  it('settle waits for promise callbacks and setImmediate turns without moving time', async () => {
    const clock = new TestClock();
    let done = false;
    setImmediate(() => Promise.resolve().then(() => setImmediate(() => (done = true))));
    await clock.settle();
    expect(done).toBe(true);
    expect(clock.now()).toBe(0);
  });

  it('refuses to go back in time or by a bad amount', async () => {
    const clock = new TestClock();
    await expect(clock.advance(-1)).rejects.toThrow(/finite number, 0 or more; got -1/);
    await expect(clock.advance(Number.NaN)).rejects.toThrow(TypeError);
  });

  it('names a timer that keeps rescheduling itself at once instead of hanging', async () => {
    const clock = new TestClock();
    const again = () => clock.setTimeout(again, 0);
    again();
    await expect(clock.advance(1)).rejects.toThrow(/keeps rescheduling itself/);
  });

  describe('fractional delays', () => {
    it('fires a timer whose due time is a fractional sum (81.3871 ms set at 60,000.37 ms) once, at that time', async () => {
      const clock = new TestClock();
      await clock.advance(60_000.37);
      // XState's SimulatedClock fires a timer when `now - start >= timeout`; here
      // (60_000.37 + 81.3871) - 60_000.37 is 81.38709999999992, just below the delay.
      const due = clock.now() + 81.3871;
      expect(due - clock.now()).toBeLessThan(81.3871);
      const firedAt: number[] = [];
      clock.setTimeout(() => firedAt.push(clock.now()), 81.3871);
      await clock.advance(100);
      expect(firedAt).toEqual([due]);
      expect(clock.pendingTimers).toBe(0);
      expect(clock.now()).toBe(60_000.37 + 100);
    });

    it('reaches a fractional due time with advance(nextTimerIn()) and with advanceToNextTimer', async () => {
      const clock = new TestClock();
      await clock.advance(60_000.37);
      const firedAt: number[] = [];
      const due = clock.now() + 81.3871;
      clock.setTimeout(() => firedAt.push(clock.now()), 81.3871);
      clock.setTimeout(() => firedAt.push(clock.now()), 81.3871 * 2);
      await clock.advance(clock.nextTimerIn()!);
      expect(firedAt).toEqual([due]);
      expect(await clock.advanceToNextTimer()).toBeGreaterThan(81);
      expect(firedAt).toEqual([due, 60_000.37 + 81.3871 * 2]);
    });

    it('fires no timer early: one due later within the same advance waits for its own time', async () => {
      const clock = new TestClock();
      await clock.advance(0.1);
      const order: string[] = [];
      clock.setTimeout(() => order.push(`b at ${clock.now()}`), 0.2); // due 0.30000000000000004
      clock.setTimeout(() => order.push(`a at ${clock.now()}`), 0.19999999999999998); // due 0.3
      await clock.advance(0.19999999999999998);
      expect(order).toEqual(['a at 0.3']);
      await clock.advance(1);
      expect(order).toEqual(['a at 0.3', 'b at 0.30000000000000004']);
    });

    it('fires every timer once, at its own due time and in due order, whatever the fractions (property)', async () => {
      const delay = fc.double({ min: 0, max: 5_000, noNaN: true, noDefaultInfinity: true });
      await fc.assert(
        fc.asyncProperty(
          fc.double({ min: 0, max: 1e7, noNaN: true, noDefaultInfinity: true }),
          fc.array(fc.record({ delay, next: fc.option(delay, { nil: undefined }) }), {
            minLength: 1,
            maxLength: 10,
          }),
          fc.array(fc.double({ min: 0, max: 4_000, noNaN: true, noDefaultInfinity: true }), {
            minLength: 1,
            maxLength: 8,
          }),
          async (start, timers, steps) => {
            const clock = new TestClock();
            await clock.advance(start);
            const set: { seq: number; due: number; firedAt: number[] }[] = [];
            const fired: number[] = [];
            const schedule = (ms: number, next?: number) => {
              const timer = { seq: set.length, due: clock.now() + ms, firedAt: [] as number[] };
              set.push(timer);
              clock.setTimeout(() => {
                timer.firedAt.push(clock.now());
                fired.push(timer.seq);
                // What fires may set a timer of its own, due from the time it fired.
                if (next !== undefined) schedule(next);
              }, ms);
            };
            for (const timer of timers) schedule(timer.delay, timer.next);
            for (const ms of steps) {
              await clock.advance(ms);
              for (const timer of set) {
                // Due by now: fired exactly once, at its due time; not due yet: not fired.
                expect(timer.firedAt).toEqual(timer.due <= clock.now() ? [timer.due] : []);
              }
            }
            const order = fired.map((seq) => set[seq]!);
            for (let i = 1; i < order.length; i++) {
              const [before, after] = [order[i - 1]!, order[i]!];
              expect(
                before.due < after.due || (before.due === after.due && before.seq < after.seq),
              ).toBe(true);
            }
          },
        ),
        { numRuns: 300 },
      );
    });
  });
});
