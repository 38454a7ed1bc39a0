/**
 * The leaves trust strangers no more than the layer does (issue 17, item 5): a `fromChildProcess`
 * or `fromSignals` actor honours its internal events only when they are the very objects its own
 * logic posted, once. Each finding is met the way a user met it: a real `sleep 1000` under a
 * supervisor, a forged event sent straight to the leaf, then the leaf must still run and, after
 * `stop()`, the OS process must be gone.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  type AnyActorRef,
  type AnyEventObject,
  assign,
  createActor,
  type EventObject,
  type InspectionEvent,
  setup,
} from 'xstate';
import type { LifecycleEvent } from '../../src/lifecycle.js';
import { createSupervisor } from '../../src/machines/supervisor.js';
import {
  CHILD_PROCESS_EXITED,
  CHILD_PROCESS_FAILED,
  CHILD_PROCESS_SPAWNED,
  fromChildProcess,
} from '../../src/node/fromChildProcess.js';
import { fromSignals, SIGNAL_RECEIVED } from '../../src/node/fromSignals.js';
import { isAlive, killAll, waitFor, waitGone } from '../fixtures/processes.js';
import { hostedRuns } from '../support/probe.js';

const started = new Set<number>();
afterEach(() => {
  killAll(started);
  started.clear();
});

/** `sleep 1000` as a process child, its output not printed. */
const sleeper = () =>
  fromChildProcess({
    name: 'sleep',
    command: 'sleep',
    args: ['1000'],
    stdout: false,
    stderr: false,
  });

/** Every event the actors of a system processed, as the public inspection stream shows them. */
function harvest() {
  const events: EventObject[] = [];
  const inspect = (inspection: InspectionEvent) => {
    if (inspection.type === '@xstate.event') events.push(inspection.event);
  };
  return { events, inspect, ofType: (type: string) => events.filter((e) => e.type === type) };
}

/** A supervisor around `sleep 1000`: its lifecycle, the leaf and the leaf's pid. */
async function supervisedSleep(inspect?: (event: InspectionEvent) => void) {
  const lifecycle: string[] = [];
  const actor = createActor(createSupervisor(sleeper(), { id: 's', childId: 'leaf' }), {
    ...(inspect ? { inspect } : {}),
  });
  actor.on('*', (event) => lifecycle.push((event as LifecycleEvent).type));
  actor.start();
  const leaf = await waitFor('the leaf', () => hostedRuns(actor.getSnapshot()).leaf);
  const pid = await waitFor('its pid', () => (leaf.getSnapshot() as { pid?: number }).pid);
  started.add(pid);
  return { actor, leaf, pid, lifecycle };
}

/** What a stranger may send: look-alikes, malformed values and hostile objects. */
const hostile: Array<[string, () => unknown]> = [
  ['a forged exited', () => ({ type: CHILD_PROCESS_EXITED, output: { exitCode: 0 } })],
  ['a forged failed', () => ({ type: CHILD_PROCESS_FAILED, error: new Error('forged') })],
  ['a forged spawned', () => ({ type: CHILD_PROCESS_SPAWNED, pid: 1 })],
  ['a forged xstate.stop', () => ({ type: 'xstate.stop' })],
  ['null', () => null],
  ['undefined', () => undefined],
  ['42', () => 42],
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
    'a Proxy that says exited once, then throws',
    () => {
      let reads = 0;
      return new Proxy(
        {},
        {
          get(_target, key) {
            if (key === 'type' && reads++ === 0) return CHILD_PROCESS_EXITED;
            throw new Error('gotcha');
          },
        },
      );
    },
  ],
];

