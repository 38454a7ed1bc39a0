/**
 * `createSupervisorModel`: what a supervisor is expected to do, as a machine `xstate/graph` can
 * walk.
 *
 * The model is built from the same options as `createSupervisor`, and states the supervisor's
 * behaviour with no invoke and no delay: the child's doings (`childFails`, `childCompletes`,
 * `childReportsHealthy`, `restartFails`) and what a parent does (`shutdown`, `forceShutdown`,
 * `reload`, `message`) are events, and time passes only through `{ type: 'advance', ms? }`,
 * which moves to the next timer of the supervisor (the backoff wait, the stable-run reset, the
 * grace period, a restart leaving the `maxRestarts` window) or by `ms`. The context keeps what
 * decides the next step (failures, restarts, the ms left on each timer), so
 * `getShortestPaths`, `getSimplePaths` and `createTestModel` reach `backingOff`, `failed` and
 * every outcome. `replaySupervisorPath` checks each path on the real supervisor.
 *
 * The behaviour it states, where it could be read two ways:
 * - `maxRestarts: { count, withinMs }` counts a restart at the time of the failure that causes
 *   it: the failure that would be restart number `count + 1` within `withinMs` gives up.
 * - `{ type: 'supervisor.healthy' }` from the child resets the failure count, so the next
 *   failure waits `backoff.initialMs`.
 * - A reload and messages kept during a backoff wait go to the first run that does not fail at
 *   once (`restartFails` keeps them for the run after).
 * - With `signalsReady: true` each run starts not ready: `childBecomesReady` makes it ready
 *   (the supervisor's `context.ready` and a `child.ready` event), and past `readyTimeoutMs`
 *   (`readyTimeout`, or an `advance` that gets there) the run is stopped and fails like any
 *   failure, backed off and counted. A run being shut down is not ready.
 */

import { resolveReadiness } from '../machines/readinessOptions.js';
import type { SupervisorOptions, SupervisorStopReason } from '../machines/supervisor.js';
import {
  checkCount,
  checkOneOf,
  invalidOption,
  RESTART_TYPES,
  resolveRestartPolicy,
} from '../policy/options.js';
import { type ModelSpec, modelMachine, registerModel } from './modelMachine.js';
import {
  OUTCOMES,
  type SupervisorModelConfig,
  supervisorNextTimerMs,
  supervisorStep,
} from './supervisorStep.js';

export { type SupervisorModelConfig, supervisorNextTimerMs, supervisorStep };

/** The supervisor's phases as the model names them: its states, as dotted paths. */
export type SupervisorPhase =
  | 'running.active'
  | 'running.stopping'
  | 'backingOff'
  | 'stopped'
  | 'failed';

/** The phases of the supervisor model, the initial one first. */
export const SUPERVISOR_PHASES: readonly SupervisorPhase[] = [
  'running.active',
  'running.stopping',
  'backingOff',
  'stopped',
  'failed',
];

/** Events of the supervisor model. */
export type SupervisorModelEvent =
  /** The child's current run fails. */
  | { type: 'childFails' }
  /** The child's current run completes. */
  | { type: 'childCompletes' }
  /** The child sends its supervisor `{ type: 'supervisor.healthy' }`. */
  | { type: 'childReportsHealthy' }
  /** The child's current run says it is ready (`{ type: 'supervisor.ready' }`); with `signalsReady`. */
  | { type: 'childBecomesReady' }
  /** Time passes up to the current run's readiness deadline: it is stopped and fails. */
  | { type: 'readyTimeout' }
  /** The backoff wait ends, and the new run fails as soon as it starts. */
  | { type: 'restartFails' }
  /** Time passes: `ms`, or (without it) up to the next timer of the supervisor. */
  | { type: 'advance'; ms?: number }
  /** `{ type: 'shutdown' }` is sent to the supervisor. */
  | { type: 'shutdown' }
  /** `{ type: 'shutdown', force: true }` is sent to the supervisor. */
  | { type: 'forceShutdown' }
  /** `{ type: 'reload' }` is sent to the supervisor. */
  | { type: 'reload' }
  /** A custom message is sent to the supervisor. */
  | { type: 'message' };

