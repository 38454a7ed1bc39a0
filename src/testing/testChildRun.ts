/**
 * The runs of a test child: what each run records, its step (the test's own events end it as
 * planned, `shutdown` ends it unless it hangs, reloads and messages are counted), what it does
 * as it starts, and the test's view of it, through which the test makes it do more.
 */
import type { AnyActorRef, AnyEventObject } from 'xstate';
import { sendToParent } from '../actors/guard.js';
import { eventType, postInternal, takeInternal } from '../actors/internalEvents.js';
import { HEALTHY, READY } from '../runtime/events.js';
import type { RunEnding, RunPlan, TestChildSnapshot, TestRun } from './testChild.js';

/**
 * Internal events: the test ends a run (through {@link TestRun}). Honoured only as the very
 * events the test child posted to the run; ones of the same type sent by anybody else are dropped.
 */
export const TEST_CHILD_FAIL = 'xstate.testChild.fail';
export const TEST_CHILD_COMPLETE = 'xstate.testChild.complete';
export const TEST_CHILD_HEALTHY = 'xstate.testChild.healthy';
export const TEST_CHILD_FINISH = 'xstate.testChild.finish';

/** What the test child records of one run. */
export interface RunRecord {
  number: number;
  input: unknown;
  actor: AnyActorRef;
  startedAt: number | undefined;
  ending: RunEnding | null;
  endedAt: number | undefined;
  reloads: number;
  messages: AnyEventObject[];
  askedToShutDown: boolean;
  signalledReady: boolean;
  readyAt: number | undefined;
  plan: RunPlan;
}

/** A run's ending, and when it ended. */
function end(record: RunRecord, ending: RunEnding, now: () => number | undefined): void {
  record.ending = ending;
  record.endedAt = now();
}

/** Posts one of the test's own events to the run, while it goes on. */
function sendIfLive(record: RunRecord, event: AnyEventObject): void {
  if (record.ending === null && record.actor.getSnapshot().status === 'active') {
    postInternal(record.actor, event);
  }
}

/** The run says it is healthy, while it goes on. */
function healthy(record: RunRecord): void {
  if (record.ending !== null) return;
  sendToParent(record.actor, { type: HEALTHY });
}

/** The run says it is ready, while it goes on; the first time is recorded. */
function ready(record: RunRecord, now: () => number | undefined): void {
  if (record.ending !== null) return;
  if (!record.signalledReady) {
    record.signalledReady = true;
    record.readyAt = now();
  }
  sendToParent(record.actor, { type: READY });
}

/**
 * The run's step: the test's own events end it as planned, `shutdown` ends it unless it hangs,
 * and reloads and messages are recorded.
 */
export function transition(
  byActor: WeakMap<AnyActorRef, RunRecord>,
  snapshot: TestChildSnapshot,
  event: AnyEventObject,
  self: AnyActorRef,
  now: () => number | undefined,
): TestChildSnapshot {
  if (snapshot.status !== 'active') return snapshot;
  const record = byActor.get(self);
  if (!record) return snapshot;
  const ended = { ...snapshot, input: undefined };
  // The test's own events are the very objects the test child posted; nothing else is one.
  const own = takeInternal<AnyEventObject>(self, event);
  switch (own?.type) {
    case TEST_CHILD_FAIL:
      end(record, 'failed', now);
      return { ...ended, status: 'error', error: own.error };
    case TEST_CHILD_COMPLETE:
      end(record, 'completed', now);
      return { ...ended, status: 'done', output: own.output };
    case TEST_CHILD_FINISH:
      end(record, 'shut down', now);
      return { ...ended, status: 'done', output: own.output };
  }
  const type = eventType(event);
  switch (type) {
    case 'xstate.stop':
      end(record, 'stopped', now);
      return { ...ended, status: 'stopped' };
    case 'shutdown':
      record.askedToShutDown = true;
      if (record.plan.shutdown === 'hang') return snapshot;
      end(record, 'shut down', now);
      return { ...ended, status: 'done', output: record.plan.output };
    case 'reload':
      record.reloads++;
      return snapshot;
    default:
      if (type !== '' && !type.startsWith('xstate.')) record.messages.push(event);
      return snapshot;
  }
}

/**
 * What the run does as it starts, as planned: a failure or completion is sent to itself during
 * the start, so the run ends before its start returns, as a child that throws at once.
 */
export function beginRun(record: RunRecord, now: () => number | undefined): void {
  const { plan, number, actor: self } = record;
  if (plan.start === 'fail') {
    postInternal(self, {
      type: TEST_CHILD_FAIL,
      error: plan.error ?? new Error(`run ${number} failed`),
    });
  } else if (plan.start === 'complete') {
    postInternal(self, {
      type: TEST_CHILD_COMPLETE,
      output: plan.output ?? `run ${number} completed`,
    });
  } else if (plan.start === 'healthy') {
    queueMicrotask(() => healthy(record));
  } else if (plan.start === 'ready') {
    queueMicrotask(() => ready(record, now));
  }
}

/** The test's view of a run: what it has done so far, and how to make it do more. */
export function runView(record: RunRecord, now: () => number | undefined): TestRun {
  return {
    number: record.number,
    input: record.input,
    actor: record.actor,
    get startedAt() {
      return record.startedAt;
    },
    get ending() {
      return record.ending;
    },
    get endedAt() {
      return record.endedAt;
    },
    get reloads() {
      return record.reloads;
    },
    get messages() {
      return record.messages;
    },
    get askedToShutDown() {
      return record.askedToShutDown;
    },
    get signalledReady() {
      return record.signalledReady;
    },
    get readyAt() {
      return record.readyAt;
    },
    get live() {
      return record.ending === null && record.actor.getSnapshot().status === 'active';
    },
    fail: (error = new Error(`run ${record.number} failed`)) =>
      sendIfLive(record, { type: TEST_CHILD_FAIL, error }),
    complete: (output = `run ${record.number} completed`) =>
      sendIfLive(record, { type: TEST_CHILD_COMPLETE, output }),
    reportHealthy: () => healthy(record),
    ready: () => ready(record, now),
    finishShutdown: (output) => sendIfLive(record, { type: TEST_CHILD_FINISH, output }),
  };
}
