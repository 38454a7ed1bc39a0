import { expect, it } from 'vitest';
import { createActor, sendParent, setup } from 'xstate';
import { childOf, createProcessGroup, describeTree, isTreeReady } from '../../../src/index.js';

// A database client: connecting until the test says it is connected, then ready.
const database = setup({}).createMachine({
  initial: 'connecting',
  states: {
    connecting: {
      on: { connected: { target: 'open', actions: sendParent({ type: 'supervisor.ready' }) } },
    },
    open: {},
  },
});
const api = setup({}).createMachine({}); // ready once started

it('starts each child once the one before is ready, and restarts them one at a time', () => {
  const app = createActor(
    createProcessGroup({
      id: 'app',
      strategy: 'one-for-one',
      startOrder: 'sequential',
      children: [
        { id: 'db', logic: database, signalsReady: true, readyTimeoutMs: 10_000 },
        { id: 'api', logic: api },
      ],
    }),
  ).start();
  expect(app.getSnapshot().context).toMatchObject({ running: 1, waiting: 1, ready: 0 });
  expect(isTreeReady(describeTree(app))).toBe(false); // /readyz answers 503

  childOf(app, 'db')?.send({ type: 'connected' });
  expect(app.getSnapshot().context).toMatchObject({ running: 2, waiting: 0, ready: 2 });
  expect(isTreeReady(describeTree(app))).toBe(true);

  // A rolling restart: db first; api only once the new db is ready.
  const events: string[] = [];
  app.on('*', (event) => events.push(`${event.type} ${event.childId}`));
  app.send({ type: 'restartChildren', rolling: true });
  expect(app.getSnapshot().context.ready).toBe(1); // api still serves
  childOf(app, 'db')?.send({ type: 'connected' });
  expect(events).toEqual([
    'child.stopped db',
    'child.started db',
    'child.ready db',
    'child.stopped api',
    'child.started api',
    'restart.finished *',
  ]);
  app.send({ type: 'shutdown' });
});
