/**
 * Model-based test of the supervisor, on `xstate-supervisor/testing`.
 *
 * `createSupervisorModel` states what the supervisor is expected to do, as a machine that
 * `xstate/graph` walks; `getModelPaths` gives one path per transition of the model (every state
 * with every event it takes), and `replaySupervisorPath` replays each on a real supervisor
 * around a test child under a `TestClock`, checking its state, the child's starts, stops and
 * received messages, and the output or the error after every step. Each restart type is walked
 * with a backoff, and then zero backoff (restarts without a timer) and a child stopped at once
 * without a stable-run reset.
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
  replaySupervisorPath,
  SUPERVISOR_PHASES,
  type SupervisorModelContext,
  type SupervisorModelEvent,
} from '../../src/testing.js';

const base = {
  backoff: { initialMs: 100, maxMs: 400, factor: 2 },
  // A window that expires within the paths: restarts leave it 1.5 s after their failure.
  maxRestarts: { count: 2, withinMs: 1_500 },
  resetAfterMs: 1_000,
  shutdownTimeoutMs: 500,
} satisfies SupervisorOptions;

const CASES: ReadonlyArray<[string, SupervisorOptions]> = [
  ['transient', { ...base, restart: 'transient' }],
  ['permanent', { ...base, restart: 'permanent' }],
  ['temporary', { ...base, restart: 'temporary' }],
  ['permanent, zero backoff', { ...base, restart: 'permanent', backoff: { initialMs: 0 } }],
  [
    'transient, stopped at once, no stable-run reset',
    { ...base, childShutdown: 'immediate', resetAfterMs: false },
  ],
];

const replay = (options: SupervisorOptions) => (path: ModelPath<SupervisorModelContext>) =>
  replaySupervisorPath(path, (clock) => {
    const child = createTestChild({ clock });
    return { actor: createActor(createSupervisor(child.logic, options), { clock }), child };
  });

/** The (phase, event type) pairs the paths take. */
function coveredPairs(paths: ReadonlyArray<ModelPath<SupervisorModelContext>>): Set<string> {
  const pairs = new Set<string>();
  for (const path of paths) {
    for (let i = 1; i < path.steps.length; i++) {
      pairs.add(`${path.steps[i - 1]!.state.context.phase} --${path.steps[i]!.event.type}-->`);
    }
  }
  return pairs;
}

describe.each(CASES)('supervisor model (%s)', (_, options) => {
  const model = createSupervisorModel(options);
  const paths = getModelPaths(model, { coverage: 'transitions' });

  it('reaches every state the options allow, each with every event it takes', () => {
    const pairs = coveredPairs(paths);
    const reached = new Set(paths.flatMap((path) => path.steps.map((s) => s.state.context.phase)));
    const backsOff = options.restart !== 'temporary' && options.backoff?.initialMs !== 0;
    const drains = options.childShutdown !== 'immediate';
    expect([...reached].sort()).toEqual(
      SUPERVISOR_PHASES.filter(
        (phase) => (backsOff || phase !== 'backingOff') && (drains || phase !== 'running.stopping'),
      ).sort(),
    );
    for (const phase of reached) {
      const node = model.getStateNodeById(`supervisorModel:${phase.replace('.', ':')}`);
      for (const event of node.ownEvents) expect(pairs).toContain(`${phase} --${event}-->`);
    }
  });

  it.each(paths.map((path) => [path.description, path] as const))('%s', async (_, path) => {
    await replay(options)(path);
  });
});

/**
 * Behaviour that is easy to get subtly wrong, along paths that show it: the model says it, and
 * the real supervisor does it.
 */
describe('supervisor model: healthy reports, failed starts, the restart window', () => {
  const options = { ...base, maxRestarts: { count: 2, withinMs: 1_500 } };
  const model = createSupervisorModel(options, { maxRuns: 5 });
  const along = (events: SupervisorModelEvent[]) => getPathsFromEvents(model, events)[0]!;
  const cases: ReadonlyArray<[string, SupervisorModelEvent[], Partial<SupervisorModelContext>]> = [
    [
      'a healthy report resets the failure count: the next failure waits initialMs',
      [
        { type: 'childFails' },
        { type: 'advance' },
        { type: 'childReportsHealthy' },
        { type: 'childFails' },
      ],
      { phase: 'backingOff', failures: 1, backoffMs: 100 },
    ],
    [
      'a restart whose run fails at once keeps the reload and messages for the run after it',
      [
        { type: 'childFails' },
        { type: 'reload' },
        { type: 'message' },
        { type: 'restartFails' },
        { type: 'message' },
        { type: 'advance' },
      ],
      { phase: 'running.active', runs: 3, restarts: 2, failures: 2 },
    ],
    [
      'a restart is counted at the failure and leaves the window withinMs after it',
      [
        { type: 'childFails' }, // at 0: counted until 1,500
        { type: 'advance' },
        { type: 'childFails' }, // at 100: counted until 1,600
        { type: 'advance' },
        { type: 'advance', ms: 1_250 }, // at 1,550 one restart is left in the window
        { type: 'childFails' },
      ],
      { phase: 'backingOff', windowMs: [50, 1_500] },
    ],
  ];

  it.each(cases)('%s (the model)', (_, events, expected) => {
    expect(along(events).state.context).toMatchObject(expected);
  });

  it.each(cases)('%s (the real supervisor)', async (_, events) => {
    await replay(options)(along(events));
  });
});