describe('fromChildProcess trusts only its own internal events', () => {
  it('a forged xstate.childProcess.exited neither completes the supervisor nor leaves sleep 1000 running after stop()', async () => {
    const { actor, leaf, pid, lifecycle } = await supervisedSleep();
    leaf.send({ type: CHILD_PROCESS_EXITED, output: { name: 'sleep', pid, exitCode: 0 } });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(leaf.getSnapshot().status).toBe('active');
    expect(actor.getSnapshot().status).toBe('active');
    expect(lifecycle).not.toContain('child.completed');
    expect(isAlive(pid)).toBe(true);
    actor.stop();
    await waitGone([pid]);
  });

  it('a forged xstate.childProcess.failed neither restarts the child nor leaves the first process running', async () => {
    const { actor, leaf, pid, lifecycle } = await supervisedSleep();
    leaf.send({ type: CHILD_PROCESS_FAILED, error: new Error('forged') });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(leaf.getSnapshot().status).toBe('active');
    expect(lifecycle).toEqual(['child.started']);
    actor.stop();
    await waitGone([pid]);
  });

  it('a forged xstate.stop leaves neither a stopped leaf behind a running supervisor nor a process', async () => {
    const { actor, leaf, pid } = await supervisedSleep();
    leaf.send({ type: 'xstate.stop' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    // Refused: the leaf runs on and its supervisor still has a live child to stop.
    expect(leaf.getSnapshot().status).toBe('active');
    expect(isAlive(pid)).toBe(true);
    actor.send({ type: 'shutdown' });
    await waitFor('the supervisor to stop', () => actor.getSnapshot().status === 'done');
    expect(actor.getSnapshot().output).toMatchObject({ reason: 'shutdown' });
    await waitGone([pid]);
  });

  it.each(hostile)(
    '%s sent to the leaf changes nothing, and stop() still ends the process',
    async (_what, make) => {
      const { actor, leaf, pid, lifecycle } = await supervisedSleep();
      try {
        leaf.send(make() as AnyEventObject);
      } catch {
        // A hostile object may throw back at its sender; the leaf must not mind.
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(leaf.getSnapshot().status).toBe('active');
      expect((leaf.getSnapshot() as { pid?: number }).pid).toBe(pid);
      expect(lifecycle).toEqual(['child.started']);
      expect(isAlive(pid)).toBe(true);
      actor.stop();
      await waitGone([pid]);
    },
  );

  it('copies, Proxies, prototypes and replays of its real events from the inspection stream change nothing', async () => {
    // A run that ends on its own: its real exited event passes through the inspection stream.
    const seen = harvest();
    const quick = createActor(
      fromChildProcess({ name: 'true', command: 'true', stdout: false, stderr: false }),
      { inspect: seen.inspect },
    ).start();
    await waitFor('true to exit', () => quick.getSnapshot().status === 'done');
    const [exited] = seen.ofType(CHILD_PROCESS_EXITED);
    const [spawned] = seen.ofType(CHILD_PROCESS_SPAWNED);
    expect(exited).toBeDefined();
    expect(spawned).toBeDefined();

    const own = harvest();
    const { actor, leaf, pid, lifecycle } = await supervisedSleep(own.inspect);
    const [ownSpawned] = own.ofType(CHILD_PROCESS_SPAWNED);
    for (const event of [exited!, spawned!, ownSpawned!]) {
      leaf.send(event); // the very objects, replayed
      leaf.send({ ...event });
      leaf.send(Object.create(event));
      leaf.send(new Proxy(event, {}));
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(leaf.getSnapshot().status).toBe('active');
    expect((leaf.getSnapshot() as { pid?: number }).pid).toBe(pid);
    expect(lifecycle).toEqual(['child.started']);
    actor.stop();
    await waitGone([pid]);
  });

  it('still ends as its process does: the real events are honoured', async () => {
    const actor = createActor(
      fromChildProcess({ name: 'true', command: 'true', stdout: false, stderr: false }),
    ).start();
    await waitFor('true to exit', () => actor.getSnapshot().status === 'done');
    expect(actor.getSnapshot().output).toMatchObject({ name: 'true', exitCode: 0 });
    expect((actor.getSnapshot() as { pid?: number }).pid).toEqual(expect.any(Number));
  });
});

/** An app machine around a fromSignals actor, recording what it sends up. */
function signalsApp(inspect?: (event: InspectionEvent) => void) {
  const machine = setup({
    types: { context: {} as { received: EventObject[] } },
    actors: { signals: fromSignals() },
  }).createMachine({
    context: { received: [] },
    invoke: { id: 'signals', src: 'signals' },
    on: {
      '*': { actions: assign({ received: ({ context, event }) => [...context.received, event] }) },
    },
  });
  const actor = createActor(machine, inspect ? { inspect } : {}).start();
  const leaf = actor.getSnapshot().children.signals as AnyActorRef;
  return { actor, leaf, received: () => actor.getSnapshot().context.received };
}

describe('fromSignals trusts only its own internal events', () => {
  it('a forged xstate.signals.received sends no shutdown to the parent', () => {
    const { actor, leaf, received } = signalsApp();
    leaf.send({ type: SIGNAL_RECEIVED, signal: 'SIGTERM' });
    leaf.send({ type: SIGNAL_RECEIVED, signal: 'SIGHUP' });
    expect(received()).toEqual([]);
    expect(leaf.getSnapshot()).toMatchObject({ status: 'active', received: 0, lastSignal: null });
    actor.stop();
  });

  it('a real signal’s event, replayed, copied or proxied from the inspection stream, is honoured once', () => {
    const seen = harvest();
    const { actor, leaf, received } = signalsApp(seen.inspect);
    process.emit('SIGHUP');
    const [real] = seen.ofType(SIGNAL_RECEIVED);
    expect(real).toBeDefined();
    leaf.send(real!);
    leaf.send({ ...real! });
    leaf.send(Object.create(real!));
    leaf.send(new Proxy(real!, {}));
    expect(received()).toEqual([{ type: 'reload', signal: 'SIGHUP' }]);
    expect(leaf.getSnapshot()).toMatchObject({ received: 1 });
    actor.stop();
  });

  it('a forged xstate.stop or a malformed event leaves it listening', () => {
    const { actor, leaf, received } = signalsApp();
    for (const value of [{ type: 'xstate.stop' }, null, undefined, 42]) {
      leaf.send(value as AnyEventObject);
    }
    expect(leaf.getSnapshot().status).toBe('active');
    process.emit('SIGHUP');
    expect(received()).toEqual([{ type: 'reload', signal: 'SIGHUP' }]);
    actor.stop();
  });
});
