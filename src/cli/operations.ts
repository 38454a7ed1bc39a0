/**
 * What a running `xsup start` does for the control commands: `status`, and `stop`, `start`
 * and `restart` of single processes while the group runs.
 *
 * Each action goes through the group's own requests: a stop is a `remove` (a graceful stop
 * within the process's grace period, then a forced one), a start is an `add` of the same child
 * (a new child, so its failure count starts from zero), a restart is both, the `add` once the
 * `remove` is done. Each waits for the lifecycle event that says it is done (`child.stopped`,
 * `child.forced`, `child.started`, or `request.refused`) and answers with what happened.
 * Actions on one process run one after the other; on different processes, side by side.
 *
 * A group whose last child leaves completes, which would end `xsup`. So while an action runs,
 * and while every process is stopped by hand, the group holds one more child: a keeper that
 * does nothing, is stopped at once, and is shown nowhere.
 */
import { type AnyActorRef, fromCallback } from 'xstate';
import type { LifecycleEvent } from '../lifecycle.js';
import type { GroupChild } from '../machines/group.js';
import { observeLifecycle } from '../observe.js';
import type { ActionResult, ControlAction, ControlReply, ControlRequest } from './control.js';
import { DEFAULT_READY_TIMEOUT_MS } from './readiness.js';
import { createRollingRestarts, rollingStepMs } from './rolling.js';
import type { StatusTracker } from './status.js';

/** The id of the keeper child: a name no Procfile process or instance can have. */
export const KEEPER_ID = 'xsup:control';

/**
 * Whether a child of the group is the keeper rather than a process.
 *
 * @example
 *
 * ```ts
 * actor.on('*', (event) => {
 *   if (!isKeeper(event.childId)) console.log(formatLifecycleEvent(event));
 * });
 * ```
 */
export function isKeeper(childId: string): boolean {
  return childId === KEEPER_ID;
}

// Not shutdown-aware: a `remove` or a shutdown stops it at once.
const keeper: GroupChild = { id: KEEPER_ID, logic: fromCallback(() => {}), restart: 'permanent' };

/** Options of {@link createOperations}. */
export interface OperationsOptions {
  /** The group's id, as in its lifecycle events. */
  groupId: string;
  /** The processes by instance name: what an `add` starts again. */
  children: ReadonlyMap<string, GroupChild>;
  tracker: StatusTracker;
  /** The grace period of a stop (`--shutdown-timeout`), for the time a rolling restart may take. */
  shutdownTimeoutMs?: number;
  /** How long a process has to be ready (`--ready-timeout`), for the same. */
  readyTimeoutMs?: number;
}

/** The control commands' handler, and a way to end what waits. */
export interface Operations {
  handle(request: ControlRequest): Promise<ControlReply>;
  /** Answers every action still waiting (the group has ended) and stops listening. */
  close(): void;
}

type Waiter = (event: LifecycleEvent | null) => boolean;

/**
 * Creates the handler of the control commands for a group actor. Call before the group starts.
 *
 * @example
 *
 * ```ts
 * const operations = createOperations(actor, { groupId: 'xsup', children, tracker });
 * const server = await listenControl('.xsup.sock', operations.handle);
 * ```
 */
export function createOperations(group: AnyActorRef, options: OperationsOptions): Operations {
  const { groupId, children, tracker } = options;
  const waiters = new Set<Waiter>();
  let ended = false;
  let active = 0;
  const locks = new Map<string, Promise<unknown>>();

  const dispatch = (event: LifecycleEvent | null) => {
    for (const waiter of [...waiters]) if (waiter(event)) waiters.delete(waiter);
  };
  const subscription = observeLifecycle(group, (event) => {
    if (event.supervisorId === groupId) dispatch(event);
  });
  const end = () => {
    ended = true;
    dispatch(null);
  };
  const observer = group.subscribe({ complete: end, error: end });

  /** Registers a wait for the first event `pick` accepts; `null` when the group ends first. */
  const waitFor = <T>(pick: (event: LifecycleEvent) => T | undefined): Promise<T | null> =>
    new Promise((resolve) => {
      if (ended) return resolve(null);
      waiters.add((event) => {
        if (event === null) {
          resolve(null);
          return true;
        }
        const value = pick(event);
        if (value === undefined) return false;
        resolve(value);
        return true;
      });
    });

  const ensureKeeper = () => {
    if (!tracker.members().has(KEEPER_ID)) group.send({ type: 'add', child: keeper });
  };
  const releaseKeeper = () => {
    if (active > 0 || ended) return;
    const members = tracker.members();
    if (members.has(KEEPER_ID) && [...members.keys()].some((id) => !isKeeper(id))) {
      group.send({ type: 'remove', id: KEEPER_ID });
    }
  };

  const act = createActions(group, children, tracker, waitFor, () => ended);

  /** Runs an action after the ones already queued for the same process. */
  const queued = (action: ControlAction, name: string): Promise<ActionResult> => {
    const previous = locks.get(name) ?? Promise.resolve();
    const run = previous.then(async () => {
      active += 1;
      try {
        // Whatever removes the process keeps the group from ending meanwhile.
        if (!ended && tracker.members().has(name)) ensureKeeper();
        return await act(action, name);
      } finally {
        active -= 1;
        releaseKeeper();
      }
    });
    const settled = run.catch(() => undefined);
    locks.set(name, settled);
    settled.then(() => {
      if (locks.get(name) === settled) locks.delete(name);
    });
    return run;
  };

  const rolling = createRollingRestarts(group, {
    groupId,
    tracker,
    stepTimeoutMs: rollingStepMs(
      options.shutdownTimeoutMs ?? 10_000,
      options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS,
    ),
    start: (name) => queued('start', name),
  });

  return {
    async handle(request) {
      if (request.command === 'status') return { ok: true, status: tracker.report() };
      const names = resolveNames(children, request.names);
      if (typeof names === 'string') return { ok: false, error: names, usage: true };
      if (request.command === 'restart' && request.rolling) return rolling.restart(names);
      const results = await Promise.all(names.map((name) => queued(request.command, name)));
      return { ok: results.every((result) => result.ok), results };
    },
    close() {
      rolling.close();
      end();
      subscription.unsubscribe();
      observer.unsubscribe();
    },
  };
}

