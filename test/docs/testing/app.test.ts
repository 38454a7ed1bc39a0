import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { apiSupervision, createApp } from '../../../examples/testing/app.js';
import {
  createSupervisorModel,
  createTestChild,
  getModelPaths,
  replaySupervisorPath,
} from '../../../src/testing.js';

// A path to every state of the supervisor's model: failures, backoff, giving up, shutdown…
const paths = getModelPaths(createSupervisorModel(apiSupervision));

/** What the app shows for each state of its API's supervisor. */
const shown: Record<string, string> = { failed: 'offline', stopped: 'closed' };

describe('the app keeps its flaky API supervised', () => {
  it.each(paths.map((path) => [path.description, path] as const))('%s', (_, path) =>
    replaySupervisorPath(path, (clock) => {
      const api = createTestChild({ clock });
      const app = createActor(createApp(api.logic), { clock });
      return {
        actor: app,
        child: api,
        // The supervisor is the app's invoked `api` actor.
        supervisor: (actor) => actor.getSnapshot().children.api,
        check: (model) => expect(app.getSnapshot().value).toBe(shown[model.phase] ?? 'online'),
      };
    }),
  );
});
