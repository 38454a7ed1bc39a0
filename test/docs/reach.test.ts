import { expect, it } from 'vitest';
import { assign, createActor, sendTo, setup } from 'xstate';
import { childOf, childSnapshotOf, createProcessGroup, createSupervisor } from '../../src/index.js';

const counter = setup({
  types: {
    context: {} as { n: number },
    input: {} as { start: number },
    events: {} as { type: 'inc' },
  },
}).createMachine({
  context: ({ input }) => ({ n: input.start }),
  on: { inc: { actions: assign({ n: ({ context }) => context.n + 1 }) } },
});

// The app invokes a supervisor as `counter`: the child is named `counter` too, and takes the
// invoke's input. A `poke` reaches whichever run of the child is current.
const app = setup({
  types: { children: {} as { counter: 'counter' }, events: {} as { type: 'poke' } },
  actors: { counter: createSupervisor(counter) },
}).createMachine({
  invoke: { id: 'counter', src: 'counter', input: { start: 5 } },
  on: {
    poke: {
      actions: sendTo(({ self }) => childOf(self.getSnapshot().children.counter!)!, {
        type: 'inc',
      }),
    },
  },
});

it('reaches the child from the app, and watches it through the supervisor', () => {
  const actor = createActor(app).start();
  const supervisor = actor.getSnapshot().children.counter!;
  const child = childOf(supervisor)!; // typed from `counter`; undefined while backing off
  expect(child.id).toBe('counter');
  expect(child.getSnapshot().context.n).toBe(5);

  // The supervisor's snapshot is a new one whenever the child's changes.
  const seen: number[] = [];
  supervisor.subscribe((snapshot) => seen.push(childSnapshotOf(snapshot)!.context.n));
  actor.send({ type: 'poke' });
  child.send({ type: 'inc' });
  expect(seen).toEqual([6, 7]);
  actor.stop();
});

it('reaches a group’s child by its id', () => {
  const group = createProcessGroup({
    children: [{ id: 'db', logic: counter, input: { start: 1 } }],
  });
  const actor = createActor(group).start();
  childOf(actor, 'db')?.send({ type: 'inc' });
  expect(childSnapshotOf(actor, 'db')?.context.n).toBe(2);
  actor.stop();
});
