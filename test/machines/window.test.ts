/**
 * The restart window under a simulated clock that jumps: expiries come a window after the
 * restarts they count, whenever the timers that close their buckets happen to fire.
 */
import { describe, expect, it } from 'vitest';
import { createActor, fromCallback, SimulatedClock } from 'xstate';
import { createSupervisor } from '../../src/machines/supervisor.js';
import { settle } from '../support/probe.js';

describe('restart window', () => {
  it('frees every restart of a window above 64 after one jump of the clock past it', async () => {
    let runs = 0;
    let failUntil = 2_001;
    // Fails at once while runs < failUntil; then runs until it is told to crash.
    const child = fromCallback(({ receive }) => {
      runs++;
      if (runs < failUntil) throw new Error(`crash ${runs}`);
      receive((event) => {
        if (event.type === 'crash') throw new Error('told to crash');
      });
    });
    const clock = new SimulatedClock();
    const errors: unknown[] = [];
    const actor = createActor(
      createSupervisor(child, {
        backoff: { initialMs: 0 },
        resetAfterMs: false,
        maxRestarts: { count: 2_500, withinMs: 60_000 },
      }),
      { clock },
    );
    actor.subscribe({ error: (error) => errors.push(error) });
    actor.start();
    for (let i = 0; i < 400 && runs < 2_001; i++) await settle();
    expect(runs).toBe(2_001);
    expect(actor.getSnapshot().context.restarts).toBe(2_000);
    // One jump past the window: every one of those 2,000 restarts leaves it.
    clock.increment(61_000);
    await settle();
    // 2,000 more crashes stay within the limit only if the first 2,000 have left the window.
    failUntil = 4_001;
    actor.send({ type: 'crash' });
    for (let i = 0; i < 400 && runs < 4_001; i++) await settle();
    expect(runs).toBe(4_001);
    expect(errors).toEqual([]);
    expect(actor.getSnapshot().matches('running')).toBe(true);
    actor.stop();
  });
});
