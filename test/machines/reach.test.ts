/**
 * The supervised child is the app's own: an app machine invokes a supervisor, reaches the
 * child with one typed call, sees it change through the supervisor's snapshot, and the child
 * gets the invoke's input and id.
 */
import { describe, expect, it } from 'vitest';
import {
  type AnyActorRef,
  assign,
  createActor,
  fromPromise,
  type InspectionEvent,
  SimulatedClock,
  sendTo,
  setup,
} from 'xstate';
import { idle } from '../../src/actors/idle.js';
import { createProcessGroup } from '../../src/machines/group.js';
import { createSupervisor } from '../../src/machines/supervisor.js';
import { childOf, childSnapshotOf } from '../../src/runtime/reach.js';
import { advance, settle } from '../support/probe.js';

/** A child machine that counts, from the input it is given. */
const counter = setup({
  types: {
    context: {} as { n: number; id: string },
    input: {} as { start: number },
    events: {} as { type: 'inc' },
  },
}).createMachine({
  context: ({ input, self }) => ({ n: input.start, id: self.id }),
  on: { inc: { actions: assign({ n: ({ context }) => context.n + 1 }) } },
});

const supervised = createSupervisor(counter);

/** An app that invokes the supervisor as `counter` with an input, and can poke the child. */
const app = setup({
  actors: { supervised },
  types: { events: {} as { type: 'poke' } },
}).createMachine({
  invoke: { id: 'counter', src: 'supervised', input: { start: 5 } },
  on: {
    poke: {
      actions: sendTo(({ self }) => childOf(self.getSnapshot().children.counter as AnyActorRef)!, {
        type: 'inc',
      }),
    },
  },
});

describe('reaching the supervised child', () => {
  it('gives the child the invoke’s input and id when the supervisor has no input option', () => {
    const actor = createActor(app).start();
    const supervisor = actor.getSnapshot().children.counter as AnyActorRef;
    const child = childOf(supervisor)!;
    expect(child.id).toBe('counter');
    expect(child.getSnapshot().context).toEqual({ n: 5, id: 'counter' });
    actor.stop();
  });

  it('is reached from the supervisor’s ref, its snapshot and a machine action', () => {
    const actor = createActor(supervised, { input: { start: 1 } }).start();
    const child = childOf(actor);
    expect(child).toBeDefined();
    expect(childOf(actor.getSnapshot())).toBe(child);
    expect((actor.getSnapshot().children as Record<string, unknown>).supervisor).toBe(child);
    child?.send({ type: 'inc' });
    expect(childSnapshotOf(actor.getSnapshot())?.context.n).toBe(2);
    actor.stop();

    const withApp = createActor(app).start();
    withApp.send({ type: 'poke' });
    const supervisor = withApp.getSnapshot().children.counter as AnyActorRef;
    expect(childOf(supervisor)?.getSnapshot().context.n).toBe(6);
    withApp.stop();
  });

  it('is undefined while the supervisor backs off, and the new run after the restart', async () => {
    let runs = 0;
    const flaky = fromPromise(async () => {
      runs++;
      if (runs === 1) throw new Error('down');
      await new Promise(() => {});
    });
    const clock = new SimulatedClock();
    const actor = createActor(createSupervisor(flaky, { backoff: { initialMs: 100 } }), {
      clock,
    }).start();
    const first = childOf(actor);
    await settle();
    expect(actor.getSnapshot().matches('backingOff')).toBe(true);
    expect(childOf(actor)).toBeUndefined();
    expect((actor.getSnapshot().children as Record<string, unknown>).supervisor).toBeUndefined();
    await advance(clock, 100);
    expect(childOf(actor)).toBeDefined();
    expect(childOf(actor)).not.toBe(first);
    actor.stop();
  });

  it('reaches a group’s child by id', () => {
    const group = createProcessGroup({
      children: [
        { id: 'db', logic: idle },
        { id: 'count', logic: counter, input: { start: 3 } },
      ],
    });
    const actor = createActor(group).start();
    expect(childOf(actor, 'count')?.getSnapshot().context.n).toBe(3);
    expect(childSnapshotOf(actor, 'count')?.context.n).toBe(3);
    expect(childOf(actor, 'db')?.id).toBe('db');
    actor.stop();
  });
});

