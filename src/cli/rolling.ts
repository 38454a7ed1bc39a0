/**
 * `xsup restart --rolling NAME...`: the instances named restarted one at a time, each ready
 * again before the next is stopped, so that all but one keep serving (pm2's `reload`).
 *
 * The running instances go through the group's own request, `restartChildren` with `rolling`:
 * the group stops each gracefully, starts it again, and stops the next once the new run is
 * ready; `restart.finished` says all are. An instance stopped by hand has nothing to keep
 * serving: it is started first (as `xsup start NAME` would) and waited for until ready, so that
 * it serves while the others roll. The answer lists each instance with its new pid.
 *
 * One rolling restart at a time: a second is refused while the first goes on, also after the
 * first timed out (the group goes on with it). The wait ends with an error when the group
 * refuses the request, when xsup shuts down, or when no instance becomes ready again within
 * one step's time: its grace period to stop, then its `--ready-timeout`.
 */
import type { AnyActorRef } from 'xstate';
import type { LifecycleEvent } from '../lifecycle.js';
import { observeLifecycle } from '../observe.js';
import type { ActionResult, ControlReply } from './control.js';
import type { StatusTracker } from './status.js';

/** Time for starting a process, beyond its grace period and its readiness timeout. */
export const ROLLING_SLACK_MS = 5_000;

const SHUTTING_DOWN = 'xsup is shutting down';

/** Options of {@link createRollingRestarts}. */
export interface RollingOptions {
  /** The group's id, as in its lifecycle events. */
  groupId: string;
  tracker: StatusTracker;
  /**
   * How long one instance may take, from the request to stop it to its new run being ready,
   * before the wait ends with an error (see {@link rollingStepMs}).
   */
  stepTimeoutMs: number;
  /** Starts an instance that is stopped, as `xsup start NAME` does. */
  start(name: string): Promise<ActionResult>;
}

/** The rolling restarts of a running `xsup start`. */
export interface RollingRestarts {
  /** Restarts these instances one at a time; resolves to the answer for the client. */
  restart(names: readonly string[]): Promise<ControlReply>;
  /** Ends every wait (the group has ended) and stops listening. */
  close(): void;
}

/**
 * One step of a rolling restart, at most: the grace period of the stop, the readiness timeout
 * of the new run, and a margin to spawn it.
 *
 * @example
 *
 * ```ts
 * rollingStepMs(10_000, 60_000); // 75000
 * ```
 */
export function rollingStepMs(shutdownTimeoutMs: number, readyTimeoutMs: number): number {
  return shutdownTimeoutMs + readyTimeoutMs + ROLLING_SLACK_MS;
}

type Listener = (event: LifecycleEvent | null) => void;

/**
 * Creates the rolling restarts of a group actor. Call before the group starts.
 *
 * @example
 *
 * ```ts
 * const rolling = createRollingRestarts(actor, { groupId: 'xsup', tracker, stepTimeoutMs, start });
 * const reply = await rolling.restart(['web.1', 'web.2', 'web.3']);
 * ```
 */
export function createRollingRestarts(
  group: AnyActorRef,
  options: RollingOptions,
): RollingRestarts {
  const { groupId, tracker, stepTimeoutMs } = options;
  const listeners = new Set<Listener>();
  let ended = false;
  /** The instances of the rolling restart going on in the group, if one is. */
  let current: readonly string[] | null = null;

  const dispatch = (event: LifecycleEvent | null) => {
    if (event && event.supervisorId !== groupId) return;
    if (event === null || isEnd(event) || event.type === 'restart.finished') current = null;
    for (const listener of [...listeners]) listener(event);
  };
  const subscription = observeLifecycle(group, (event) => dispatch(event));
  const end = () => {
    ended = true;
    dispatch(null);
  };
  const observer = group.subscribe({ complete: end, error: end });

  const steps: Steps = { listeners, ended: () => ended, tracker, stepTimeoutMs };

  return {
    async restart(names) {
      if (ended || tracker.report().shuttingDown) return { ok: false, error: SHUTTING_DOWN };
      if (current) {
        return {
          ok: false,
          error: `a rolling restart of ${current.join(', ')} is still going on; run it again once it is done (see "xsup status")`,
        };
      }
      current = [...names];
      const members = tracker.members();
      const running = names.filter((name) => members.has(name));
      const results = new Map<string, ActionResult>();
      // Stopped ones first: each serves again before any other stops.
      for (const name of names.filter((one) => !members.has(one))) {
        const started = await options.start(name);
        const ready = started.ok ? await untilReady(steps, name) : started.message;
        if (ready !== true) {
          if (current?.join() === names.join()) current = null;
          return { ok: false, error: `${name}: ${ready}` };
        }
        results.set(name, { name, ok: true, message: withPid('started', pidOf(tracker, name)) });
      }
      if (running.length > 0) {
        const rolled = await roll(steps, group, running, () => {
          current = null;
        });
        if (rolled !== true) return { ok: false, error: rolled };
        for (const name of running) {
          results.set(name, {
            name,
            ok: true,
            message: withPid('restarted', pidOf(tracker, name)),
          });
        }
      } else current = null;
      return { ok: true, results: names.map((name) => results.get(name)!) };
    },
    close() {
      end();
      subscription.unsubscribe();
      observer.unsubscribe();
    },
  };
}

