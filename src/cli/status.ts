/**
 * What `xsup status` shows: each process of a running `xsup start` with its state, pid,
 * restarts, failures and uptime.
 *
 * The tracker reads the group through its public API: the members of its child set
 * (`childSetMembers`: which processes are running, stopping or backing off, and their actors),
 * the snapshots of the `fromChildProcess` actors (the pid), and the group's lifecycle events
 * (starts, failures, restart delays), which it stamps with the clock to tell uptimes and the
 * delay left. The CLI reads the clock; the machines never do.
 */
import type { AnyActorRef } from 'xstate';
import type { LifecycleEvent } from '../lifecycle.js';
import { observeLifecycle } from '../observe.js';
import { type ChildSetMember, childSetMembers } from '../runtime/reach.js';
import { describeTree } from '../tree.js';
import type { Instance } from './formation.js';

/** The state of one process, as `xsup status` shows it. */
export type ProcessState = 'running' | 'backing off' | 'stopping' | 'stopped' | 'failed';

/** One line of `xsup status`. */
export interface ProcessStatus {
  /** The instance name (`web`, or `web.2`). */
  name: string;
  /** The Procfile process it runs. */
  process: string;
  state: ProcessState;
  /**
   * Whether it is ready, as `describeTree` says: running, and with `--ready`, its check passed
   * in the current run.
   */
  ready: boolean;
  /** The pid of its process (and process group), while it has one. */
  pid: number | null;
  /** Its `PORT`. */
  port: number;
  /** Times it was started again: after a failure or an exit, or by `xsup restart` / `xsup start`. */
  restarts: number;
  /** Failures in a row; reset by `xsup restart` and after a stable run. */
  failures: number;
  /** How long its current run has lasted, in ms, while it runs. */
  uptimeMs: number | null;
  /** While backing off: how long until it is started again, in ms. */
  restartInMs: number | null;
}

/** What `xsup status --json` prints. */
export interface StatusReport {
  /** The pid of `xsup start`. */
  pid: number;
  /** The Procfile it runs. */
  procfile: string;
  /** Whether it is shutting down. */
  shuttingDown: boolean;
  processes: ProcessStatus[];
}

interface Track {
  starts: number;
  failures: number;
  startedAt: number | null;
  /** The current run is a restart after a failure: a stable run resets the failures. */
  restartedAfterFailure: boolean;
  restartAt: number | null;
  ended: 'stopped' | 'failed';
}

/** Options of {@link createStatusTracker}. */
export interface StatusTrackerOptions {
  /** The group's id, as in its lifecycle events. */
  groupId: string;
  /** The Procfile, for the report. */
  procfile: string;
  /**
   * After this long running since a restart, the group resets a process's failures (the
   * group's `resetAfterMs`, twice the longest backoff delay).
   */
  resetAfterMs: number;
  /** Children of the group that are not processes (not shown). */
  hidden?: ReadonlySet<string>;
  /** A monotonic clock in ms. Default `performance.now`. */
  now?: () => number;
}

/** A running tracker: reports, and stop listening. */
export interface StatusTracker {
  report(): StatusReport;
  /** The group's current members, by id, as `childSetMembers` lists them. */
  members(): Map<string, ChildSetMember>;
  unsubscribe(): void;
}

/** The children of a group actor, or undefined once the group has stopped. */
function groupMembers(group: AnyActorRef): ChildSetMember[] | undefined {
  return childSetMembers(group);
}

/**
 * Tracks the processes of a group `xsup start` runs. Call before the group starts, so that
 * the first starts are seen.
 *
 * @example
 *
 * ```ts
 * const actor = createActor(procfileGroup(instances, options, io));
 * const tracker = createStatusTracker(actor, instances, { groupId: 'xsup', procfile: 'Procfile', resetAfterMs: 60_000 });
 * actor.start();
 * console.log(formatStatusTable(tracker.report().processes));
 * ```
 */
export function createStatusTracker(
  group: AnyActorRef,
  instances: readonly Instance[],
  options: StatusTrackerOptions,
): StatusTracker {
  const now = options.now ?? (() => performance.now());
  const tracks = new Map<string, Track>();
  for (const instance of instances) {
    tracks.set(instance.name, {
      starts: 0,
      failures: 0,
      startedAt: null,
      restartedAfterFailure: false,
      restartAt: null,
      ended: 'stopped',
    });
  }
  let shuttingDown = false;
  const onEvent = (event: LifecycleEvent) => {
    if (event.supervisorId !== options.groupId) return;
    if (event.type === 'shutdown.started' && event.childId === '*') shuttingDown = true;
    const track = tracks.get(event.childId);
    if (track) trackEvent(track, event, now);
  };
  const subscription = observeLifecycle(group, onEvent);

  const members = () => new Map((groupMembers(group) ?? []).map((m) => [m.id, m]));

  return {
    members,
    report() {
      const current = members();
      const readiness = new Map(
        describeTree(group).children.map((node) => [node.id, node.ready === true]),
      );
      const at = now();
      const processes = instances.map((instance) =>
        processStatus(
          instance,
          tracks.get(instance.name)!,
          current.get(instance.name),
          readiness.get(instance.name) === true,
          at,
          options.resetAfterMs,
        ),
      );
      return { pid: process.pid, procfile: options.procfile, shuttingDown, processes };
    },
    unsubscribe: () => subscription.unsubscribe(),
  };
}

