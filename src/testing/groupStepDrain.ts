/**
 * The group model's shutdown: the group drains its children (all at once, or one by one, last
 * first, with `shutdownOrder: 'reverse'`), each given its grace period, or forces them, and ends
 * once none is left.
 */
import type { GroupModelChild } from './groupModelContext.js';
import { GroupStartStep } from './groupStepStart.js';

/** The group-model step's shutdown, mutating `c` (a fresh copy). */
export class GroupDrainStep extends GroupStartStep {
  get draining() {
    return this.c.phase === 'running.stopping' || this.c.phase === 'running.failing';
  }

  stopForDrain(child: GroupModelChild) {
    this.unready(child);
    child.status = 'stopping';
    child.purpose = 'drain';
    child.stableMs = null;
    child.graceMs = this.specOf(child.id).shutdownTimeoutMs;
  }

  /** The group ends once no child is left while draining; an active group completes. */
  finishIfEmpty() {
    const { c } = this;
    if (c.children.some((child) => child.status !== 'gone') || c.stopQueue.length > 0) return;
    if (c.phase === 'running.active') {
      c.phase = 'stopped';
      c.reason = 'completed';
    } else if (c.phase === 'running.stopping') {
      c.phase = 'stopped';
      c.reason = c.forced.length > 0 ? 'forced' : 'shutdown';
    } else if (c.phase === 'running.failing') c.phase = 'failed';
  }

  continueDrain() {
    const { c } = this;
    if (!this.draining) return;
    while (!c.children.some((child) => child.status === 'stopping') && c.stopQueue.length > 0) {
      const child = this.child(c.stopQueue.pop()!);
      if (child.status === 'running') this.stopForDrain(child);
    }
    this.finishIfEmpty();
  }

  drain(phase: 'running.stopping' | 'running.failing') {
    const { c } = this;
    c.phase = phase;
    c.rounds = [];
    const running: GroupModelChild[] = [];
    for (const child of c.children) {
      child.round = null;
      if (child.status === 'backingOff' || child.status === 'waiting') {
        // Nothing runs: it stops at once.
        c.stopped.push(child.id);
        this.gone(child);
      } else if (child.status === 'stopping') child.purpose = 'drain';
      else if (child.status === 'running') running.push(child);
    }
    if (this.cfg.shutdownOrder === 'reverse') c.stopQueue = running.map((child) => child.id);
    else for (const child of running) this.stopForDrain(child);
    this.continueDrain();
  }

  force() {
    const { c } = this;
    const order = [...c.stopQueue, ...c.children.map((child) => child.id)];
    c.stopQueue = [];
    for (const id of order) {
      const child = this.child(id);
      if (child.status === 'gone') continue;
      c.forced.push(id);
      this.gone(child);
    }
    this.continueDrain();
  }
}
