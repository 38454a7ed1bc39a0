/**
 * One replay of a supervisor path, as `replaySupervisorPath` runs it: what the replay keeps
 * beside the real supervisor (the reloads and messages each run must get, the runs that fail at
 * once or pass their readiness deadline, the errors thrown, the `child.ready` events), how it
 * performs each event of the model on the real supervisor, and how it checks the supervisor
 * against the model after each step.
 */
import type { AnyActorRef, AnyEventObject } from 'xstate';
import { SupervisorError } from '../errors.js';
import type { TestClock } from './clock.js';
import { advanceChecked, collectErrors, expectSame, expectTrue, phaseOf } from './replay.js';
import { REPLAY_MESSAGE, type SupervisorReplaySystem } from './replaySupervisor.js';
import {
  type SupervisorModelContext,
  type SupervisorModelEvent,
  supervisorNextTimerMs,
} from './supervisorModel.js';

/** The replay of one supervisor path on the system the test built. */
export class SupervisorReplayRun {
  readonly errors: unknown[] = [];
  supervisor: AnyActorRef | undefined;
  /** Per run number: the reloads and messages it must have got. */
  readonly expected = new Map<number, { reloads: number; messages: AnyEventObject[] }>();
  /** Runs that fail as soon as they start (what they got is not checked). */
  readonly failAtOnce = new Set<number>();
  /** The errors runs failed with, by run number. */
  readonly thrown = new Map<number, Error>();
  /** Runs past their readiness deadline. */
  readonly timedOut = new Set<number>();
  /** `child.ready` events expected, and seen. */
  readyEvents = 0;
  readySeen = 0;
  /** The step passed a run's readiness deadline. */
  timeoutNow = false;
  pending = { reload: false, messages: [] as AnyEventObject[] };
  sequence = 0;

  constructor(
    readonly clock: TestClock,
    readonly system: SupervisorReplaySystem,
  ) {}

  send(event: AnyEventObject) {
    if (this.system.send) this.system.send(event);
    else this.supervisor?.send(event);
  }

  current() {
    return this.expected.get(this.system.child.runs.length);
  }

  /** What must not change a millisecond early. */
  observe = () =>
    JSON.stringify({
      phase: this.supervisor ? phaseOf(this.supervisor.getSnapshot()) : null,
      runs: this.system.child.runs.map((run) => run.ending),
    });

  /**
   * Every run hangs on shutdown until the model says it ends (`childFails`, `childCompletes`),
   * so `running.stopping` can be watched.
   */
  planNextRun() {
    const number = this.system.child.runs.length + 1;
    if (!this.failAtOnce.has(number)) this.system.child.plan(number, { shutdown: 'hang' });
  }

  /** Starts the system, finds the supervisor and checks the model's first state. */
  async start(model: SupervisorModelContext) {
    const { actor } = this.system;
    collectErrors(actor, this.errors);
    this.planNextRun();
    actor.start();
    this.supervisor = this.system.supervisor ? this.system.supervisor(actor) : actor;
    if (this.supervisor && this.supervisor !== actor) collectErrors(this.supervisor, this.errors);
    this.supervisor?.on('child.ready', () => this.readySeen++);
    await this.clock.settle();
    this.planNextRun();
    this.check(undefined, model);
  }

  /** Performs a model event on the real supervisor. */
  async perform(before: SupervisorModelContext, event: SupervisorModelEvent) {
    const { child } = this.system;
    const last = child.last;
    const ms =
      event.type === 'readyTimeout'
        ? before.readyMs
        : event.type === 'advance'
          ? (event.ms ?? supervisorNextTimerMs(before) ?? 0)
          : null;
    this.timeoutNow =
      ms !== null &&
      before.phase === 'running.active' &&
      before.readyMs !== null &&
      ms >= before.readyMs;
    if (this.timeoutNow) this.timedOut.add(before.runs);
    switch (event.type) {
      case 'childFails': {
        const error = new Error(`run ${last?.number} failed`);
        if (last?.live) this.thrown.set(last.number, error);
        last?.fail(error);
        break;
      }
      case 'childCompletes':
        last?.complete();
        break;
      case 'childReportsHealthy':
        last?.reportHealthy();
        break;
      case 'childBecomesReady':
        this.readyEvents++;
        last?.ready();
        break;
      case 'restartFails': {
        const number = before.runs + 1;
        this.failAtOnce.add(number);
        child.plan(number, {
          start: 'fail',
          shutdown: 'hang',
          error: new Error(`run ${number} failed at once`),
        });
        await advanceChecked(this.clock, before.backoffMs ?? 0, this.observe);
        break;
      }
      case 'advance':
      case 'readyTimeout':
        await advanceChecked(this.clock, ms ?? 0, this.observe);
        break;
      case 'shutdown':
        this.send({ type: 'shutdown' });
        break;
      case 'forceShutdown':
        this.send({ type: 'shutdown', force: true });
        break;
      case 'reload':
        this.send({ type: 'reload' });
        if (before.phase === 'running.active') this.current()!.reloads++;
        if (before.phase === 'backingOff') this.pending.reload = true;
        break;
      case 'message': {
        const message = { type: REPLAY_MESSAGE, sequence: ++this.sequence };
        this.send(message);
        if (before.phase.startsWith('running.')) this.current()!.messages.push(message);
        if (before.phase === 'backingOff') this.pending.messages.push(message);
        break;
      }
    }
    await this.clock.settle();
  }

