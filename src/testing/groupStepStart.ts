/**
 * The start of the group model's step: its children as the step reads them, and how a child is
 * started in start order, waiting while a child it depends on is not ready, and made ready.
 * `GroupDrainStep` adds the shutdown to it, and `Step` the ends and restarts of the children.
 */
import type { GroupModelChildConfig, GroupModelConfig } from './groupModelConfig.js';
import type { GroupModelChild, GroupModelContext } from './groupModelContext.js';

/** The group-model step's starts, mutating `c` (a fresh copy). */
export class GroupStartStep {
  constructor(
    readonly cfg: GroupModelConfig,
    readonly c: GroupModelContext,
  ) {}

  child(id: string): GroupModelChild {
    return this.c.children.find((child) => child.id === id)!;
  }

  specOf(id: string): GroupModelChildConfig {
    return this.cfg.children.find((child) => child.id === id)!;
  }

  gone(child: GroupModelChild) {
    Object.assign(child, {
      status: 'gone',
      purpose: null,
      graceMs: null,
      stableMs: null,
      round: null,
      ready: false,
      readyMs: null,
      waitRestart: false,
    });
  }

  /** Leaves the running state: only a running child counts as ready. */
  unready(child: GroupModelChild) {
    child.ready = false;
    child.readyMs = null;
  }

  /** Whether every child `child` depends on, still in the group, is running and ready. */
  depsReady(child: GroupModelChild): boolean {
    return this.specOf(child.id).dependsOn.every((id) => {
      const dep = this.child(id);
      return dep.status === 'gone' || (dep.status === 'running' && dep.ready);
    });
  }

  /** Starts a run of `child`: not ready while it has to say so. */
  startRun(child: GroupModelChild, isRestart: boolean) {
    const { c, cfg } = this;
    const spec = this.specOf(child.id);
    child.status = 'running';
    child.round = null;
    child.purpose = null;
    child.waitRestart = false;
    child.runs++;
    if (isRestart) c.restarts++;
    child.stableMs =
      isRestart && cfg.resetAfterMs !== false && child.failures > 0 ? cfg.resetAfterMs : null;
    child.ready = !spec.signalsReady;
    child.readyMs = spec.signalsReady ? spec.readyTimeoutMs : null;
  }

  /** Starts `child`, or while a child it depends on is not ready, makes it wait. */
  launch(child: GroupModelChild, isRestart: boolean) {
    if (this.depsReady(child)) {
      this.startRun(child, isRestart);
      if (child.ready) this.startWaiting();
      return;
    }
    child.status = 'waiting';
    child.round = null;
    child.purpose = null;
    child.stableMs = null;
    child.waitRestart = isRestart;
  }

  /** Starts the waiting children whose dependencies are ready now, in order, pass after pass. */
  startWaiting() {
    if (this.c.phase !== 'running.active') return;
    let again = true;
    while (again) {
      again = false;
      for (const child of this.c.children) {
        if (child.status !== 'waiting' || !this.depsReady(child)) continue;
        this.startRun(child, child.waitRestart);
        if (child.ready) again = true;
      }
    }
  }
}
