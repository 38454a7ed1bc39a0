import { expect, it } from 'vitest';
import { assign, createActor, fromPromise, setup } from 'xstate';
import { childOf, createSupervisor } from '../../../src/index.js';

// A counter the supervisor keeps alive; its context is what we want to keep across a restart
// of the whole process.
const counter = setup({
  types: { context: {} as { n: number }, events: {} as { type: 'inc' } },
}).createMachine({
  context: { n: 0 },
  on: { inc: { actions: assign({ n: ({ context }) => context.n + 1 }) } },
});

it('resumes a persisted supervisor, its child and its counts', () => {
  const supervisor = createSupervisor(counter, { id: 'counter' });
  const actor = createActor(supervisor).start();
  actor.send({ type: 'inc' });
  actor.send({ type: 'inc' });

  // Store it as JSON, e.g. in a file or a database, and stop.
  const stored = JSON.stringify(actor.getPersistedSnapshot());
  actor.stop();

  // Later, maybe in another process: restore and carry on.
  const restored = createActor(supervisor, { snapshot: JSON.parse(stored) }).start();
  const child = childOf(restored)!;
  expect(child.getSnapshot().context.n).toBe(2); // the child's own persisted snapshot
  restored.stop();
});

it('restarts at once a child that was waiting for its backoff delay', async () => {
  let runs = 0;
  const flaky = fromPromise(async () => {
    runs++;
    if (runs === 1) throw new Error('down');
    await new Promise(() => {}); // then serves
  });
  const supervisor = createSupervisor(flaky, { backoff: { initialMs: 60_000 } });
  const actor = createActor(supervisor).start();
  await new Promise((resolve) => setImmediate(resolve));
  expect(actor.getSnapshot().matches('backingOff')).toBe(true);
  const stored = JSON.stringify(actor.getPersistedSnapshot());
  actor.stop();

  const restored = createActor(supervisor, { snapshot: JSON.parse(stored) }).start();
  await new Promise((resolve) => setImmediate(resolve));
  expect(restored.getSnapshot().matches('running')).toBe(true); // no 60 s wait
  expect(restored.getSnapshot().context).toMatchObject({ failures: 1, restarts: 1 });
  restored.stop();
});