/** The model's context: what decides the supervisor's next step. */
export interface SupervisorModelContext {
  phase: SupervisorPhase;
  /** Runs of the child started so far. */
  runs: number;
  /** Restarts made, as the supervisor's `context.restarts`. */
  restarts: number;
  /** Consecutive failures, as the backoff counts them (and the output reports them). */
  failures: number;
  /** For each failure still inside the `maxRestarts` window, the ms until it leaves it, soonest first. */
  windowMs: number[];
  /** Ms left of the backoff wait (in `backingOff`). */
  backoffMs: number | null;
  /** Ms left until a stable run resets the failure count (in `running.active`). */
  resetMs: number | null;
  /** Ms left of the grace period (in `running.stopping`). */
  graceMs: number | null;
  /** The current run counts as ready, as the supervisor's `context.ready`. */
  ready: boolean;
  /** Ms left until a run that has not said it is ready fails (with `signalsReady`). */
  readyMs: number | null;
  /** A reload waits for the next run. */
  pendingReload: boolean;
  /** Messages wait for the next run. */
  pendingMessages: boolean;
  /** Why the supervisor stopped, once `stopped`. */
  reason: SupervisorStopReason | null;
  /** Why it gave up, once `failed`. */
  gaveUp: 'max-restarts' | 'temporary' | null;
}

/** What the model explores, beside the supervisor's own options. */
export interface SupervisorModelOptions {
  /**
   * Runs of the child the model explores: a run ends on its own only when another may start
   * after it (or when that ends the supervisor). Default: `maxRestarts.count + 1` with a
   * restart limit (enough to give up), else 3.
   */
  maxRuns?: number;
  /** Offer `childReportsHealthy`. Default `true`. */
  healthy?: boolean;
  /** Offer `restartFails` (a restart whose run fails at once). Default `true`. */
  restartFails?: boolean;
  /** With `signalsReady`: offer `childBecomesReady`. Default `true`. */
  becomesReady?: boolean;
  /**
   * With `signalsReady`: offer `readyTimeout`, and let time pass a run's readiness deadline.
   * Default `true`; `false` explores only runs that are given the time to get ready.
   */
  readyTimeouts?: boolean;
}

function accepts(
  cfg: SupervisorModelConfig,
  phase: SupervisorPhase,
): SupervisorModelEvent['type'][] {
  const control = ['advance', 'shutdown', 'forceShutdown', 'reload', 'message'] as const;
  switch (phase) {
    case 'running.active':
      return [
        'childFails',
        'childCompletes',
        ...(cfg.healthy ? (['childReportsHealthy'] as const) : []),
        ...(cfg.signalsReady && cfg.becomesReady ? (['childBecomesReady'] as const) : []),
        ...(cfg.signalsReady && cfg.readyTimeouts ? (['readyTimeout'] as const) : []),
        ...control,
      ];
    case 'running.stopping':
      return ['childFails', 'childCompletes', ...control];
    case 'backingOff':
      return [...(cfg.restartFails ? (['restartFails'] as const) : []), ...control];
    default:
      return [];
  }
}

function allowed(
  cfg: SupervisorModelConfig,
  c: SupervisorModelContext,
  event: SupervisorModelEvent,
): boolean {
  if (!accepts(cfg, c.phase).includes(event.type)) return false;
  switch (event.type) {
    case 'advance': {
      const ms = event.ms ?? supervisorNextTimerMs(c);
      if (ms === undefined) return false;
      // Time that passes a run's readiness deadline ends the run, as a failure would.
      const timesOut = c.phase === 'running.active' && c.readyMs !== null && ms >= c.readyMs;
      return !timesOut || (cfg.readyTimeouts && endsWithinRuns(cfg, c, event));
    }
    case 'childBecomesReady':
      return !c.ready;
    case 'readyTimeout':
      return c.readyMs !== null && endsWithinRuns(cfg, c, event);
    case 'childFails':
    case 'childCompletes':
    case 'restartFails':
      return c.phase === 'running.stopping' || endsWithinRuns(cfg, c, event);
    default:
      return true;
  }
}

/** Within the runs explored, a run ends on its own only when another may start after it. */
function endsWithinRuns(
  cfg: SupervisorModelConfig,
  c: SupervisorModelContext,
  event: SupervisorModelEvent,
): boolean {
  if (c.runs < cfg.maxRuns) return true;
  const next = supervisorStep(cfg, c, event);
  return OUTCOMES.includes(next.phase) && next.runs <= cfg.maxRuns;
}

/** An advance that is the same as `readyTimeout` in `c`. */
function reachesReadyDeadline(
  cfg: SupervisorModelConfig,
  c: SupervisorModelContext,
  event: { ms?: number },
): boolean {
  return (
    cfg.signalsReady &&
    cfg.readyTimeouts &&
    c.phase === 'running.active' &&
    c.readyMs !== null &&
    event.ms === c.readyMs
  );
}

