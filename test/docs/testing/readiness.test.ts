import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { createProcessGroup, type ProcessGroupOptions } from '../../../src/index.js';
import {
  createGroupModel,
  createTestChild,
  getModelPaths,
  replayGroupPath,
  TestClock,
} from '../../../src/testing.js';

// The api starts once the db says it is ready, and the db has 5 s to say so.
const services = {
  id: 'services',
  strategy: 'one-for-one',
  startOrder: 'sequential',
  backoff: { initialMs: 200, maxMs: 1_000 },
} satisfies Omit<ProcessGroupOptions, 'children'>;
const specs = [{ id: 'db', signalsReady: true, readyTimeoutMs: 5_000 }, { id: 'api' }] as const;

const model = createGroupModel({ ...services, children: specs });
const paths = getModelPaths(model);

describe('the api waits for the db to be ready', () => {
  it('walks a db that misses its deadline while the api waits', () => {
    const missed = paths.some((path) =>
      path.steps.some(
        (step) =>
          step.state.context.failures > 0 &&
          step.state.context.children.every((child) => child.status !== 'running'),
      ),
    );
    expect(missed).toBe(true);
  });

  it.each(paths.map((path) => [path.description, path] as const))('%s', (_, path) =>
    replayGroupPath(path, (clock) => {
      const children = { db: createTestChild({ clock }), api: createTestChild({ clock }) };
      const group = createProcessGroup({
        ...services,
        children: specs.map((spec) => ({ ...spec, logic: children[spec.id].logic })),
      });
      return { actor: createActor(group, { clock }), children };
    }),
  );
});

it('starts the api the moment the db is ready', async () => {
  const clock = new TestClock();
  // The db's first run connects after 1.2 s; its second says it is ready as soon as it starts.
  const db = createTestChild({ clock, runs: { 2: { start: 'ready' } } });
  const api = createTestChild({ clock });
  const group = createActor(
    createProcessGroup({
      ...services,
      children: [
        { ...specs[0], logic: db.logic },
        { ...specs[1], logic: api.logic },
      ],
    }),
    { clock },
  ).start();
  await clock.advance(1_200);
  expect(group.getSnapshot().context).toMatchObject({ ready: 0, waiting: 1 });
  db.run(1).ready();
  expect(api.run(1).startedAt).toBe(1_200);
  expect(group.getSnapshot().context).toMatchObject({ ready: 2, waiting: 0 });
  db.run(1).fail(new Error('the connection dropped'));
  await clock.advance(200); // the db restarts, and says it is ready at once
  expect(db.run(2)).toMatchObject({ startedAt: 1_400, readyAt: 1_400 });
  expect(group.getSnapshot().context.ready).toBe(2);
});
