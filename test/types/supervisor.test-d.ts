/**
 * Type tests of `createSupervisor`: a supervisor is as typed as the logic it wraps. Checked by
 * `tsc` in `npm test`, never run.
 */
import { expectTypeOf, test } from 'vitest';
import {
  type ActorRefFrom,
  createActor,
  type EmittedFrom,
  type EventFrom,
  fromPromise,
  type InputFrom,
  type OutputFrom,
  type SnapshotFrom,
  sendTo,
  setup,
} from 'xstate';
import {
  childOf,
  childSnapshotOf,
  createSupervisor,
  fromProcess,
  type idle,
  type LifecycleEvent,
  type SupervisorOutput,
} from '../../src/index.js';

const counter = setup({
  types: {
    events: {} as { type: 'inc'; by: number } | { type: 'reset' },
    input: {} as { start: number },
    output: {} as number,
    emitted: {} as { type: 'changed'; value: number },
  },
}).createMachine({});

test('it accepts the child’s events and its own, and nothing else', () => {
  const actor = createActor(createSupervisor(counter, { input: { start: 1 } }));
  actor.send({ type: 'inc', by: 2 });
  actor.send({ type: 'reset' });
  actor.send({ type: 'shutdown' });
  actor.send({ type: 'shutdown', force: true });
  actor.send({ type: 'reload' });
  // @ts-expect-error: the child accepts no such event
  actor.send({ type: 'nonsense', foo: 1 });
  // @ts-expect-error: `by` is a number
  actor.send({ type: 'inc', by: 'two' });
  type Events = EventFrom<ReturnType<typeof createSupervisor<typeof counter>>>;
  expectTypeOf<Events>().toEqualTypeOf<
    | { type: 'inc'; by: number }
    | { type: 'reset' }
    | { type: 'shutdown'; force?: boolean }
    | { type: 'reload' }
  >();
});

test('its output carries the child’s output', () => {
  const answer = createSupervisor(fromPromise(async () => 42));
  expectTypeOf<OutputFrom<typeof answer>>().toEqualTypeOf<SupervisorOutput<number>>();
  const snapshot = createActor(answer).getSnapshot();
  expectTypeOf(snapshot.output?.output).toEqualTypeOf<number | undefined>();
  expectTypeOf<SnapshotFrom<typeof answer>['context']['failures']>().toEqualTypeOf<number>();
});

test('the input option is checked against the child’s input', () => {
  createSupervisor(counter, { input: { start: 1 } });
  // @ts-expect-error: start is a number
  createSupervisor(counter, { input: { start: '1' } });
  // The function form gets its parameter typed from the supervisor's own input, under strict.
  const fromOwn = createSupervisor(counter, {
    input: ({ input }: { input: { base: number } }) => ({ start: input.base }),
  });
  expectTypeOf<InputFrom<typeof fromOwn>>().toEqualTypeOf<{ base: number }>();
  createActor(fromOwn, { input: { base: 3 } });
  // @ts-expect-error: the supervisor's input is { base: number }
  createActor(fromOwn, { input: { base: 'three' } });
  // Without an annotation the parameter is unknown, not an implicit any.
  createSupervisor(counter, {
    input: ({ input }) => {
      expectTypeOf(input).toEqualTypeOf<unknown>();
      return { start: 0 };
    },
  });
  // @ts-expect-error: the function must make the child's input
  createSupervisor(counter, { input: () => ({ begin: 0 }) });
});

test('it emits the lifecycle events and what the child emits', () => {
  const supervisor = createSupervisor(counter);
  expectTypeOf<EmittedFrom<typeof supervisor>>().toEqualTypeOf<
    LifecycleEvent | { type: 'changed'; value: number }
  >();
  const actor = createActor(supervisor);
  actor.on('changed', (event) => expectTypeOf(event.value).toEqualTypeOf<number>());
  actor.on('child.failed', (event) => expectTypeOf(event.failures).toEqualTypeOf<number>());
  // A child that declares nothing adds nothing.
  expectTypeOf<
    EmittedFrom<ReturnType<typeof createSupervisor<typeof idle>>>
  >().toEqualTypeOf<LifecycleEvent>();
});

test('it works in a user machine’s setup without casts', () => {
  const worker = createSupervisor(
    fromProcess<string, { queue: string }>(async ({ input }) => input.queue),
    { input: { queue: 'emails' } },
  );
  setup({ actors: { worker } }).createMachine({
    invoke: {
      id: 'worker',
      src: 'worker',
      onDone: {
        actions: ({ event }) =>
          expectTypeOf(event.output.output).toEqualTypeOf<string | undefined>(),
      },
    },
    entry: sendTo('worker', { type: 'reload' }),
  });
  setup({ actors: { worker } }).createMachine({
    context: ({ spawn }) => ({ ref: spawn('worker', { id: 'w' }) }),
    entry: ({ context }) => {
      context.ref.send({ type: 'shutdown' });
    },
  });
});

test('childOf and childSnapshotOf are typed from the child logic', () => {
  const actor = createActor(createSupervisor(counter, { input: { start: 1 } }));
  expectTypeOf(childOf(actor)).toEqualTypeOf<ActorRefFrom<typeof counter> | undefined>();
  expectTypeOf(childOf(actor.getSnapshot())).toEqualTypeOf<
    ActorRefFrom<typeof counter> | undefined
  >();
  expectTypeOf(childSnapshotOf(actor.getSnapshot())).toEqualTypeOf<
    SnapshotFrom<typeof counter> | undefined
  >();
  childOf(actor)?.send({ type: 'inc', by: 1 });
  // @ts-expect-error: the child accepts no such event
  childOf(actor)?.send({ type: 'nonsense' });
});
