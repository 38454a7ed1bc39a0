import { describe, expect, it } from 'vitest';
import { assign, createActor, fromCallback, SimulatedClock, setup } from 'xstate';
import { idle } from '../../src/actors/idle.js';
import { createProcessGroup } from '../../src/machines/group.js';
import { settle } from '../support/probe.js';

describe('group: children of a failed machine child', () => {
  it('stops the actors a failing machine child leaves running, so restarts do not pile them up', async () => {
    let live = 0;
    const ticker = fromCallback(() => {
      live++;
      return () => {
        live--;
      };
    });
    // A machine that fails from an action while its invoked ticker runs (XState leaves the
    // ticker running: statelyai/xstate#5153).
    const failing = setup({
      actors: { ticker },
      actions: {
        explode: assign(() => {
          throw new Error('boom');
        }),
      },
    }).createMachine({
      initial: 'running',
      invoke: { src: 'ticker' },
      states: { running: { on: { fail: { actions: 'explode' } } } },
    });
    const clock = new SimulatedClock();
    const actor = createActor(
      createProcessGroup({
        id: 'g',
        strategy: 'one-for-one',
        backoff: { initialMs: 100 },
        children: [
          { id: 'keep', logic: idle },
          { id: 'm', logic: failing },
        ],
      }),
      { clock },
    ).start();
    await settle();
    expect(live).toBe(1);
    for (let round = 0; round < 3; round++) {
      actor.send({ type: 'fail' });
      await settle();
      clock.increment(1_000);
      await settle();
    }
    expect(live).toBe(1);
    actor.send({ type: 'shutdown' });
    await settle();
    expect(live).toBe(0);
  });
});
