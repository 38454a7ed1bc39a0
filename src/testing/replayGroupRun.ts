/**
 * One replay of a group path, as `replayGroupPath` runs it: what the replay keeps beside the
 * real group (the reloads and messages each run must get, what was kept for a child's next run
 * or dropped, the errors thrown, the `child.ready` events), how it performs each event of the
 * model on the real group, and how it checks the group against the model after each step.
 */
import type { AnyActorRef, AnyEventObject } from 'xstate';
import { GroupError } from '../errors.js';
import { childSetMembers } from '../runtime/reach.js';
import type { TestClock } from './clock.js';
import {
  type GroupModelContext,
  type GroupModelEvent,
  groupNextTimerMs,
} from './groupModelContext.js';
import { advanceChecked, collectErrors, expectSame, expectTrue, phaseOf } from './replay.js';
import type { GroupReplaySystem } from './replayGroup.js';
import { REPLAY_MESSAGE } from './replaySupervisor.js';
import type { TestChild } from './testChild.js';

/** What a run must get: its reloads and messages. */
interface Received {
  reloads: number;
  messages: AnyEventObject[];
}

/** The key of a child's run. */
const key = (id: string, run: number) => `${id}/${run}`;

/** The replay of one group path on the system the test built. */
export class GroupReplayRun {
  readonly errors: unknown[] = [];
  group: AnyActorRef | undefined;
  /** Per child, per run number: the reloads and messages it must have got. */
  readonly expected = new Map<string, Received>();
  readonly thrown = new Map<string, Error>();
  /** Per child: the reload and messages kept for its next run. */
  readonly pending = new Map<string, Received>();
  /** Messages dropped with the children that left the group while some waited for them. */
  dropped = 0;
  sequence = 0;
  /** Runs stopped past their readiness deadline, by key. */
  readonly timedOut = new Set<string>();
  /** `child.ready` events expected, and seen, in order. */
  readonly readyEvents: string[] = [];
  readonly readySeen: string[] = [];

  constructor(
    readonly clock: TestClock,
    readonly system: GroupReplaySystem,
    readonly ids: readonly string[],
  ) {}

  pendingOf(id: string): Received {
    const kept = this.pending.get(id) ?? { reloads: 0, messages: [] };
    this.pending.set(id, kept);
    return kept;
  }

  send(event: AnyEventObject) {
    if (this.system.send) this.system.send(event);
    else this.group?.send(event);
  }

  test(id: string): TestChild {
    return this.system.children[id]!;
  }

  /** What must not change a millisecond early. */
  observe = () =>
    JSON.stringify({
      phase: this.group ? phaseOf(this.group.getSnapshot()) : null,
      counts: this.counts(),
      runs: this.ids.map((id) => this.test(id).runs.map((run) => run.ending)),
    });

  counts() {
    const context = (this.group?.getSnapshot() as { context?: Record<string, unknown> } | undefined)
      ?.context;
    return {
      running: context?.running,
      stopping: context?.stopping,
      backingOff: context?.backingOff,
      waiting: context?.waiting,
      ready: context?.ready,
      restarts: context?.restarts,
      failures: context?.failures,
      droppedMessages: context?.droppedMessages,
    };
  }

  planNextRuns() {
    for (const id of this.ids) {
      this.test(id).plan(this.test(id).runs.length + 1, { shutdown: 'hang' });
    }
  }

  /** Starts the system, finds the group and checks the model's first state. */
  async start(model: GroupModelContext) {
    const { actor } = this.system;
    collectErrors(actor, this.errors);
    this.planNextRuns();
    actor.start();
    this.group = this.system.group ? this.system.group(actor) : actor;
    if (this.group && this.group !== actor) collectErrors(this.group, this.errors);
    this.group?.on('child.ready', (event: { childId: string }) =>
      this.readySeen.push(event.childId),
    );
    await this.clock.settle();
    this.planNextRuns();
    this.check(undefined, model);
  }

  /** Performs a model event on the real group. */
  async perform(before: GroupModelContext, event: GroupModelEvent) {
    switch (event.type) {
      case 'advance': {
        const ms = (event as { ms?: number }).ms ?? groupNextTimerMs(before) ?? 0;
        if (before.phase === 'running.active') {
          for (const child of before.children) {
            if (child.status === 'running' && child.readyMs !== null && ms >= child.readyMs) {
              this.timedOut.add(key(child.id, child.runs));
            }
          }
        }
        await advanceChecked(this.clock, ms, this.observe);
        break;
      }
      case 'shutdown':
        this.send({ type: 'shutdown' });
        break;
      case 'forceShutdown':
        this.send({ type: 'shutdown', force: true });
        break;
      case 'reload':
      case 'message':
        this.sendMessage(before, event.type);
        break;
      default:
        this.performChildEvent(event.type);
    }
    await this.clock.settle();
  }

  /** Sends a reload or a message, and notes which run must get it, or keep it, or drop it. */
  sendMessage(before: GroupModelContext, type: 'reload' | 'message') {
    const message =
      type === 'reload' ? { type: 'reload' } : { type: REPLAY_MESSAGE, sequence: ++this.sequence };
    this.send(message);
    if (before.phase === 'running.stopping' || before.phase === 'running.failing') {
      // Shutting down: a child not asked to stop yet gets it; a child stopping gets a
      // message but not a reload, which is dropped and counted.
      for (const child of before.children) {
        if (child.status !== 'running' && child.status !== 'stopping') continue;
        if (child.status === 'stopping' && type === 'reload') {
          this.dropped++;
          continue;
        }
        const got = this.expected.get(key(child.id, child.runs))!;
        if (type === 'reload') got.reloads++;
        else got.messages.push(message);
      }
      return;
    }
    if (before.phase !== 'running.active') return;
    for (const child of before.children) {
      // A running child gets it; one waiting to restart keeps it for its next run.
      const waits =
        child.status === 'backingOff' ||
        child.status === 'waiting' ||
        (child.status === 'stopping' && child.purpose === 'restart');
      if (child.status !== 'running' && !waits) continue;
      const got = waits ? this.pendingOf(child.id) : this.expected.get(key(child.id, child.runs))!;
      if (type === 'reload') got.reloads = waits ? 1 : got.reloads + 1;
      else got.messages.push(message);
    }
  }

