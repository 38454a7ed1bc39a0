/**
 * The supervisor model with readiness, replayed on the real supervisor: each run starts not
 * ready, says when it is (`childBecomesReady`), or is stopped past `readyTimeoutMs` and fails like
 * any failure. Every path of the model (one per transition) is replayed, checking the
 * supervisor's `context.ready`, its `child.ready` events, the stopped runs and the errors.
 */
import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { getPathsFromEvents } from 'xstate/graph';
import { createSupervisor, type SupervisorOptions } from '../../src/machines/supervisor.js';
import {
  createSupervisorModel,
  createTestChild,
  getModelPaths,
  type ModelPath,
  ReplayMismatch,
  replaySupervisorPath,
  type SupervisorModelContext,
  type SupervisorModelEvent,
} from '../../src/testing.js';

const base = {
  backoff: { initialMs: 100, maxMs: 400, factor: 2 },
  maxRestarts: { count: 2, withinMs: 1_500 },
  resetAfterMs: 1_000,
  shutdownTimeoutMs: 500,
  signalsReady: true,
  readyTimeoutMs: 300,
} satisfies SupervisorOptions;

const CASES: ReadonlyArray<[string, SupervisorOptions]> = [
  ['transient', base],
  ['permanent', { ...base, restart: 'permanent' }],
  ['temporary', { ...base, restart: 'temporary' }],
  ['permanent, zero backoff', { ...base, restart: 'permanent', backoff: { initialMs: 0 } }],
  // The readiness deadline after the stable-run reset: a run can be reset and then time out.
  ['a deadline past the stable-run reset', { ...base, readyTimeoutMs: 1_200, resetAfterMs: 250 }],
];

const replay =
  (options: SupervisorOptions, supervisor: SupervisorOptions = options) =>
  (path: ModelPath<SupervisorModelContext>) =>
    replaySupervisorPath(path, (clock) => {
      const child = createTestChild({ clock });
      return { actor: createActor(createSupervisor(child.logic, supervisor), { clock }), child };
    });

describe.each(CASES)('supervisor model with readiness (%s)', (_, options) => {
  const paths = getModelPaths(createSupervisorModel(options), { coverage: 'transitions' });

  it('has paths where a run becomes ready and where its deadline passes', () => {
    const events = new Set(paths.flatMap((path) => path.steps.map((step) => step.event.type)));
    expect(events).toContain('childBecomesReady');
    expect(events).toContain('readyTimeout');
  });

  it.each(paths.map((path) => [path.description, path] as const))('%s', async (_, path) => {
    await replay(options)(path);
  });
});

describe('supervisor model with readiness: along chosen paths', () => {
  const model = createSupervisorModel(base);
  const along = (events: SupervisorModelEvent[]) => getPathsFromEvents(model, events)[0]!;

  it('a run starts not ready, with its deadline; ready once it says so', () => {
    const start = along([]).state.context;
    expect(start).toMatchObject({ phase: 'running.active', ready: false, readyMs: 300 });
    const ready = along([{ type: 'childBecomesReady' }]).state.context;
    expect(ready).toMatchObject({ ready: true, readyMs: null });
  });

  it('past the deadline the run fails and backs off as a failure would; the next run starts not ready', async () => {
    const events: SupervisorModelEvent[] = [{ type: 'readyTimeout' }, { type: 'advance' }];
    const path = along(events);
    expect(path.steps[1]!.state.context).toMatchObject({
      phase: 'backingOff',
      failures: 1,
      backoffMs: 100,
      ready: false,
    });
    expect(path.state.context).toMatchObject({ phase: 'running.active', runs: 2, ready: false });
    await replay(base)(path);
  });

  it('deadlines that pass one after another give up at the restart limit, with the timeout as cause', async () => {
    const path = along([
      { type: 'readyTimeout' },
      { type: 'advance' },
      { type: 'readyTimeout' },
      { type: 'advance' },
      { type: 'readyTimeout' },
    ]);
    expect(path.state.context).toMatchObject({ phase: 'failed', gaveUp: 'max-restarts' });
    await replay(base)(path);
  });

  it('catches a supervisor not told its child signals readiness', async () => {
    const path = along([{ type: 'childBecomesReady' }]);
    const { signalsReady: _, readyTimeoutMs: __, ...plain } = base;
    await expect(replay(base, plain)(path)).rejects.toThrow(ReplayMismatch);
    await expect(replay(base, plain)(path)).rejects.toThrow(
      /ready: expected false, got true[\s\S]*at step 0/,
    );
  });

  it('catches a supervisor whose deadline differs from the model', async () => {
    const path = along([{ type: 'readyTimeout' }]);
    await expect(replay(base, { ...base, readyTimeoutMs: 400 })(path)).rejects.toThrow(
      /the supervisor state: expected "backingOff", got "running.active"[\s\S]*✗ 1. readyTimeout/,
    );
    await expect(replay(base, { ...base, readyTimeoutMs: 200 })(path)).rejects.toThrow(
      /something happened 1 ms before the 300 ms were up/,
    );
  });
});
