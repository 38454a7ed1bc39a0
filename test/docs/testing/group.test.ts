import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { createProcessGroup, type ProcessGroupOptions } from '../../../src/index.js';
import {
  createGroupModel,
  createTestChild,
  getModelPaths,
  replayGroupPath,
} from '../../../src/testing.js';

// The api depends on the db: when the db fails, the api is restarted with it.
const services = {
  id: 'services',
  strategy: 'rest-for-one',
  backoff: { initialMs: 200, maxMs: 1_000 },
  maxRestarts: { count: 1, withinMs: 30_000 },
  shutdownOrder: 'reverse',
} satisfies Omit<ProcessGroupOptions, 'children'>;
const ids = ['db', 'api'] as const;

const model = createGroupModel({ ...services, children: ids.map((id) => ({ id })) });
const paths = getModelPaths(model);

describe('rest-for-one: the api restarts with the db', () => {
  it('walks a round in which a db failure stops the api too', () => {
    const round = paths.some((path) =>
      path.steps.some((step) =>
        step.state.context.rounds.some((r) => r.id === 'db' && r.members.includes('api')),
      ),
    );
    expect(round).toBe(true);
  });

  it.each(paths.map((path) => [path.description, path] as const))('%s', (_, path) =>
    replayGroupPath(path, (clock) => {
      const children = { db: createTestChild({ clock }), api: createTestChild({ clock }) };
      const group = createProcessGroup({
        ...services,
        children: ids.map((id) => ({ id, logic: children[id].logic })),
      });
      return { actor: createActor(group, { clock }), children };
    }),
  );
});