  /** A child's event (`<id>.fails`, …): its last run does it. */
  performChildEvent(type: string) {
    const id = type.slice(0, type.lastIndexOf('.'));
    const what = type.slice(type.lastIndexOf('.') + 1);
    const last = this.test(id).last;
    if (!last) return;
    if (what === 'fails') {
      const error = new Error(`${id} run ${last.number} failed`);
      if (last.live) this.thrown.set(key(id, last.number), error);
      last.fail(error);
    } else if (what === 'reportsHealthy') last.reportHealthy();
    else if (what === 'becomesReady') {
      this.readyEvents.push(id);
      last.ready();
    } else last.complete();
  }

  /** Checks the real group against the model's state after a step. */
  check(before: GroupModelContext | undefined, model: GroupModelContext) {
    const { group } = this;
    if (!group) throw new Error('the group was not found');
    const snapshot = group.getSnapshot();
    expectSame('the group state', phaseOf(snapshot), model.phase);
    for (const child of model.children) {
      this.checkChild(
        before?.children.find((c) => c.id === child.id),
        child,
      );
    }
    expectSame('child.ready events of the group', this.readySeen, this.readyEvents);
    if (model.phase.startsWith('running.')) this.checkRunning(group, model);
    else if (model.phase === 'failed') this.checkFailed(model);
    else {
      expectSame('errors of the group', this.errors, []);
      expectSame('the output', (snapshot as { output?: unknown }).output, {
        reason: model.reason,
        stopped: model.stopped,
        forced: model.forced,
        restarts: model.restarts,
        failures: model.failures,
        droppedMessages: this.dropped,
      });
    }
    this.system.check?.(model, group);
  }

  /** Checks a child's runs: started, ended, what each got, and whether one is still going. */
  checkChild(
    was: GroupModelContext['children'][number] | undefined,
    child: GroupModelContext['children'][number],
  ) {
    const runs = this.test(child.id).runs;
    for (let run = (was?.runs ?? 0) + 1; run <= child.runs; run++) {
      // A new run gets what was kept for it.
      this.expected.set(key(child.id, run), this.pendingOf(child.id));
      this.pending.delete(child.id);
    }
    if (child.status === 'gone' && was && was.status !== 'gone') {
      // A child that leaves the group drops what was kept for it.
      const kept = this.pendingOf(child.id);
      this.dropped += kept.reloads + kept.messages.length;
      this.pending.delete(child.id);
    }
    expectSame(`runs of ${child.id} started`, runs.length, child.runs);
    for (const run of runs) {
      if (!this.timedOut.has(key(child.id, run.number))) continue;
      expectSame(
        `how ${child.id} run ${run.number} ended, past its readiness deadline`,
        run.ending,
        'stopped',
      );
    }
    for (const run of runs) {
      const got = this.expected.get(key(child.id, run.number))!;
      expectSame(`reloads ${child.id} run ${run.number} received`, run.reloads, got.reloads);
      expectSame(`messages ${child.id} run ${run.number} received`, run.messages, got.messages);
    }
    const live = child.status === 'running' || child.status === 'stopping';
    expectSame(
      `runs of ${child.id} still going`,
      this.test(child.id)
        .live()
        .map((run) => run.number),
      live ? [child.runs] : [],
    );
    if (child.status === 'stopping') {
      expectTrue(
        `${child.id} run ${child.runs} was asked to shut down`,
        runs.at(-1)?.askedToShutDown === true,
      );
    }
  }

  /** Checks a running group: no error, its children as the model's, and its counts. */
  checkRunning(group: AnyActorRef, model: GroupModelContext) {
    expectSame('errors of the group', this.errors, []);
    expectSame(
      'the children, their status and readiness',
      (childSetMembers(group) ?? []).map(({ id, status, ready }) => ({ id, status, ready })),
      model.children
        .filter((child) => child.status !== 'gone')
        .map(({ id, status, ready }) => ({ id, status, ready })),
    );
    const count = (status: string) =>
      model.children.filter((child) => child.status === status).length;
    expectSame('the group’s counts', this.counts(), {
      running: count('running'),
      stopping: count('stopping'),
      backingOff: count('backingOff'),
      waiting: count('waiting'),
      ready: model.children.filter((child) => child.status === 'running' && child.ready).length,
      restarts: model.restarts,
      failures: model.failures,
      droppedMessages: this.dropped,
    });
  }

  /** Checks a failed group: the one error it failed with, its reason, child and cause. */
  checkFailed(model: GroupModelContext) {
    expectSame('errors of the group', this.errors.length, 1);
    const error = this.errors[0] as GroupError;
    expectTrue(
      `the group failed with a GroupError, not ${String(error)}`,
      error instanceof GroupError,
    );
    expectSame('the reason it gave up', error.reason, model.gaveUp?.reason);
    expectSame('the child it gave up on', error.childId, model.gaveUp?.childId);
    const childId = model.gaveUp?.childId ?? '';
    const cause = this.thrown.get(key(childId, this.test(childId).runs.length));
    if (cause)
      expectTrue('the error it gave up with has the child’s error as cause', error.cause === cause);
  }
}
