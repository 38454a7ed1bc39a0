/**
 * Grace periods: children asked to stop in one burst share one timer per actor system, and a
 * child that stops at once (an idle process) never gets one.
 */
import { describe, expect, it } from 'vitest';
import { type AnyActorRef, assign, createActor, SimulatedClock, setup } from 'xstate';
import { fromProcess } from '../../src/actors/fromProcess.js';
import { idle } from '../../src/actors/idle.js';
import { createSupervisor } from '../../src/machines/supervisor.js';
import { advance, settle } from '../support/probe.js';

/** A simulated clock that counts the timers set on it. */
function countingClock() {
  const clock = new SimulatedClock();
  let set = 0;
  const setTimeout = clock.setTimeout.bind(clock);
  clock.setTimeout = (fn, timeout) => {
    set++;
    return setTimeout(fn, timeout);
  };
  return {
    clock,
    get set() {
      return set;
    },
  };
}

/** A process that does not stop when asked: it waits to be stopped by force. */
const stubborn = fromProcess(() => new Promise<void>(() => {}));

describe('grace periods', () => {
  it('sets no timer for root supervisors whose idle children stop at once, however many', async () => {
    const counters = Array.from({ length: 50 }, () => countingClock());
    const actors = counters.map(({ clock }) =>
      createActor(createSupervisor(idle), { clock }).start(),
    );
    for (const actor of actors) actor.send({ type: 'shutdown' });
    await settle();
    expect(actors.map((actor) => actor.getSnapshot().status)).toEqual(actors.map(() => 'done'));
    expect(counters.map((counter) => counter.set)).toEqual(counters.map(() => 0));
  });

  it('shares one timer among spawned supervisors asked to stop at once, then forces them', async () => {
    const counter = countingClock();
    const { clock } = counter;
    const app = setup({
      types: { context: {} as { children: AnyActorRef[] } },
      actors: { child: createSupervisor(stubborn, { shutdownTimeoutMs: 1_000 }) },
    }).createMachine({
      context: { children: [] },
      entry: assign({
        children: ({ spawn }) => Array.from({ length: 20 }, () => spawn('child')),
      }),
    });
    const actor = createActor(app, { clock }).start();
    const children = actor.getSnapshot().context.children;
    await settle();
    const before = counter.set;
    for (const child of children) child.send({ type: 'shutdown' });
    await settle();
    expect(counter.set - before).toBe(1);
    await advance(clock, 1_000);
    expect(children.map((child) => child.getSnapshot().output?.reason)).toEqual(
      children.map(() => 'forced'),
    );
    actor.stop();
  });
});
