/**
 * Type tests of `createProcessGroup`: as typed as its declared children allow. Checked by
 * `tsc` in `npm test`, never run.
 */
import { expectTypeOf, test } from 'vitest';
import {
  type ActorRefFrom,
  createActor,
  type EmittedFrom,
  type EventFrom,
  type OutputFrom,
  setup,
} from 'xstate';
import {
  childOf,
  createProcessGroup,
  type GroupOutput,
  idle,
  type LifecycleEvent,
} from '../../src/index.js';

const cache = setup({
  types: {
    events: {} as { type: 'flush' } | { type: 'evict'; key: string },
    input: {} as { size: number },
    emitted: {} as { type: 'evicted'; key: string },
  },
}).createMachine({});

test('it accepts its own events and those of any declared child', () => {
  const group = createProcessGroup({
    children: [
      { id: 'cache', logic: cache, input: { size: 10 } },
      { id: 'idle', logic: idle },
    ],
  });
  const actor = createActor(group);
  actor.send({ type: 'shutdown' });
  actor.send({ type: 'reload' });
  actor.send({ type: 'remove', id: 'cache' });
  actor.send({ type: 'add', child: { id: 'more', logic: idle } });
  actor.send({ type: 'evict', key: 'a' });
  // idle (fromProcess) accepts any event object, so any broadcast compiles with it present.
  actor.send({ type: 'anything' });
  expectTypeOf<OutputFrom<typeof group>>().toEqualTypeOf<GroupOutput>();
});

test('with only typed children, other events do not compile', () => {
  const group = createProcessGroup({
    children: [{ id: 'cache', logic: cache, input: { size: 1 } }],
  });
  const actor = createActor(group);
  actor.send({ type: 'flush' });
  // @ts-expect-error: no child accepts it
  actor.send({ type: 'nonsense' });
  // @ts-expect-error: key is a string
  actor.send({ type: 'evict', key: 1 });
  type Events = EventFrom<typeof group>;
  expectTypeOf<Extract<Events, { type: 'evict' }>>().toEqualTypeOf<{
    type: 'evict';
    key: string;
  }>();
  expectTypeOf<EmittedFrom<typeof group>>().toEqualTypeOf<
    LifecycleEvent | { type: 'evicted'; key: string }
  >();
});

test('a child’s input is checked against its logic', () => {
  createProcessGroup({ children: [{ id: 'cache', logic: cache, input: { size: 1 } }] });
  // @ts-expect-error: size is a number
  createProcessGroup({ children: [{ id: 'cache', logic: cache, input: { size: 'big' } }] });
});

test('a group declared without children (all added later) accepts any event', () => {
  const actor = createActor(createProcessGroup({ id: 'dynamic' }));
  actor.send({ type: 'job', n: 1 });
});

test('childOf reaches a declared child by its id, typed from its logic', () => {
  const group = createProcessGroup({
    children: [
      { id: 'cache', logic: cache, input: { size: 10 } },
      { id: 'keepAlive', logic: idle },
    ],
  });
  const actor = createActor(group);
  expectTypeOf(childOf(actor, 'cache')).toEqualTypeOf<ActorRefFrom<typeof cache> | undefined>();
  childOf(actor, 'cache')?.send({ type: 'evict', key: 'a' });
  // @ts-expect-error: no child has this id
  childOf(actor, 'nobody');
});
