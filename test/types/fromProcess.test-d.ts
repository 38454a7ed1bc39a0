/**
 * Type tests of `fromProcess`: what XState's type helpers read from its logic. Checked by
 * `tsc`, never run (see backoff.test-d.ts).
 */
import { expectTypeOf, test } from 'vitest';
import { type ActorRefFrom, createActor, type InputFrom, type OutputFrom } from 'xstate';
import { fromProcess, type ProcessActorRef } from '../../src/index.js';

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
