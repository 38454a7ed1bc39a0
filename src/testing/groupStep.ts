/**
 * The group model's behaviour: the step `(context, event) → context` that states what a process
 * group does next. This module holds the ends of the children, the restart rounds of the
 * group's strategy, the restart window and time passing; the starts in start order with
 * readiness are in `groupStepStart.ts`, the shutdown in `groupStepDrain.ts`.
 * `createGroupModel` turns it into a machine; `replayGroupPath` checks it on the real group.
 */
import { backoffDelay } from '../policy/backoff.js';
import type { GroupModelConfig } from './groupModelConfig.js';
import {
  type GroupModelChild,
  type GroupModelContext,
  type GroupModelEvent,
  type GroupModelRound,
  groupNextTimerMs,
  OUTCOMES,
} from './groupModelContext.js';
import { GroupDrainStep } from './groupStepDrain.js';

export const clone = (c: GroupModelContext): GroupModelContext => structuredClone(c);

/** Parses a child event type (`a.fails`), for the ids of this group. */
export function childEvent(
  cfg: GroupModelConfig,
  type: string,
): { id: string; what: 'fails' | 'completes' | 'reportsHealthy' | 'becomesReady' } | undefined {
  for (const what of ['fails', 'completes', 'reportsHealthy', 'becomesReady'] as const) {
    if (!type.endsWith(`.${what}`)) continue;
    const id = type.slice(0, -what.length - 1);
    if (cfg.children.some((child) => child.id === id)) return { id, what };
  }
  return undefined;
}

/** The group-model step, mutating `c` (a fresh copy). */
export class Step extends GroupDrainStep {
  giveUp(reason: 'child-failed' | 'max-restarts', childId: string) {
    this.c.gaveUp = { reason, childId };
    this.drain('running.failing');
  }

  scheduleIfReady(round: GroupModelRound) {
    if (round.pending === 0 && round.leftMs === null) round.leftMs = round.delayMs;
  }

  leaveRound(child: GroupModelChild, wasStopping: boolean) {
    const round = this.c.rounds.find((r) => r.id === child.round);
    child.round = null;
    if (!round) return;
    round.members = round.members.filter((id) => id !== child.id);
    if (wasStopping) round.pending--;
    if (round.members.length === 0) this.c.rounds = this.c.rounds.filter((r) => r !== round);
    else if (wasStopping) this.scheduleIfReady(round);
  }

  /** A child asked to stop has ended (on its own, or forced after its grace period). */
  stoppedChild(child: GroupModelChild, forced: boolean) {
    child.graceMs = null;
    if (child.purpose === 'drain') {
      (forced ? this.c.forced : this.c.stopped).push(child.id);
      this.gone(child);
      this.continueDrain();
      return;
    }
    if (this.specOf(child.id).restart === 'temporary') {
      this.leaveRound(child, true);
      this.gone(child);
      this.startWaiting();
      this.finishIfEmpty();
      return;
    }
    child.status = 'backingOff';
    child.purpose = null;
    const round = this.c.rounds.find((r) => r.id === child.round);
    if (round) {
      round.pending--;
      this.scheduleIfReady(round);
    }
  }

  /** A running child has ended on its own. */
  exited(child: GroupModelChild, failed: boolean) {
    const { c, cfg } = this;
    this.unready(child);
    if (this.draining) {
      if (c.phase === 'running.stopping') c.stopped.push(child.id);
      this.gone(child);
      c.stopQueue = c.stopQueue.filter((id) => id !== child.id);
      this.continueDrain();
      return;
    }
    if (failed) {
      child.failures++;
      c.failures++;
    }
    if (failed && cfg.strategy === 'fail-fast') {
      this.gone(child);
      this.giveUp('child-failed', child.id);
      return;
    }
    const { restart } = this.specOf(child.id);
    if (!(restart === 'permanent' || (failed && restart === 'transient'))) {
      this.gone(child);
      // It holds nobody back any more.
      this.startWaiting();
      this.finishIfEmpty();
      return;
    }
    if (cfg.maxRestarts) {
      if (c.windowMs.length >= cfg.maxRestarts.count) {
        this.gone(child);
        this.giveUp('max-restarts', child.id);
        return;
      }
      c.windowMs.push(cfg.maxRestarts.withinMs);
      c.windowMs.sort((a, b) => a - b);
    }
    if (!failed) child.failures++;
    const delayMs = backoffDelay(cfg.backoff, child.failures);
    child.status = 'backingOff';
    child.stableMs = null;
    let affected: GroupModelChild[] = [child];
    if (cfg.strategy === 'one-for-all' || cfg.strategy === 'rest-for-one') {
      const from = cfg.strategy === 'one-for-all' ? 0 : c.children.indexOf(child);
      affected = c.children
        .slice(from)
        .filter((other) => other === child || (other.round === null && other.status === 'running'));
    }
    const round: GroupModelRound = {
      id: child.id,
      members: affected.map((member) => member.id),
      pending: 0,
      delayMs,
      leftMs: null,
    };
    c.rounds.push(round);
    for (const member of affected) {
      member.round = round.id;
      if (member === child) continue;
      this.unready(member);
      member.status = 'stopping';
      member.purpose = 'restart';
      member.stableMs = null;
      member.graceMs = this.specOf(member.id).shutdownTimeoutMs;
      round.pending++;
    }
    this.scheduleIfReady(round);
  }

