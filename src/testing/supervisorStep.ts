/**
 * The supervisor model's behaviour: the step `(context, event) → context` that states what the
 * supervisor does next, with its timers (backoff, stable-run reset, grace period, readiness
 * deadline, restart window) as ms left in the context. `createSupervisorModel` turns it into a
 * machine; `replaySupervisorPath` checks it on the real supervisor.
 */
import type { SupervisorStopReason } from '../machines/supervisor.js';
import { type BackoffPolicy, backoffDelay } from '../policy/backoff.js';
import type { MaxRestarts, RestartType } from '../policy/options.js';
import type {
  SupervisorModelContext,
  SupervisorModelEvent,
  SupervisorPhase,
} from './supervisorModel.js';

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
  /** Each run starts not ready and says when it is (`signalsReady`). */
  signalsReady: boolean;
  /** How long a run may take to say it is ready. */
  readyTimeoutMs: number;
  /** Offer `childBecomesReady`. */
  becomesReady: boolean;
  /** Offer `readyTimeout` (and let time pass the readiness deadline). */
  readyTimeouts: boolean;
}

export const OUTCOMES: readonly SupervisorPhase[] = ['stopped', 'failed'];

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
  const all = [c.backoffMs, c.resetMs, c.graceMs, c.readyMs, c.windowMs[0]].filter(
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
    readyMs: null,
    ready: false,
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
    // A run that signals readiness starts not ready, with its readiness deadline.
    ready: !cfg.signalsReady,
    readyMs: cfg.signalsReady ? cfg.readyTimeoutMs : null,
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
  return {
    ...next,
    phase: 'backingOff',
    backoffMs: delayMs,
    resetMs: null,
    graceMs: null,
    readyMs: null,
    ready: false,
  };
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
    next.readyMs = minus(next.readyMs);
    left -= elapse;
    if (due === undefined || due > elapse) return next;
    next.windowMs = next.windowMs.filter((w) => w > 0);
    if (next.readyMs === 0) {
      // Not ready in time: the run is stopped and fails (its timer was set before the reset's).
      next = runEnded(cfg, { ...next, readyMs: null }, true);
      continue;
    }
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
      return {
        ...c,
        phase: 'running.stopping',
        graceMs: cfg.shutdownTimeoutMs,
        resetMs: null,
        // Only a running child counts as ready; a stopping one is past its readiness deadline.
        ready: false,
        readyMs: null,
      };
    case 'forceShutdown':
      return stop(c, c.phase === 'backingOff' ? 'shutdown' : 'forced');
    case 'reload':
      return c.phase === 'backingOff' ? { ...c, pendingReload: true } : c;
    case 'message':
      return c.phase === 'backingOff' ? { ...c, pendingMessages: true } : c;
    case 'childReportsHealthy':
      return active ? { ...c, failures: 0, resetMs: null } : c;
    case 'childBecomesReady':
      return active && !c.ready ? { ...c, ready: true, readyMs: null } : c;
    case 'readyTimeout':
      return active && c.readyMs !== null ? advanceBy(cfg, c, c.readyMs) : c;
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
