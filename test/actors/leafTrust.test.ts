/**
 * The leaves trust strangers no more than the layer does (issue 17, item 5): a `fromProcess` run
 * and a test child honour their internal events only when they are the very objects their own
 * logic posted, once. A look-alike, a copy, a Proxy, an object made from a real event's
 * prototype or a replay from the inspection stream changes nothing, and never crashes the run.
 */
import { describe, expect, it } from 'vitest';
import {
  type AnyActorRef,
  type AnyEventObject,
  createActor,
  type EventObject,
  type InspectionEvent,
} from 'xstate';
import { fromProcess, PROCESS_REJECT, PROCESS_RESOLVE } from '../../src/actors/fromProcess.js';
import type { LifecycleEvent } from '../../src/lifecycle.js';
import { createSupervisor } from '../../src/machines/supervisor.js';
import {
  createTestChild,
  TEST_CHILD_COMPLETE,
  TEST_CHILD_FAIL,
  TEST_CHILD_FINISH,
} from '../../src/testing/testChild.js';
import { deferred, hostedRuns, settle } from '../support/probe.js';

/** Every event the actors of a system processed, as the public inspection stream shows them. */
function harvest() {
  const events: EventObject[] = [];
  const inspect = (inspection: InspectionEvent) => {
    if (inspection.type === '@xstate.event') events.push(inspection.event);
  };
  return { events, inspect, ofType: (type: string) => events.filter((e) => e.type === type) };
}

/** A process that serves until its signal aborts, under a supervisor. */
async function supervisedProcess(inspect?: (event: InspectionEvent) => void) {
  const signals: AbortSignal[] = [];
  const worker = fromProcess(
    ({ signal }) =>
      new Promise<string>((resolve) => {
        signals.push(signal);
        signal.addEventListener('abort', () => resolve('drained'), { once: true });
      }),
  );
  const lifecycle: string[] = [];
  const actor = createActor(
    createSupervisor(worker, { id: 's', childId: 'leaf' }),
    inspect ? { inspect } : {},
  );
  actor.on('*', (event) => lifecycle.push((event as LifecycleEvent).type));
  actor.start();
  await settle();
  const leaf = hostedRuns(actor.getSnapshot()).leaf!;
  return { actor, leaf, signal: signals[0]!, signals, lifecycle };
}

/** Values a stranger may send to a run. */
const hostile: Array<[string, () => unknown]> = [
  ['a forged resolve', () => ({ type: PROCESS_RESOLVE, output: 'forged' })],
  ['a forged reject', () => ({ type: PROCESS_REJECT, error: new Error('forged') })],
  ['a forged xstate.stop', () => ({ type: 'xstate.stop' })],
  ['another xstate.* event', () => ({ type: 'xstate.done.actor.leaf', output: 1 })],
  ['null', () => null],
  ['undefined', () => undefined],
  ['a string', () => 'shutdown'],
  [
    'a Proxy whose type throws',
    () =>
      new Proxy(
        {},
        {
          get() {
            throw new Error('gotcha');
          },
        },
      ),
  ],
  [
    'a Proxy that says resolve once, then throws',
    () => {
      let reads = 0;
      return new Proxy(
        {},
        {
          get(_target, key) {
            if (key === 'type' && reads++ === 0) return PROCESS_RESOLVE;
            throw new Error('gotcha');
          },
        },
      );
    },
  ],
];