  /** Checks the real supervisor against the model's state after a step. */
  check(before: SupervisorModelContext | undefined, model: SupervisorModelContext) {
    // Runs started in this step: the first that does not fail at once gets what was kept.
    for (let run = (before?.runs ?? 0) + 1; run <= model.runs; run++) {
      if (this.failAtOnce.has(run)) {
        this.expected.set(run, { reloads: 0, messages: [] });
        continue;
      }
      this.expected.set(run, {
        reloads: this.pending.reload ? 1 : 0,
        messages: this.pending.messages,
      });
      this.pending = { reload: false, messages: [] };
    }
    const { supervisor } = this;
    if (!supervisor) throw new Error('the supervisor was not found');
    const snapshot = supervisor.getSnapshot();
    expectSame('the supervisor state', phaseOf(snapshot), model.phase);
    this.checkRuns(model);
    if (model.phase === 'failed') this.checkFailed(model);
    else this.checkContext(snapshot, model);
    if (model.phase === 'stopped') {
      const output = (snapshot as { output?: Record<string, unknown> }).output ?? {};
      expectSame('the output reason', output.reason, model.reason);
      expectSame('the output restarts', output.restarts, model.restarts);
      expectSame('the output failures', output.failures, model.failures);
      if (model.reason === 'completed') {
        expectSame('the output of the completed run', output.output, `run ${model.runs} completed`);
      }
    }
    this.system.check?.(model, supervisor);
  }

  /** Checks the child's runs: started, ended, what each got, and whether one is still going. */
  checkRuns(model: SupervisorModelContext) {
    const { child } = this.system;
    const runs = child.runs;
    expectSame('runs of the child started', runs.length, model.runs);
    for (const run of this.timedOut) {
      expectSame(
        `how run ${run} ended, past its readiness deadline`,
        runs[run - 1]?.ending,
        'stopped',
      );
    }
    expectSame('child.ready events of the supervisor', this.readySeen, this.readyEvents);
    for (const run of runs) {
      if (this.failAtOnce.has(run.number)) continue;
      const got = this.expected.get(run.number)!;
      expectSame(`reloads run ${run.number} received`, run.reloads, got.reloads);
      expectSame(`messages run ${run.number} received`, run.messages, got.messages);
    }
    const isRunning = model.phase.startsWith('running.');
    expectSame(
      'runs still going',
      child.live().map((run) => run.number),
      isRunning ? [model.runs] : [],
    );
    if (model.phase === 'running.stopping') {
      expectTrue(`run ${model.runs} was asked to shut down`, runs.at(-1)?.askedToShutDown === true);
    }
  }

  /** Checks a failed supervisor: the one error it failed with, its reason and cause. */
  checkFailed(model: SupervisorModelContext) {
    expectSame('errors of the supervisor', this.errors.length, 1);
    const error = this.errors[0];
    expectTrue(
      `the supervisor failed with a SupervisorError, not ${String(error)}`,
      error instanceof SupervisorError,
    );
    expectSame('the reason it gave up', (error as SupervisorError).reason, model.gaveUp);
    if (this.timedOut.has(model.runs)) {
      expectSame(
        'the cause it gave up with',
        ((error as Error).cause as Error | undefined)?.name,
        'ReadyTimeoutError',
      );
    }
    const cause = this.thrown.get(model.runs);
    if (cause && this.system.child.runs.at(-1)?.ending === 'failed') {
      expectTrue(
        'the error it gave up with has the run’s error as cause',
        (error as Error).cause === cause,
      );
    }
  }

  /** Checks a supervisor that has not failed: no error, and its counts as the model's. */
  checkContext(snapshot: unknown, model: SupervisorModelContext) {
    expectSame('errors of the supervisor', this.errors, []);
    const context = (
      snapshot as {
        context?: {
          failures?: number;
          restarts?: number;
          ready?: boolean;
          lastError?: { name?: string } | null;
        };
      }
    ).context;
    expectSame('restarts', context?.restarts, model.restarts);
    expectSame('failures', context?.failures, model.failures);
    if (model.phase !== 'stopped') expectSame('ready', context?.ready, model.ready);
    if (this.timeoutNow) {
      expectSame(
        'the last error, past the readiness deadline',
        context?.lastError?.name,
        'ReadyTimeoutError',
      );
    }
  }
}
