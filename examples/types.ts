/**
 * What the types of a supervisor and a group let through, and what they refuse (each refusal
 * is a line that does not compile, marked with @ts-expect-error). Checked by `tsc` in `npm test`.
 */
import { createActor, fromPromise, type OutputFrom, setup } from 'xstate';
import {
  childOf,
  childSnapshotOf,
  createProcessGroup,
  createSupervisor,
  type SupervisorOutput,
} from '../src/index.js';

const counter = setup({
  types: {
    context: {} as { count: number },
    events: {} as { type: 'inc'; by: number },
    input: {} as { start: number },
    emitted: {} as { type: 'changed'; value: number },
  },
}).createMachine({ context: ({ input }) => ({ count: input.start }) });

// The supervisor accepts the child's events and its own (shutdown, reload), nothing else.
const supervised = createActor(createSupervisor(counter, { input: { start: 0 } }));
supervised.send({ type: 'inc', by: 1 });
supervised.send({ type: 'shutdown', force: true });
// @ts-expect-error: the child accepts no such event
supervised.send({ type: 'nonsense' });
// @ts-expect-error: `by` is a number
supervised.send({ type: 'inc', by: 'two' });

// The input option is checked against the child's input; the function form takes the
// supervisor's own input, which you declare on its parameter.
createSupervisor(counter, {
  input: ({ input }: { input: { base: number } }) => ({ start: input.base }),
});
// @ts-expect-error: start is a number
createSupervisor(counter, { input: { start: 'zero' } });

// What the child emits, the supervisor emits (beside the lifecycle events).
supervised.on('changed', (event) => console.log(event.value));

// The output carries the child's output.
const answer = createSupervisor(fromPromise(async () => 42));
const output: OutputFrom<typeof answer> = {
  reason: 'completed',
  restarts: 0,
  failures: 0,
  lastError: null,
  forced: [],
  droppedMessages: 0,
  output: 42,
};
export const typed: SupervisorOutput<number> = output;

// A group accepts its own events and those of its declared children.
const group = createActor(
  createProcessGroup({ children: [{ id: 'counter', logic: counter, input: { start: 0 } }] }),
);
group.send({ type: 'inc', by: 1 });
group.send({ type: 'add', child: { id: 'later', logic: counter } });
// @ts-expect-error: no declared child accepts it (a child added later is not known to the types)
group.send({ type: 'nonsense' });

// The running child is typed from the child's logic (undefined while the supervisor backs off);
// a group's children are reached by their declared ids.
childOf(supervised)?.send({ type: 'inc', by: 1 });
// @ts-expect-error: the child accepts no such event
childOf(supervised)?.send({ type: 'nonsense' });
export const count: number | undefined = childSnapshotOf(supervised)?.context.count;
childOf(group, 'counter')?.send({ type: 'inc', by: 2 });
// @ts-expect-error: no child was declared with this id
childOf(group, 'later');
