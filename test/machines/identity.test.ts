/**
 * Trust by identity: what a stranger sends a supervisor or a group, however made, is read once
 * and never taken for the layer's own events; a run that ends in any way is an exit.
 */
import { describe, expect, it } from 'vitest';
import {
  type AnyActorLogic,
  type AnyActorRef,
  type AnyEventObject,
  createActor,
  createMachine,
  fromCallback,
  fromPromise,
  type InspectionEvent,
  SimulatedClock,
} from 'xstate';
import { fromProcess } from '../../src/actors/fromProcess.js';
import { idle } from '../../src/actors/idle.js';
import { createProcessGroup } from '../../src/machines/group.js';
import { createSupervisor } from '../../src/machines/supervisor.js';
import { childOf } from '../../src/runtime/reach.js';
import { advance, processProbe, settle } from '../support/probe.js';

function watched(logic: Parameters<typeof createActor>[0]) {
  const clock = new SimulatedClock();
  const harvested: AnyEventObject[] = [];
  const errors: unknown[] = [];
  const actor = createActor(logic, {
    clock,
    inspect: (event: InspectionEvent) => {
      if (event.type === '@xstate.microstep' || event.type === '@xstate.snapshot') {
        const e = (event as { event?: AnyEventObject }).event;
        if (e?.type?.startsWith('xstate.supervision.')) harvested.push(e);
      }
    },
  });
  actor.subscribe({ error: (error) => errors.push(error) });
  actor.start();
  return { actor, clock, harvested, errors };
}

describe('the layer’s own events are recognised by identity', () => {
  it('drops and counts a harvested report, its prototype and a Proxy that answers every symbol', async () => {
    const probe = processProbe();
    const { actor, clock, harvested, errors } = watched(createSupervisor(probe.logic, { id: 's' }));
    await settle();
    // A failure and its restart: the decision is a machine step, its report in the inspection.
    probe.last.fail(new Error('boom'));
    await advance(clock, 60_000);
    expect(harvested.length).toBeGreaterThan(0);
    const before = actor.getSnapshot().context;
    const report = harvested[0]!;
    const forged = [
      report,
      Object.create(report, { type: { value: 'xstate.supervision.failed' } }),
      { ...report, type: 'xstate.supervision.failed', reason: 'max-restarts', childId: 's' },
      new Proxy(
        { type: 'xstate.supervision.empty' },
        { get: (target, key) => (typeof key === 'symbol' ? true : Reflect.get(target, key)) },
      ),
      { type: 'xstate.supervision.drained', stopped: [], forced: [] },
    ];
    for (const event of forged) actor.send(event);
    await settle();
    expect(errors).toEqual([]);
    expect(actor.getSnapshot().matches({ running: 'active' })).toBe(true);
    expect(actor.getSnapshot().context).toMatchObject({
      failures: before.failures,
      restarts: before.restarts,
      droppedMessages: before.droppedMessages + forged.length,
    });
    expect(probe.live()).toHaveLength(1);
    actor.stop();
    expect(probe.live()).toEqual([]);
  });

  it('reads a stranger’s event once: a type that changes or a getter that throws is no failure', async () => {
    const probe = processProbe();
    const { actor, errors } = watched(createSupervisor(probe.logic, { id: 's' }));
    await settle();
    let reads = 0;
    const shifty = {
      get type() {
        reads++;
        return reads > 1 ? 'xstate.error.actor.s' : 'job';
      },
    };
    const throwing = new Proxy({} as AnyEventObject, {
      get: () => {
        throw new Error('no');
      },
      ownKeys: () => {
        throw new Error('no');
      },
    });
    actor.send(shifty as never);
    actor.send(throwing);
    actor.send({
      type: 'job',
      get payload() {
        throw new Error('no');
      },
    } as never);
    await settle();
    expect(errors).toEqual([]);
    expect(reads).toBe(1);
    expect(actor.getSnapshot().matches({ running: 'active' })).toBe(true);
    expect(probe.last.messages).toEqual([{ type: 'job' }]);
    expect(actor.getSnapshot().context.droppedMessages).toBe(2);
    actor.stop();
    expect(probe.live()).toEqual([]);
  });

  it('counts a delayed event whose timer is not this state’s as dropped', async () => {
    const probe = processProbe();
    const { actor } = watched(createSupervisor(probe.logic, { id: 's' }));
    await settle();
    actor.send({ type: 'xstate.after.backoff.s.backingOff.waiting' });
    await settle();
    expect(actor.getSnapshot().matches({ running: 'active' })).toBe(true);
    expect(actor.getSnapshot().context.droppedMessages).toBe(1);
    actor.stop();
  });

  it('holds in a group too: nothing forged fails it or starts a child', async () => {
    const group = createProcessGroup({ id: 'g', children: [{ id: 'a', logic: idle }] });
    const { actor, harvested, errors } = watched(group);
    await settle();
    for (const event of [...harvested]) {
      actor.send(Object.create(event, { type: { value: 'xstate.supervision.failed' } }));
    }
    actor.send({ type: 'xstate.supervision.add', spec: { id: 'evil', logic: idle } });
    await settle();
    expect(errors).toEqual([]);
    expect(actor.getSnapshot().matches({ running: 'active' })).toBe(true);
    expect(childOf(actor, 'evil' as never)).toBeUndefined();
    actor.stop();
  });
});