const gone = (): ActionResult['message'] => 'xsup is shutting down';

/**
 * The actions on one process: a stop is a `remove`, a start an `add` of the same child, a
 * restart both; each resolves to what happened once the group's lifecycle says so.
 */
function createActions(
  group: AnyActorRef,
  children: ReadonlyMap<string, GroupChild>,
  tracker: StatusTracker,
  waitFor: <T>(pick: (event: LifecycleEvent) => T | undefined) => Promise<T | null>,
  hasEnded: () => boolean,
): (action: ControlAction, name: string) => Promise<ActionResult> {
  /** Stops a process that is a member; resolves to the result, or null when it is done. */
  const stopMember = async (name: string): Promise<ActionResult> => {
    const done = waitFor((event) => {
      if (event.childId !== name) return undefined;
      if (event.type === 'child.stopped') return { ok: true, message: 'stopped' };
      if (event.type === 'child.forced') {
        return {
          ok: true,
          message: `did not stop within ${event.shutdownTimeoutMs} ms; stopped by force`,
        };
      }
      if (event.type === 'request.refused' && event.request === 'remove') {
        return { ok: false, message: `not stopped: ${event.reason}` };
      }
      return undefined;
    });
    group.send({ type: 'remove', id: name });
    const result = await done;
    return result ? { name, ...result } : { name, ok: false, message: gone() };
  };

  const startChild = async (name: string, verb: string): Promise<ActionResult> => {
    const child = children.get(name)!;
    const done = waitFor((event) => {
      if (event.childId !== name) return undefined;
      if (event.type === 'child.started') return { ok: true };
      if (event.type === 'request.refused' && event.request === 'add') {
        return { ok: false, reason: event.reason };
      }
      return undefined;
    });
    group.send({ type: 'add', child });
    const result = await done;
    if (!result) return { name, ok: false, message: gone() };
    if (!result.ok) return { name, ok: false, message: `not started: ${result.reason}` };
    const pid = await pidOf(tracker, name);
    if (typeof pid === 'string') return { name, ok: false, message: `not started: ${pid}` };
    return { name, ok: true, message: pid === null ? verb : `${verb} (pid ${pid})` };
  };

  return async (action: ControlAction, name: string): Promise<ActionResult> => {
    if (hasEnded() || tracker.report().shuttingDown) return { name, ok: false, message: gone() };
    const member = tracker.members().get(name);
    if (action === 'stop') {
      if (!member) return { name, ok: true, message: 'already stopped' };
      return stopMember(name);
    }
    if (action === 'start' && member?.status === 'running') {
      const pid = (member.ref?.getSnapshot() as { pid?: number } | undefined)?.pid;
      return { name, ok: true, message: `already running${pid ? ` (pid ${pid})` : ''}` };
    }
    // A restart, or a start of a process that is stopped, stopping or waiting to restart.
    if (member) {
      const stopped = await stopMember(name);
      if (!stopped.ok) return stopped;
    }
    return startChild(name, member ? (action === 'restart' ? 'restarted' : 'started') : 'started');
  };
}

/** The pid of a child process once it is spawned; null for a child that is no OS process. */
function pidOf(tracker: StatusTracker, name: string): Promise<number | null | string> {
  return new Promise((resolve) => {
    const ref = tracker.members().get(name)?.ref;
    if (!ref) return resolve('it ended at once');
    const check = (snapshot: { status: string; pid?: number; error?: unknown }) => {
      if (snapshot.pid !== undefined) return snapshot.pid;
      if (!('pid' in snapshot)) return null;
      if (snapshot.status !== 'active') {
        const error = snapshot.error as Error | undefined;
        return error ? `${error.name}: ${error.message}` : 'it ended at once';
      }
      return undefined;
    };
    const now = check(ref.getSnapshot());
    if (now !== undefined) return resolve(now);
    const sub = ref.subscribe({
      next: (snapshot) => {
        const value = check(snapshot);
        if (value === undefined) return;
        sub.unsubscribe();
        resolve(value);
      },
      error: (error) => resolve(`${(error as Error).name}: ${(error as Error).message}`),
      complete: () => resolve(check(ref.getSnapshot()) ?? 'it ended at once'),
    });
  });
}

/** The instance names `names` stand for: an instance name, or a process name for all of its. */
function resolveNames(
  children: ReadonlyMap<string, GroupChild>,
  names: readonly string[],
): string[] | string {
  const resolved: string[] = [];
  for (const name of names) {
    const matches = children.has(name)
      ? [name]
      : [...children.keys()].filter(
          (id) => id.startsWith(`${name}.`) && /^\d+$/.test(id.slice(name.length + 1)),
        );
    if (matches.length === 0) {
      return `no process named "${name}" in this xsup; its processes: ${[...children.keys()].join(', ')}`;
    }
    for (const match of matches) if (!resolved.includes(match)) resolved.push(match);
  }
  return resolved;
}
