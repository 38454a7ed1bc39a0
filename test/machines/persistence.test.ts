/**
 * Persistence: a supervisor or group persisted with `getPersistedSnapshot()` and restored with
 * `createActor(logic, { snapshot })` carries on as a user expects, in each of its states.
 */
import { describe, expect, it } from 'vitest';
import {
  type AnyActorLogic,
  type AnyActorRef,
  assign,
  createActor,
  SimulatedClock,
  setup,
} from 'xstate';
import { idle } from '../../src/actors/idle.js';
import { createProcessGroup } from '../../src/machines/group.js';
import { createSupervisor } from '../../src/machines/supervisor.js';
import { childOf } from '../../src/runtime/reach.js';
import { viewsOf } from '../support/children.js';
import { advance, processProbe, settle } from '../support/probe.js';

/** Persists `actor` as JSON (what a user would store), stops it, and restores a new actor. */
function roundTrip(logic: AnyActorLogic, actor: ReturnType<typeof createActor>) {
  const stored = JSON.parse(JSON.stringify(actor.getPersistedSnapshot()));
  actor.stop();
  const clock = new SimulatedClock();
  const restored = createActor(logic, { snapshot: stored, clock });
  const errors: unknown[] = [];
  restored.subscribe({ error: (error) => errors.push(error) });
  restored.start();
  return { restored, clock, errors };
}

const counter = setup({ types: { context: {} as { n: number } } }).createMachine({
  context: { n: 0 },
  on: {
    inc: { actions: assign({ n: ({ context }) => context.n + 1 }) },
    shutdown: '.done',
  },
  initial: 'counting',
  states: { counting: {}, done: { type: 'final' } },
});

describe('persistence: supervisor', () => {
  it('a running supervisor runs its child again, from the child’s own persisted snapshot', async () => {
    const logic = createSupervisor(counter, { id: 'sup' });
    const actor = createActor(logic).start();
    actor.send({ type: 'inc' });
    actor.send({ type: 'inc' });
    const { restored } = roundTrip(logic, actor);
    await settle();
    expect(restored.getSnapshot().matches({ running: 'active' })).toBe(true);
    const child = childOf(restored) as AnyActorRef | undefined;
    expect(child?.getSnapshot().context.n).toBe(2);
    restored.send({ type: 'inc' });
    expect(child?.getSnapshot().context.n).toBe(3);
    restored.send({ type: 'shutdown' });
    await settle();
    expect(restored.getSnapshot().status).toBe('done');
  });

  it('a supervisor restored while backing off restarts its child at once, keeping its counts and messages', async () => {
    const probe = processProbe({
      onStart: (run) => {
        if (run.index < 2) run.fail(new Error(`failure ${run.index + 1}`));
      },
    });
    const logic = createSupervisor(probe.logic, {
      backoff: { initialMs: 1_000, factor: 2, maxMs: 60_000 },
      resetAfterMs: false,
    });
    const clock = new SimulatedClock();
    const actor = createActor(logic, { clock }).start();
    await advance(clock, 1_000); // failure 1, wait 1 s, start 2 fails: waiting 2 s
    expect(actor.getSnapshot().matches({ backingOff: 'waiting' })).toBe(true);
    actor.send({ type: 'job', n: 7 });
    const { restored } = roundTrip(logic, actor);
    await settle();
    expect(restored.getSnapshot().matches({ running: 'active' })).toBe(true);
    expect(probe.runs).toHaveLength(3);
    expect(probe.last.messages).toEqual([{ type: 'job', n: 7 }]);
    expect(restored.getSnapshot().context).toMatchObject({ failures: 2, restarts: 2 });
    probe.last.fail(new Error('failure 3'));
    await settle();
    expect(restored.getSnapshot().context.nextDelayMs).toBe(4_000); // the third step, not the first
    restored.stop();
  });

  it('keeps the restart window across the round trip', async () => {
    const probe = processProbe({ onStart: (run) => run.index < 2 && run.fail(new Error('down')) });
    const logic = createSupervisor(probe.logic, {
      backoff: { initialMs: 10 },
      maxRestarts: { count: 2, withinMs: 60_000 },
    });
    const clock = new SimulatedClock();
    const actor = createActor(logic, { clock }).start();
    await advance(clock, 100);
    expect(probe.runs).toHaveLength(3); // two restarts inside the window
    const { restored, errors } = roundTrip(logic, actor);
    await settle();
    probe.last.fail(new Error('third'));
    await settle();
    await settle();
    expect(restored.getSnapshot().status).toBe('error');
    expect((errors[0] as { reason?: string }).reason).toBe('max-restarts');
  });

  it('a supervisor restored while stopping is stopped, its child not started again', async () => {
    const probe = processProbe({ onShutdown: 'ignore' });
    const logic = createSupervisor(probe.logic);
    const actor = createActor(logic).start();
    await settle();
    actor.send({ type: 'shutdown' });
    expect(actor.getSnapshot().matches({ running: 'stopping' })).toBe(true);
    const { restored } = roundTrip(logic, actor);
    await settle();
    expect(restored.getSnapshot().status).toBe('done');
    expect(probe.runs).toHaveLength(1);
  });
});

describe('persistence: group', () => {
  it('restores running children and restarts the ones that were waiting at once', async () => {
    const flaky = processProbe({
      onStart: (run) => run.index === 0 && run.fail(new Error('down')),
    });
    const logic = createProcessGroup({
      strategy: 'one-for-one',
      backoff: { initialMs: 5_000 },
      children: [
        { id: 'counter', logic: counter },
        { id: 'flaky', logic: flaky.logic },
        { id: 'idle', logic: idle },
      ],
    });
    const clock = new SimulatedClock();
    const actor = createActor(logic, { clock }).start();
    await settle();
    actor.send({ type: 'inc' });
    const { restored, clock: restoredClock } = roundTrip(logic, actor);
    await settle();
    await advance(restoredClock, 0);
    expect(flaky.runs).toHaveLength(2);
    const views = viewsOf(restored);
    expect(views.flaky).toMatchObject({ status: 'running', failures: 1 });
    expect(views.counter?.status).toBe('running');
    const counterRef = childOf(restored, 'counter') as AnyActorRef | undefined;
    expect(counterRef?.getSnapshot().context.n).toBe(1);
    restored.send({ type: 'shutdown' });
    await advance(restoredClock, 100);
    expect(restored.getSnapshot().status).toBe('done');
  });
});