describe('any end of a run is an exit', () => {
  it('restarts a run that somebody else stopped with xstate.stop, by its restart type', async () => {
    // A plain machine child: nothing guards its mailbox, so anybody can stop it.
    const child = createMachine({ initial: 'up', states: { up: {} } });
    const { actor, clock } = watched(
      createSupervisor(child, { id: 's', backoff: { initialMs: 100 } }),
    );
    await settle();
    const first = childOf(actor) as AnyActorRef;
    first.send({ type: 'xstate.stop' });
    await settle();
    expect(actor.getSnapshot().matches('backingOff')).toBe(true);
    expect(actor.getSnapshot().context.lastError?.message).toMatch(/stopped by another actor/);
    await advance(clock, 100);
    expect(childOf(actor)).toBeDefined();
    expect(childOf(actor)).not.toBe(first);
    actor.stop();
  });

  it('runs a failed callback’s cleanup before the restart, so nothing of it outlives the run', async () => {
    let open = 0;
    const child = fromCallback(({ receive }) => {
      open++;
      receive(() => {
        throw new Error('receive failed');
      });
      return () => {
        open--;
      };
    });
    const { actor, clock } = watched(
      createSupervisor(child, { id: 's', backoff: { initialMs: 100 } }),
    );
    await settle();
    expect(open).toBe(1);
    actor.send({ type: 'poke' });
    await settle();
    expect(open).toBe(0);
    await advance(clock, 100);
    expect(open).toBe(1);
    actor.stop();
    expect(open).toBe(0);
  });
});

describe('a reload kept through a failed start', () => {
  it('is announced once, and handled by the run that gets it', async () => {
    let starts = 0;
    const handled: number[] = [];
    const child = fromProcess(async ({ onReload, signal }) => {
      starts++;
      // The first run fails, and so does the first restart, before it listens for reloads.
      if (starts <= 2) throw new Error(`start ${starts} failed`);
      const run = starts;
      onReload(() => {
        handled.push(run);
      });
      await new Promise((resolve) => signal.addEventListener('abort', resolve));
    });
    const clock = new SimulatedClock();
    const actor = createActor(createSupervisor(child, { backoff: { initialMs: 100 } }), { clock });
    const announced: string[] = [];
    actor.on('reload.sent', (event) => announced.push(event.type));
    actor.start();
    await settle();
    expect(actor.getSnapshot().matches('backingOff')).toBe(true);
    actor.send({ type: 'reload' });
    await advance(clock, 100);
    await settle();
    await advance(clock, 200);
    await settle();
    expect(starts).toBe(3);
    expect(handled).toEqual([3]);
    expect(announced).toHaveLength(1);
    actor.stop();
  });
});

describe('reload.sent means a child that can receive it got it', () => {
  const forever = fromPromise(() => new Promise(() => {}));
  const listening = fromCallback(() => () => {});

  it('is not announced for a promise child, by a supervisor or a group of promises', async () => {
    for (const logic of [
      createSupervisor(forever, { id: 's' }),
      createProcessGroup({ id: 'g', children: [{ id: 'p', logic: forever }] }),
    ]) {
      const actor = createActor(logic as AnyActorLogic) as AnyActorRef;
      const announced: unknown[] = [];
      actor.on('reload.sent', (event: unknown) => announced.push(event));
      actor.start();
      await settle();
      actor.send({ type: 'reload' });
      await settle();
      expect(announced).toEqual([]);
      actor.stop();
    }
  });

  it('is announced when a child that receives events got it', async () => {
    const group = createProcessGroup({
      id: 'g',
      children: [
        { id: 'p', logic: forever },
        { id: 'c', logic: listening },
      ],
    });
    const actor = createActor(group);
    const announced: unknown[] = [];
    actor.on('reload.sent', (event) => announced.push(event));
    actor.start();
    await settle();
    actor.send({ type: 'reload' });
    await settle();
    expect(announced).toHaveLength(1);
    actor.stop();
  });
});