/** What a lifecycle event of the group says of one process's track. */
function trackEvent(track: Track, event: LifecycleEvent, now: () => number): void {
  switch (event.type) {
    case 'child.started':
      // restarts 0: a first start, or a start by `xsup start`/`restart`: a fresh count.
      if (event.restarts === 0) track.failures = 0;
      track.restartedAfterFailure = event.restarts > 0 && track.failures > 0;
      track.starts += 1;
      track.startedAt = now();
      track.restartAt = null;
      return;
    case 'child.failed':
      track.failures = event.failures;
      track.startedAt = null;
      track.ended = 'failed';
      return;
    case 'restart.scheduled':
      track.failures = event.failures;
      track.restartAt = now() + event.delayMs;
      return;
    case 'child.completed':
    case 'child.stopped':
    case 'child.forced':
      track.startedAt = null;
      track.ended = 'stopped';
      return;
    default:
      return;
  }
}

/** A process's line of the report: its state from the group, its counts from its track. */
function processStatus(
  instance: Instance,
  track: Track,
  member: ChildSetMember | undefined,
  ready: boolean,
  at: number,
  resetAfterMs: number,
): ProcessStatus {
  let state: ProcessState = track.ended;
  if (member) {
    state =
      member.status === 'backingOff'
        ? 'backing off'
        : member.status === 'stopping'
          ? 'stopping'
          : 'running';
  }
  const pid =
    member?.ref && state !== 'backing off'
      ? ((member.ref.getSnapshot() as { pid?: number }).pid ?? null)
      : null;
  const running = state === 'running' || state === 'stopping';
  const uptimeMs = running && track.startedAt !== null ? at - track.startedAt : null;
  const stable =
    state === 'running' &&
    track.restartedAfterFailure &&
    uptimeMs !== null &&
    uptimeMs >= resetAfterMs;
  return {
    name: instance.name,
    process: instance.entry.name,
    state,
    ready: state === 'running' && ready,
    pid,
    port: instance.port,
    restarts: Math.max(0, track.starts - 1),
    failures: stable ? 0 : track.failures,
    uptimeMs: uptimeMs === null ? null : Math.round(uptimeMs),
    restartInMs:
      state === 'backing off' && track.restartAt !== null
        ? Math.max(0, Math.round(track.restartAt - at))
        : null,
  };
}

/**
 * A duration as `xsup status` shows it: `850ms`, `12s`, `3m05s`, `2h04m`, `3d02h`.
 *
 * @example
 *
 * ```ts
 * formatDuration(185_000); // '3m05s'
 * ```
 */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = Math.floor(ms / 1000);
  const two = (n: number) => String(n).padStart(2, '0');
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${two(s % 60)}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h${two(Math.floor(s / 60) % 60)}m`;
  return `${Math.floor(s / 86_400)}d${two(Math.floor(s / 3600) % 24)}h`;
}

/**
 * The table `xsup status` prints: a header and one aligned line per process.
 *
 * @example
 *
 * ```ts
 * formatStatusTable(report.processes);
 * // NAME    STATE                     PID   PORT  RESTARTS  FAILURES  UPTIME
 * // web     running                   4242  5000  0         0         3m05s
 * // worker  backing off (restart in 1.6s)  -  5100  3     3         -
 * ```
 *
 * A running process that is not ready yet (its `--ready` check has not passed) shows as
 * `running (not ready)`.
 */
export function formatStatusTable(processes: readonly ProcessStatus[]): string {
  const rows = processes.map((p) => [
    p.name,
    p.state === 'backing off' && p.restartInMs !== null
      ? `backing off (restart in ${p.restartInMs < 1000 ? `${p.restartInMs}ms` : `${(p.restartInMs / 1000).toFixed(1)}s`})`
      : p.state === 'running' && p.ready === false
        ? 'running (not ready)'
        : p.state,
    p.pid === null ? '-' : String(p.pid),
    String(p.port),
    String(p.restarts),
    String(p.failures),
    p.uptimeMs === null ? '-' : formatDuration(p.uptimeMs),
  ]);
  const header = ['NAME', 'STATE', 'PID', 'PORT', 'RESTARTS', 'FAILURES', 'UPTIME'];
  const widths = header.map((title, i) =>
    Math.max(title.length, ...rows.map((row) => row[i]!.length)),
  );
  return [header, ...rows]
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd(),
    )
    .map((line) => `${line}\n`)
    .join('');
}