/** Resolves the options of a supervisor into the model's settings; throws for what it cannot model. */
export function resolveSupervisorModelConfig(
  options: SupervisorOptions = {},
  modelOptions: SupervisorModelOptions = {},
): SupervisorModelConfig {
  const owner = 'createSupervisorModel';
  const restart = checkOneOf(owner, 'restart', options.restart ?? 'transient', RESTART_TYPES);
  const { backoff, maxRestarts, resetAfterMs, shutdownTimeoutMs } = resolveRestartPolicy(
    owner,
    options,
  );
  if (backoff.jitter !== 'none') {
    invalidOption(
      owner,
      'backoff.jitter',
      backoff.jitter,
      '"none" (a model needs the delays exactly; test jitter with backoffDelay and a seeded random)',
    );
  }
  if (options.shouldRestart !== undefined) {
    invalidOption(
      owner,
      'shouldRestart',
      options.shouldRestart,
      'absent (the model cannot know which errors it refuses; test that with createTestChild directly)',
    );
  }
  const maxRuns = checkCount(
    owner,
    'maxRuns',
    modelOptions.maxRuns ?? (maxRestarts ? maxRestarts.count + 1 : 3),
  );
  if (maxRuns < 1) invalidOption(owner, 'maxRuns', maxRuns, 'at least 1');
  // The model has no logic: a child marked with markSignalsReady needs `signalsReady: true` here.
  const { signalsReady, readyTimeoutMs } = resolveReadiness(owner, '', options, {});
  return {
    restart,
    backoff,
    maxRestarts,
    resetAfterMs,
    shutdownTimeoutMs,
    graceful: options.childShutdown !== 'immediate',
    maxRuns,
    healthy: modelOptions.healthy ?? true,
    restartFails: modelOptions.restartFails ?? true,
    signalsReady,
    readyTimeoutMs,
    becomesReady: modelOptions.becomesReady ?? true,
    readyTimeouts: modelOptions.readyTimeouts ?? true,
  };
}

/** The supervisor model's spec: its phases, events and step, for the kit's replay and paths. */
export function supervisorModelSpec(
  cfg: SupervisorModelConfig,
): ModelSpec<SupervisorModelContext, SupervisorModelEvent> {
  return {
    id: 'supervisorModel',
    phases: SUPERVISOR_PHASES,
    outcomes: OUTCOMES,
    initial: {
      phase: 'running.active',
      runs: 1,
      restarts: 0,
      failures: 0,
      windowMs: [],
      backoffMs: null,
      resetMs: null,
      graceMs: null,
      ready: !cfg.signalsReady,
      readyMs: cfg.signalsReady ? cfg.readyTimeoutMs : null,
      pendingReload: false,
      pendingMessages: false,
      reason: null,
      gaveUp: null,
    },
    accepts: (phase) => accepts(cfg, phase),
    allowed: (c, event) => allowed(cfg, c, event),
    step: (c, event) => supervisorStep(cfg, c, event),
    events: (c) =>
      accepts(cfg, c.phase)
        .map(
          (type): SupervisorModelEvent =>
            type === 'advance' ? { type, ms: supervisorNextTimerMs(c) ?? 0 } : { type },
        )
        // An advance up to the readiness deadline is offered as `readyTimeout`.
        .filter((event) => event.type !== 'advance' || !reachesReadyDeadline(cfg, c, event))
        .filter((event) => allowed(cfg, c, event)),
  };
}

/**
 * Creates a model of the supervisor that `createSupervisor(child, options)` makes: a machine
 * without invoke or delays, for `xstate/graph`, whose paths {@link replaySupervisorPath} checks
 * on the real supervisor.
 *
 * States: `running` (`active`, `stopping`), `backingOff`, `stopped` and `failed`, as the
 * supervisor's; the context ({@link SupervisorModelContext}) holds what decides the next step.
 * Events: {@link SupervisorModelEvent}. Options it cannot model exactly (`backoff.jitter` other
 * than `'none'`, `shouldRestart`) throw a `TypeError`.
 *
 * @param options - The options given to `createSupervisor` (the same object).
 * @param modelOptions - What to explore: {@link SupervisorModelOptions}.
 *
 * @example
 *
 * ```ts
 * import { getShortestPaths } from 'xstate/graph';
 * import { createSupervisorModel } from 'xstate-supervisor/testing';
 *
 * const model = createSupervisorModel({ backoff: { initialMs: 100 }, maxRestarts: { count: 2, withinMs: 10_000 } });
 * const paths = getShortestPaths(model);
 * paths.some((path) => path.state.matches('failed')); // true
 * ```
 */
export function createSupervisorModel(
  options: SupervisorOptions = {},
  modelOptions: SupervisorModelOptions = {},
) {
  const spec = supervisorModelSpec(resolveSupervisorModelConfig(options, modelOptions));
  const machine = modelMachine(spec);
  registerModel(machine, spec);
  return machine;
}

/** The machine type returned by {@link createSupervisorModel}. */
export type SupervisorModel = ReturnType<typeof createSupervisorModel>;
