import { expect, expectTypeOf, it } from 'vitest';
import { assign, createActor, sendTo, setup } from 'xstate';
import { createSupervisor, fromProcess, type ProcessContext } from '../../../src/index.js';

type Count = { type: 'count'; id: string; text: string }; // what it receives
type Counted = { type: 'counted'; id: string; words: number }; // what it sends back
type Progress = { type: 'progress'; done: number }; // what it emits

// The context's type on the parameter; from it, every type of the logic is inferred.
type Context = ProcessContext<{ name: string }, Progress, Count, Counted>;

const counter = fromProcess(
  ({ input, signal, onMessage, sendBack, emit, healthy }: Context) =>
    new Promise<{ name: string; done: number }>((resolve) => {
      let done = 0;
      onMessage((job) => {
        const words = job.text.split(/\s+/).filter(Boolean).length;
        sendBack({ type: 'counted', id: job.id, words });
        emit({ type: 'progress', done: ++done });
      });
      healthy(); // ready: the supervisor forgets the failures before this run
      signal.addEventListener('abort', () => resolve({ name: input.name, done }), { once: true });
    }),
);

const app = setup({
  types: {
    context: {} as { words: Record<string, number> },
    events: {} as Count | Counted,
    children: {} as { counter: 'counter' },
  },
  actors: { counter: createSupervisor(counter, { input: { name: 'counter-1' } }) },
}).createMachine({
  context: { words: {} },
  invoke: { id: 'counter', src: 'counter' },
  on: {
    count: { actions: sendTo('counter', ({ event }) => event) },
    counted: {
      actions: assign({
        words: ({ context, event }) => ({ ...context.words, [event.id]: event.words }),
      }),
    },
  },
});

it('sends jobs down to the process and hears its results come back up', async () => {
  const actor = createActor(app).start();
  const supervisor = actor.getSnapshot().children.counter!;
  const progress: number[] = [];
  supervisor.on('progress', (event) => progress.push(event.done));

  actor.send({ type: 'count', id: 'a', text: 'one two three' });
  actor.send({ type: 'count', id: 'b', text: 'four' });
  await new Promise((resolve) => setImmediate(resolve));
  expect(actor.getSnapshot().context.words).toEqual({ a: 3, b: 1 });
  expect(progress).toEqual([1, 2]);

  // The supervisor accepts what the process accepts (count), shutdown and reload; no typo.
  expectTypeOf(supervisor.send).toBeCallableWith({ type: 'count', id: 'c', text: 'more' });
  // @ts-expect-error: no such message
  expectTypeOf(supervisor.send).toBeCallableWith({ type: 'cuont', id: 'c', text: 'typo' });

  supervisor.send({ type: 'shutdown' });
  await new Promise((resolve) => setImmediate(resolve));
  expect(supervisor.getSnapshot().output).toMatchObject({
    reason: 'shutdown',
    output: { name: 'counter-1', done: 2 },
  });
});