/** What the waits of a rolling restart go by: the group's events, while xsup runs. */
interface Steps {
  listeners: Set<Listener>;
  ended(): boolean;
  tracker: StatusTracker;
  stepTimeoutMs: number;
}

/** Whether an instance is running and ready. */
function isReady(tracker: StatusTracker, name: string): boolean {
  const member = tracker.members().get(name);
  return member !== undefined && member.status === 'running' && member.ready;
}

/** The pid of an instance, or null when it has none. */
function pidOf(tracker: StatusTracker, name: string): number | null {
  const snapshot = tracker.members().get(name)?.ref?.getSnapshot() as { pid?: number } | undefined;
  return snapshot?.pid ?? null;
}

/**
 * Calls `step` with each lifecycle event of the group until it returns an answer: a reason
 * to fail (string) or true. Ends with the reason of `onTimeout` when `step` makes no progress
 * (returns `'progress'`) for a step's time, and with a shutdown reason when xsup ends.
 */
function watch(
  steps: Steps,
  step: (event: LifecycleEvent) => string | true | 'progress' | undefined,
  onTimeout: () => string,
): Promise<string | true> {
  const { listeners, stepTimeoutMs } = steps;
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const finish = (answer: string | true) => {
      clearTimeout(timer);
      listeners.delete(listener);
      resolve(answer);
    };
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => finish(onTimeout()), stepTimeoutMs);
    };
    const listener: Listener = (event) => {
      if (event === null || isEnd(event)) return finish(SHUTTING_DOWN);
      const answer = step(event);
      if (answer === 'progress') arm();
      else if (answer !== undefined) finish(answer);
    };
    if (steps.ended()) return resolve(SHUTTING_DOWN);
    listeners.add(listener);
    arm();
  });
}

/** Waits until an instance started from stopped is ready. */
function untilReady(steps: Steps, name: string): Promise<string | true> {
  const { tracker, stepTimeoutMs } = steps;
  if (isReady(tracker, name)) return Promise.resolve(true);
  return watch(
    steps,
    (event) => {
      if (event.childId !== name) return undefined;
      if (isReady(tracker, name)) return true;
      if (!tracker.members().has(name)) return `${name} was stopped meanwhile`;
      return undefined;
    },
    () => `${name} is not ready after ${stepTimeoutMs} ms (its --ready-timeout); see "xsup status"`,
  );
}

/**
 * Sends the group's rolling restart of `ids` and waits for its end; `refused` is called when
 * the group refuses it.
 */
function roll(
  steps: Steps,
  group: AnyActorRef,
  ids: readonly string[],
  refused: () => void,
): Promise<string | true> {
  const { tracker, stepTimeoutMs } = steps;
  // Each stopped instance, until its new run is ready; the first not done is the one waited for.
  const stopped = new Set<string>();
  const done = new Set<string>();
  const waitedFor = () => ids.find((id) => !done.has(id)) ?? ids[ids.length - 1]!;
  const waiting = watch(
    steps,
    (event) => {
      if (event.type === 'restart.finished' && event.rolling && same(event.ids, ids)) return true;
      if (event.type === 'request.refused' && event.request === 'restartChildren') {
        // Refused: nothing of this request goes on in the group.
        refused();
        return `not restarted: ${event.reason}`;
      }
      const id = event.childId;
      if (!ids.includes(id) || done.has(id)) return undefined;
      if (event.type === 'child.stopped' || event.type === 'child.forced') stopped.add(id);
      if (stopped.has(id) && isReady(tracker, id)) {
        done.add(id);
        return 'progress';
      }
      return undefined;
    },
    () =>
      `${waitedFor()} is not ready again after ${stepTimeoutMs} ms (its --shutdown-timeout, then its --ready-timeout); the rolling restart goes on in xsup: see "xsup status"`,
  );
  group.send({ type: 'restartChildren', ids: [...ids], rolling: true });
  return waiting.then((answer) =>
    answer === SHUTTING_DOWN && done.size > 0
      ? `${answer}; restarted before it: ${[...done].join(', ')}`
      : answer,
  );
}

/** The events after which the group takes no more requests: its shutdown, or giving up. */
function isEnd(event: LifecycleEvent): boolean {
  return (
    (event.type === 'shutdown.started' && event.childId === '*') ||
    event.type === 'supervisor.gaveUp'
  );
}

const withPid = (verb: string, pid: number | null) =>
  pid === null ? verb : `${verb} (pid ${pid})`;

const same = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((id, index) => id === b[index]);
