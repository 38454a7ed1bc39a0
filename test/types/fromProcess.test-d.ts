/**
 * Type tests of `fromProcess`: what XState's type helpers read from its logic. Checked by
 * `tsc`, never run (see backoff.test-d.ts).
 */
import { expectTypeOf, test } from 'vitest';
import {
  type ActorRefFrom,
  type AnyEventObject,
  createActor,
  type EmittedFrom,
  type EventFrom,
  type EventFromLogic,
  type EventObject,
  type InputFrom,
  type OutputFrom,
} from 'xstate';
import {
  createProcessGroup,
  createSupervisor,
  fromProcess,
  type ProcessActorRef,
  type ProcessContext,
} from '../../src/index.js';

test('the output is what run resolves to', () => {
  const answer = fromProcess(async () => 42);
  expectTypeOf<OutputFrom<typeof answer>>().toEqualTypeOf<number>();
  const actor = createActor(answer);
  expectTypeOf(actor.getSnapshot().output).toEqualTypeOf<number | undefined>();
  expectTypeOf<ActorRefFrom<typeof answer>>().toEqualTypeOf<ProcessActorRef<number>>();
});

test('the input is the declared one, in run and in createActor', () => {
  const worker = fromProcess<void, { queue: string }>(async ({ input }) => {
    expectTypeOf(input).toEqualTypeOf<{ queue: string }>();
  });
  expectTypeOf<InputFrom<typeof worker>>().toEqualTypeOf<{ queue: string }>();
  createActor(worker, { input: { queue: 'emails' } });
  // @ts-expect-error: the queue is a string
  createActor(worker, { input: { queue: 1 } });
});

type Chat = { type: 'chat'; text: string } | { type: 'ping' };
type Heard = { type: 'heard'; text: string };

test('the messages it receives are typed, in onMessage and on the actor', () => {
  const echo = fromProcess<void, void, EventObject, Chat, Heard>(({ onMessage, sendBack }) => {
    onMessage((event) => {
      expectTypeOf(event).toEqualTypeOf<Chat>();
      if (event.type === 'chat') sendBack({ type: 'heard', text: event.text });
    });
  });
  expectTypeOf<EventFromLogic<typeof echo>>().toEqualTypeOf<
    Chat | { type: 'shutdown' } | { type: 'reload' }
  >();
  const actor = createActor(echo);
  actor.send({ type: 'chat', text: 'hi' });
  actor.send({ type: 'ping' });
  actor.send({ type: 'shutdown' });
  actor.send({ type: 'reload' });
  // @ts-expect-error: no such message
  actor.send({ type: 'chta', txet: 1 });
  // @ts-expect-error: text is a string
  actor.send({ type: 'chat', text: 1 });
});

test('a supervisor or group around it accepts exactly its messages, shutdown and reload', () => {
  const echo = fromProcess<void, void, EventObject, Chat>(async () => {});
  const supervisor = createActor(createSupervisor(echo));
  supervisor.send({ type: 'chat', text: 'hi' });
  supervisor.send({ type: 'ping' });
  supervisor.send({ type: 'shutdown', force: true });
  supervisor.send({ type: 'reload' });
  // @ts-expect-error: the child accepts no such message
  supervisor.send({ type: 'chta', txet: 1 });
  // @ts-expect-error: text is a string
  supervisor.send({ type: 'chat', text: 1 });
  expectTypeOf<EventFrom<ReturnType<typeof createSupervisor<typeof echo>>>>().toEqualTypeOf<
    Chat | { type: 'shutdown'; force?: boolean } | { type: 'reload' } | { type: 'shutdown' }
  >();

  const group = createActor(createProcessGroup({ children: [{ id: 'echo', logic: echo }] }));
  group.send({ type: 'chat', text: 'hi' });
  // @ts-expect-error: no declared child accepts it
  group.send({ type: 'chta', txet: 1 });
});

test('what it sends up is typed', () => {
  fromProcess<void, void, EventObject, Chat, Heard>(({ sendBack }) => {
    sendBack({ type: 'heard', text: 'ok' });
    // @ts-expect-error: not what it sends
    sendBack({ type: 'said', text: 'ok' });
    // @ts-expect-error: text is a string
    sendBack({ type: 'heard', text: 1 });
  });
  // Untyped, it sends any event object, as before.
  fromProcess(({ sendBack }) => {
    sendBack({ type: 'anything', n: 1 });
  });
});

test('without a message type it accepts any event object, and onMessage gets any event', () => {
  const open = fromProcess(({ onMessage }) => {
    onMessage((event) => {
      expectTypeOf(event).toEqualTypeOf<AnyEventObject>();
    });
  });
  expectTypeOf<EventFromLogic<typeof open>>().toEqualTypeOf<AnyEventObject>();
  createActor(createSupervisor(open)).send({ type: 'chta', txet: 1 });
});

test('the third type parameter is still what it emits', () => {
  const progress = fromProcess<void, unknown, { type: 'progress'; pct: number }>(({ emit }) => {
    emit({ type: 'progress', pct: 1 });
    // @ts-expect-error: pct is a number
    emit({ type: 'progress', pct: 'half' });
  });
  expectTypeOf<EmittedFrom<typeof progress>>().toEqualTypeOf<{ type: 'progress'; pct: number }>();
});

test('every type is inferred from the context given on the parameter', () => {
  const echo = fromProcess(
    async ({
      input,
      onMessage,
      sendBack,
    }: ProcessContext<{ room: string }, EventObject, Chat, Heard>) => {
      onMessage((event) => {
        if (event.type === 'chat')
          sendBack({ type: 'heard', text: `${input.room}: ${event.text}` });
      });
      return input.room.length;
    },
  );
  expectTypeOf<OutputFrom<typeof echo>>().toEqualTypeOf<number>();
  expectTypeOf<InputFrom<typeof echo>>().toEqualTypeOf<{ room: string }>();
  expectTypeOf<EventFromLogic<typeof echo>>().toEqualTypeOf<
    Chat | { type: 'shutdown' } | { type: 'reload' }
  >();
  // @ts-expect-error: no such message
  createActor(echo, { input: { room: 'a' } }).send({ type: 'chta' });
});

test('healthy is still there', () => {
  fromProcess(({ healthy }) => {
    expectTypeOf(healthy).toEqualTypeOf<() => void>();
  });
});