describe('watching the supervised child', () => {
  it('renews the supervisor’s snapshot whenever the child’s changes, for subscribers', () => {
    const actor = createActor(supervised, { input: { start: 0 } }).start();
    const seen: number[] = [];
    const snapshots: object[] = [];
    actor.subscribe((snapshot) => {
      snapshots.push(snapshot);
      seen.push(childSnapshotOf(snapshot)?.context.n ?? -1);
    });
    const child = childOf(actor)!;
    child.send({ type: 'inc' });
    child.send({ type: 'inc' });
    expect(seen).toEqual([1, 2]);
    // Every snapshot handed out is a new object and keeps what it showed.
    expect(new Set(snapshots).size).toBe(2);
    expect(childSnapshotOf(snapshots[0] as ReturnType<typeof actor.getSnapshot>)?.context.n).toBe(
      1,
    );
    actor.stop();
  });

  it('keeps the supervisor’s snapshot for a step that left the child’s as it was', () => {
    const actor = createActor(supervised, { input: { start: 0 } }).start();
    const snapshots: object[] = [];
    actor.subscribe((snapshot) => snapshots.push(snapshot));
    const child = childOf(actor)!;
    // An event the child has no transition for: XState tells its observers, nothing changed.
    (child as AnyActorRef).send({ type: 'unknown' });
    expect(snapshots).toEqual([]);
    child.send({ type: 'inc' });
    expect(snapshots).toHaveLength(1);
    actor.stop();
  });

  it('lets an object-returning selector see each change (what useSelector compares)', () => {
    const actor = createActor(supervised, { input: { start: 0 } }).start();
    const selected: unknown[] = [];
    actor.select((s) => childSnapshotOf(s)?.context).subscribe((context) => selected.push(context));
    childOf(actor)!.send({ type: 'inc' });
    childOf(actor)!.send({ type: 'inc' });
    expect(selected).toEqual([
      { n: 1, id: 'supervisor' },
      { n: 2, id: 'supervisor' },
    ]);
    actor.stop();
  });

  it('reaches an app that invokes the supervisor with onSnapshot', () => {
    const heard: number[] = [];
    const watcher = setup({ actors: { supervised } }).createMachine({
      invoke: {
        id: 'counter',
        src: 'supervised',
        input: { start: 0 },
        onSnapshot: {
          actions: ({ event }) => heard.push(childSnapshotOf(event.snapshot)?.context.n ?? -1),
        },
      },
    });
    const actor = createActor(watcher).start();
    const supervisor = actor.getSnapshot().children.counter as AnyActorRef;
    childOf(supervisor)?.send({ type: 'inc' });
    expect(heard.at(-1)).toBe(1);
    actor.stop();
  });
});

describe('watchChild: false', () => {
  it('keeps the supervisor’s snapshot when only the child changes; the current one still reads it live', () => {
    const actor = createActor(createSupervisor(counter, { watchChild: false }), {
      input: { start: 0 },
    }).start();
    let renewed = 0;
    actor.subscribe(() => renewed++);
    childOf(actor)?.send({ type: 'inc' });
    expect(renewed).toBe(0);
    expect(childSnapshotOf(actor.getSnapshot())?.context.n).toBe(1);
    actor.stop();
  });

  it('is refused when it is not a boolean, naming the option', () => {
    expect(() => createSupervisor(counter, { watchChild: 'yes' as never })).toThrow(
      /"watchChild" must be true or false; got "yes"/,
    );
  });
});

describe('one actor per supervisor', () => {
  it('creates the supervisor and its child, nothing between them', () => {
    const actors: AnyActorRef[] = [];
    const actor = createActor(createSupervisor(idle, { id: 'svc' }), {
      inspect: (event: InspectionEvent) => {
        if (event.type === '@xstate.actor') actors.push(event.actorRef as AnyActorRef);
      },
    }).start();
    expect(actors).toHaveLength(2);
    expect(actors[1]?._parent?.sessionId).toBe(actor.sessionId);
    expect(actors[1]?.id).toBe('svc');
    actor.stop();
  });
});