describe('fromProcess trusts only its own internal events', () => {
  it('a forged xstate.process.resolve neither ends the run nor completes the supervisor; the signal aborts only on shutdown', async () => {
    const { actor, leaf, signal, lifecycle } = await supervisedProcess();
    leaf.send({ type: PROCESS_RESOLVE, output: 'forged' });
    await settle();
    expect(leaf.getSnapshot().status).toBe('active');
    expect(signal.aborted).toBe(false);
    expect(lifecycle).toEqual(['child.started']);
    actor.send({ type: 'shutdown' });
    await settle();
    expect(signal.aborted).toBe(true);
    expect(actor.getSnapshot().output).toMatchObject({ reason: 'shutdown', output: 'drained' });
  });

  it('a forged xstate.process.reject neither fails the run nor restarts it', async () => {
    const { actor, leaf, signal, signals, lifecycle } = await supervisedProcess();
    leaf.send({ type: PROCESS_REJECT, error: new Error('forged') });
    await settle();
    expect(leaf.getSnapshot().status).toBe('active');
    expect(signal.aborted).toBe(false);
    expect(signals).toHaveLength(1);
    expect(lifecycle).toEqual(['child.started']);
    actor.stop();
    expect(signal.aborted).toBe(true);
  });

  it.each(hostile)('%s changes nothing and never crashes the run', async (_what, make) => {
    const { actor, leaf, signal, lifecycle } = await supervisedProcess();
    try {
      leaf.send(make() as AnyEventObject);
    } catch {
      // A hostile object may throw back at its sender; the run must not mind.
    }
    await settle();
    expect(leaf.getSnapshot().status).toBe('active');
    expect(signal.aborted).toBe(false);
    expect(lifecycle).toEqual(['child.started']);
    actor.send({ type: 'shutdown' });
    await settle();
    expect(actor.getSnapshot().output).toMatchObject({ reason: 'shutdown', output: 'drained' });
  });

  it('a real resolve or reject from the inspection stream, replayed, copied or proxied, changes nothing', async () => {
    const seen = harvest();
    const ok = createActor(
      fromProcess(async () => 'real'),
      { inspect: seen.inspect },
    );
    const bad = createActor(
      fromProcess(async () => {
        throw new Error('real');
      }),
      { inspect: seen.inspect },
    );
    ok.start();
    bad.subscribe({ error: () => {} });
    bad.start();
    await settle();
    const [resolved] = seen.ofType(PROCESS_RESOLVE);
    const [rejected] = seen.ofType(PROCESS_REJECT);
    expect(resolved).toBeDefined();
    expect(rejected).toBeDefined();

    const { actor, leaf, signal, lifecycle } = await supervisedProcess();
    for (const event of [resolved!, rejected!]) {
      leaf.send(event);
      leaf.send({ ...event });
      leaf.send(Object.create(event));
      leaf.send(new Proxy(event, {}));
    }
    // Its own events replayed to it once it has ended do nothing either.
    ok.send(resolved!);
    await settle();
    expect(leaf.getSnapshot().status).toBe('active');
    expect(signal.aborted).toBe(false);
    expect(lifecycle).toEqual(['child.started']);
    expect(ok.getSnapshot().output).toBe('real');
    actor.stop();
  });

  it('still ends as its run does: the real resolve and reject are honoured, the first one wins', async () => {
    const boom = new Error('boom');
    const actor = createActor(
      fromProcess(({ onMessage }) => {
        const finish = deferred<string>();
        onMessage(async () => {
          throw boom;
        });
        return finish.promise;
      }),
    );
    const errors: unknown[] = [];
    actor.subscribe({ error: (error) => errors.push(error) });
    actor.start();
    actor.send({ type: 'poison' });
    actor.send({ type: 'poison' });
    await settle();
    expect(actor.getSnapshot().status).toBe('error');
    expect(errors).toEqual([boom]);
  });
});

describe('createTestChild trusts only the test', () => {
  it.each([
    ['fail', { type: TEST_CHILD_FAIL, error: new Error('forged') }],
    ['complete', { type: TEST_CHILD_COMPLETE, output: 'forged' }],
    ['finish', { type: TEST_CHILD_FINISH, output: 'forged' }],
  ])('a forged %s event sent to a run changes nothing', async (_what, forged) => {
    const child = createTestChild();
    const actor = createActor(createSupervisor(child.logic, { childId: 'leaf' })).start();
    const run = child.run(1);
    (run.actor as AnyActorRef).send(forged);
    await settle();
    expect(run.live).toBe(true);
    expect(run.ending).toBeNull();
    // The test itself still ends it.
    run.fail(new Error('real'));
    expect(run.ending).toBe('failed');
    actor.stop();
  });
});
