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
});
