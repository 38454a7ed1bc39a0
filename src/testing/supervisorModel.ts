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
 */

import type { SupervisorOptions, SupervisorStopReason } from '../machines/supervisor.js';
import { type BackoffPolicy, backoffDelay } from '../policy/backoff.js';
import {
  checkCount,
  checkOneOf,
  invalidOption,
  type MaxRestarts,
  RESTART_TYPES,
  type RestartType,
  resolveRestartPolicy,
} from '../policy/options.js';
import { type ModelSpec, modelMachine, registerModel } from './modelMachine.js';

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
}

/** The resolved settings the model works by. */
export interface SupervisorModelConfig {
  restart: RestartType;
  backoff: BackoffPolicy;
  maxRestarts: MaxRestarts | null;
  resetAfterMs: number | false;
  shutdownTimeoutMs: number;
  /** The child is sent `shutdown` and waited for (a test child is, unless `childShutdown: 'immediate'`). */
  graceful: boolean;
  maxRuns: number;
  healthy: boolean;
  restartFails: boolean;
}

const OUTCOMES: readonly SupervisorPhase[] = ['stopped', 'failed'];

/**
 * The ms until the supervisor's next timer in a model state, or `undefined` when none is
 * pending: what an `advance` without `ms` moves.
 *
 * @example
 *
 * ```ts
 * const backingOff = getShortestPaths(model).find((path) => path.state.matches('backingOff'))!;
 * supervisorNextTimerMs(backingOff.state.context); // 100, the backoff wait
 * ```
 */
export function supervisorNextTimerMs(c: SupervisorModelContext): number | undefined {
  const all = [c.backoffMs, c.resetMs, c.graceMs, c.windowMs[0]].filter(
    (ms): ms is number => typeof ms === 'number',
  );
  return all.length === 0 ? undefined : Math.min(...all);
}

function copy(c: SupervisorModelContext): SupervisorModelContext {
  return { ...c, windowMs: [...c.windowMs] };
}

/** An outcome keeps only what the output reports, so each outcome is one state of the graph. */
function settleOutcome(c: SupervisorModelContext): SupervisorModelContext {
  return {
    ...c,
    windowMs: [],
    backoffMs: null,
    resetMs: null,
    graceMs: null,
    pendingReload: false,
    pendingMessages: false,
  };
}

function stop(c: SupervisorModelContext, reason: SupervisorStopReason): SupervisorModelContext {
  return settleOutcome({ ...c, phase: 'stopped', reason });
}

function startRun(cfg: SupervisorModelConfig, c: SupervisorModelContext): SupervisorModelContext {
  return {
    ...c,
    phase: 'running.active',
    runs: c.runs + 1,
    restarts: c.restarts + 1,
    backoffMs: null,
    graceMs: null,
    resetMs: cfg.resetAfterMs !== false && c.failures > 0 ? cfg.resetAfterMs : null,
    pendingReload: false,
    pendingMessages: false,
  };
}

/** The current run has ended on its own, while `running.active`. */
function runEnded(
  cfg: SupervisorModelConfig,
  c: SupervisorModelContext,
  failed: boolean,
): SupervisorModelContext {
  if (!failed && cfg.restart !== 'permanent') return stop(c, 'completed');
  if (failed && cfg.restart === 'temporary') {
    return settleOutcome({ ...c, phase: 'failed', gaveUp: 'temporary', failures: c.failures + 1 });
  }
  const next = copy(c);
  if (cfg.maxRestarts) {
    if (next.windowMs.length >= cfg.maxRestarts.count) {
      return settleOutcome({
        ...next,
        phase: 'failed',
        gaveUp: 'max-restarts',
        failures: c.failures + (failed ? 1 : 0),
      });
    }
    next.windowMs.push(cfg.maxRestarts.withinMs);
    next.windowMs.sort((a, b) => a - b);
  }
  next.failures++;
  const delayMs = backoffDelay(cfg.backoff, next.failures);
  if (delayMs === 0) return startRun(cfg, next);
  return { ...next, phase: 'backingOff', backoffMs: delayMs, resetMs: null, graceMs: null };
}

/** Time passes by `ms`: the timers due fire in order. */
function advanceBy(
  cfg: SupervisorModelConfig,
  c: SupervisorModelContext,
  ms: number,
): SupervisorModelContext {
  let next = copy(c);
  let left = ms;
  for (;;) {
    if (OUTCOMES.includes(next.phase)) return next;
    const due = supervisorNextTimerMs(next);
    const elapse = due === undefined || due > left ? left : due;
    const minus = (value: number | null) => (value === null ? null : value - elapse);
    next.windowMs = next.windowMs.map((w) => w - elapse);
    next.backoffMs = minus(next.backoffMs);
    next.resetMs = minus(next.resetMs);
    next.graceMs = minus(next.graceMs);
    left -= elapse;
    if (due === undefined || due > elapse) return next;
    next.windowMs = next.windowMs.filter((w) => w > 0);
    if (next.resetMs === 0) next = { ...next, failures: 0, resetMs: null };
    if (next.graceMs === 0) return stop(next, 'forced');
    if (next.backoffMs === 0) next = startRun(cfg, next);
  }
}

/** The supervisor's expected next step: the model's whole behaviour. */
export function supervisorStep(
  cfg: SupervisorModelConfig,
  c: SupervisorModelContext,
  event: SupervisorModelEvent,
): SupervisorModelContext {
  if (OUTCOMES.includes(c.phase)) return c;
  const active = c.phase === 'running.active';
  switch (event.type) {
    case 'advance':
      return advanceBy(cfg, c, event.ms ?? supervisorNextTimerMs(c) ?? 0);
    case 'shutdown':
      if (c.phase === 'backingOff') return stop(c, 'shutdown');
      if (!active) return c;
      if (!cfg.graceful) return stop(c, 'shutdown');
      return { ...c, phase: 'running.stopping', graceMs: cfg.shutdownTimeoutMs, resetMs: null };
    case 'forceShutdown':
      return stop(c, c.phase === 'backingOff' ? 'shutdown' : 'forced');
    case 'reload':
      return c.phase === 'backingOff' ? { ...c, pendingReload: true } : c;
    case 'message':
      return c.phase === 'backingOff' ? { ...c, pendingMessages: true } : c;
    case 'childReportsHealthy':
      return active ? { ...c, failures: 0, resetMs: null } : c;
    case 'restartFails': {
      if (c.phase !== 'backingOff') return c;
      const started = advanceBy(cfg, c, c.backoffMs ?? 0);
      if (started.phase !== 'running.active') return started;
      // The run fails at once: what waited for it waits for the next run.
      const ended = runEnded(cfg, started, true);
      return { ...ended, pendingReload: c.pendingReload, pendingMessages: c.pendingMessages };
    }
    case 'childFails':
    case 'childCompletes':
      if (c.phase === 'running.stopping') return stop(c, 'shutdown');
      if (!active) return c;
      return runEnded(cfg, c, event.type === 'childFails');
  }
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
    case 'advance':
      return event.ms !== undefined || supervisorNextTimerMs(c) !== undefined;
    case 'childFails':
    case 'childCompletes':
    case 'restartFails': {
      // Within the runs explored: a run ends on its own only when another may start after it.
      if (c.runs < cfg.maxRuns || c.phase === 'running.stopping') return true;
      const next = supervisorStep(cfg, c, event);
      return OUTCOMES.includes(next.phase) && next.runs <= cfg.maxRuns;
    }
    default:
      return true;
  }
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