  restartRound(round: GroupModelRound) {
    const { c } = this;
    c.rounds = c.rounds.filter((r) => r !== round);
    if (this.draining) return;
    for (const id of round.members) {
      const child = this.child(id);
      if (child.round !== round.id || child.status === 'gone') continue;
      // In start order: it waits while a child it depends on is not ready.
      this.launch(child, true);
    }
  }

  advance(ms: number) {
    const { c } = this;
    let left = ms;
    for (;;) {
      if (OUTCOMES.includes(c.phase)) return;
      const due = groupNextTimerMs(c);
      const elapse = due === undefined || due > left ? left : due;
      const minus = (value: number | null) => (value === null ? null : value - elapse);
      c.windowMs = c.windowMs.map((w) => w - elapse).filter((w) => w > 0);
      for (const child of c.children) {
        child.graceMs = minus(child.graceMs);
        child.stableMs = minus(child.stableMs);
        child.readyMs = minus(child.readyMs);
      }
      for (const round of c.rounds) round.leftMs = minus(round.leftMs);
      left -= elapse;
      if (due === undefined || due > elapse) return;
      for (const child of c.children) {
        if (child.stableMs === 0) {
          child.stableMs = null;
          child.failures = 0;
        }
      }
      for (const child of c.children) {
        if (child.graceMs === 0 && child.status === 'stopping') this.stoppedChild(child, true);
      }
      for (const child of c.children) {
        // Not ready in time: the run is stopped and fails like any other.
        if (child.readyMs !== 0) continue;
        child.readyMs = null;
        if (child.status === 'running' && !child.ready && c.phase === 'running.active') {
          this.exited(child, true);
        }
      }
      for (const round of [...c.rounds]) if (round.leftMs === 0) this.restartRound(round);
    }
  }
}

/** The group's expected next step: the model's whole behaviour. */
export function groupStep(
  cfg: GroupModelConfig,
  context: GroupModelContext,
  event: GroupModelEvent,
): GroupModelContext {
  if (OUTCOMES.includes(context.phase)) return context;
  const c = clone(context);
  const step = new Step(cfg, c);
  const active = c.phase === 'running.active';
  switch (event.type) {
    case 'advance':
      step.advance((event as { ms?: number }).ms ?? groupNextTimerMs(context) ?? 0);
      return c;
    case 'shutdown':
      if (!active) return context;
      step.drain('running.stopping');
      return c;
    case 'forceShutdown':
      if (active) step.drain('running.stopping');
      step.force();
      return c;
    case 'reload':
    case 'message':
      return context;
    default: {
      const parsed = childEvent(cfg, event.type);
      if (!parsed) return context;
      const child = step.child(parsed.id);
      if (parsed.what === 'reportsHealthy') {
        if (child.status !== 'running') return context;
        child.failures = 0;
        child.stableMs = null;
      } else if (parsed.what === 'becomesReady') {
        if (child.status !== 'running' || child.ready || !active) return context;
        child.ready = true;
        child.readyMs = null;
        step.startWaiting();
      } else if (child.status === 'stopping') step.stoppedChild(child, false);
      else if (child.status === 'running') step.exited(child, parsed.what === 'fails');
      else return context;
      return c;
    }
  }
}
