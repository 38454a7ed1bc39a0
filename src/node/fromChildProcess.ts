/**
 * `fromChildProcess`: actor logic that runs a real OS process, the way a Procfile runner or a
 * service manager does.
 *
 * The process is spawned in a process group of its own, so every signal reaches the whole
 * tree it starts (a shell and its commands, a runner and its workers): `shutdown` sends the
 * shutdown signal (SIGTERM), `reload` the reload signal (SIGHUP), and stopping the actor
 * (a supervisor's grace period running out, or its parent stopping) sends SIGKILL, as does
 * the watchdog if Node dies. Its output is passed on byte for byte with the process's name in
 * front of each line, with backpressure, and emitted as events. Exit code 0 ends the actor as
 * done; any other end is a {@link ChildProcessError}.
 *
 * The pieces are in files of their own: options (`childProcessOptions.ts`), types
 * (`childProcessTypes.ts`), the state of a run (`childProcessRuntime.ts`), the run itself, from
 * its spawn to its result (`childProcessRun.ts`), errors (`childProcessError.ts`), process
 * groups and the watchdog (`processGroups.ts`), the output path (`lines.ts`), the stderr tail
 * (`stderrTail.ts`) and the readiness checks (`readiness/`).
 */
import type { AnyActorRef, EventObject } from 'xstate';
import { eventType, guardLeaf, takeInternal } from '../actors/internalEvents.js';
import { markSignalsReady } from '../actors/readiness.js';
import { markShutdownAware } from '../actors/shutdownAware.js';
import {
  type ChildProcessOptions,
  type ChildProcessSettings,
  describeSettings,
  resolveChildProcessOptions,
} from './childProcessOptions.js';
import {
  CHILD_PROCESS_EXITED,
  CHILD_PROCESS_FAILED,
  CHILD_PROCESS_READY,
  CHILD_PROCESS_SPAWNED,
  runtimes,
  startRun,
} from './childProcessRun.js';
import { kill } from './childProcessRuntime.js';
import type {
  ChildProcessActorLogic,
  ChildProcessOutput,
  ChildProcessSnapshot,
} from './childProcessTypes.js';
import { signalGroup } from './processGroups.js';

export { ChildProcessError, type ChildProcessFailure } from './childProcessError.js';
export {
  type ChildProcessOptions,
  DEFAULT_LEFTOVER_GRACE_MS,
  DEFAULT_STDERR_TAIL_LINES,
  type LineWriter,
} from './childProcessOptions.js';
export {
  CHILD_PROCESS_EXITED,
  CHILD_PROCESS_FAILED,
  CHILD_PROCESS_READY,
  CHILD_PROCESS_SPAWNED,
} from './childProcessRun.js';
export type {
  ChildProcessActorLogic,
  ChildProcessOutput,
  ChildProcessOutputEvent,
  ChildProcessSnapshot,
} from './childProcessTypes.js';
export { MAX_LINE_LENGTH } from './lines.js';
export type {
  LineReadyCheck,
  NotifyReadyCheck,
  PortReadyCheck,
  ReadyCheck,
} from './readiness/options.js';

/**
 * Creates actor logic that runs an OS process in its own process group.
 *
 * - Exit code 0 ends the actor as done, with a {@link ChildProcessOutput}. A process that ends
 *   after `shutdown` also ends as done when it exits with 0, is ended by the shutdown signal
 *   itself, or exits with `128 + n` of that signal (143 for SIGTERM), as shells do.
 * - Any other end fails the actor with a {@link ChildProcessError} carrying the exit code or
 *   signal and the last lines of stderr. A process that cannot be started (command not
 *   found, not executable, missing working directory) fails it with a message naming the
 *   command and the directory.
 * - `{ type: 'shutdown' }` sends `shutdownSignal` (SIGTERM) to the whole group; the actor ends
 *   when the process does. `{ type: 'reload' }` sends `reloadSignal` (SIGHUP) to the group.
 *   Stopping the actor (a supervisor's grace period ran out, its parent stopped) sends
 *   SIGKILL to the group.
 * - Processes left in the group once the main process has exited get the shutdown signal,
 *   `leftoverGraceMs` to end, then SIGKILL; the actor ends when the group is empty. If Node
 *   itself exits meanwhile (`process.exit`), the groups still running get SIGKILL; if it dies
 *   without running any handler (SIGKILL, the OOM killer), a watchdog process kills them. A
 *   process that moves itself to another group or session (a daemon) is out of reach.
 * - Output is written to `stdout` / `stderr` as the process wrote it, `prefix` in front of
 *   each line, one write per chunk; a writer whose `write` returns `false` pauses the reading
 *   until `drain`. Each line is also emitted as a {@link ChildProcessOutputEvent} (as text).
 *   stdin is not connected.
 * - With `shell`, `command` is a shell command line and each of `args` is quoted, so that it
 *   stays one argument.
 * - With `ready`, the process is ready once its check passes (`READY=1` on `NOTIFY_SOCKET`, a
 *   TCP port that accepts a connection, or a line of output that matches a pattern): the actor
 *   sends `{ type: 'supervisor.ready' }` to its parent, once per run, and its snapshot's
 *   `ready` turns true. The logic is marked as signalling readiness, so a supervisor or group
 *   above it counts it as ready only then. The check stops when the run ends, however it ends.
 *
 * The logic is shutdown-aware: a supervisor sends `shutdown`, waits up to its
 * `shutdownTimeoutMs`, then stops the actor, which SIGKILLs what is left. Each (re)start of
 * the actor spawns a new process.
 *
 * Invalid options throw a `TypeError` naming the option, the value and what is allowed.
 *
 * @example
 *
 * ```ts
 * import { createActor } from 'xstate';
 * import { createSupervisor, fromChildProcess } from 'xstate-supervisor/node';
 *
 * const web = fromChildProcess({
 *   name: 'web',
 *   command: 'node',
 *   args: ['server.js'],
 *   env: { PORT: '8080' },
 * });
 *
 * const actor = createActor(
 *   createSupervisor(web, { backoff: { initialMs: 500 }, shutdownTimeoutMs: 10_000 }),
 * ).start();
 * // later: SIGTERM to the server's group, SIGKILL if it is still running after 10 s
 * actor.send({ type: 'shutdown' });
 * ```
 */
export function fromChildProcess(options: ChildProcessOptions): ChildProcessActorLogic {
  const settings = resolveChildProcessOptions(options);
  const logic: ChildProcessActorLogic = {
    config: describeSettings(settings),
    transition: (snapshot, event, scope) => transition(settings, snapshot, event, scope.self),
    start(snapshot, { self, emit }) {
      if (snapshot.status !== 'active') return;
      startRun(settings, self, emit);
    },
    getInitialSnapshot(scope) {
      guardLeaf(scope?.self);
      return {
        status: 'active',
        output: undefined,
        error: undefined,
        name: settings.name,
        pid: undefined,
        ready: false,
      };
    },
    getPersistedSnapshot: (snapshot) => snapshot,
    restoreSnapshot(snapshot, scope) {
      guardLeaf(scope?.self);
      return snapshot as ChildProcessSnapshot;
    },
  };
  return markShutdownAware(settings.ready ? markSignalsReady(logic) : logic);
}

/**
 * The actor's step: the internal events of its run, `shutdown` and `reload` (signals to the
 * process group), and its stop (SIGKILL to the group).
 */
function transition(
  settings: ChildProcessSettings,
  snapshot: ChildProcessSnapshot,
  event: EventObject,
  self: AnyActorRef,
): ChildProcessSnapshot {
  if (snapshot.status !== 'active') return snapshot;
  const runtime = runtimes.get(self);
  // Its own internal events are the very objects it posted; nothing else is one.
  const own = takeInternal(self, event);
  switch (own?.type) {
    case CHILD_PROCESS_SPAWNED:
      return {
        ...snapshot,
        pid: (own as unknown as { pid: number }).pid,
        ready: settings.ready === undefined,
      };
    case CHILD_PROCESS_READY:
      return { ...snapshot, ready: true };
    case CHILD_PROCESS_EXITED:
      runtimes.delete(self);
      return {
        ...snapshot,
        status: 'done',
        output: (own as unknown as { output: ChildProcessOutput }).output,
      };
    case CHILD_PROCESS_FAILED:
      runtimes.delete(self);
      return { ...snapshot, status: 'error', error: (own as { error?: unknown }).error };
  }
  switch (eventType(event)) {
    case 'xstate.stop':
      if (runtime) {
        runtime.stopped = true;
        runtime.check?.stop();
        kill(runtime);
      }
      runtimes.delete(self);
      return { ...snapshot, status: 'stopped' };
    case 'shutdown':
      if (runtime && !runtime.exit && !runtime.shutdownSent) {
        runtime.shutdownSent = true;
        signalGroup(runtime.pid, settings.shutdownSignal);
      }
      return snapshot;
    case 'reload':
      if (runtime && !runtime.exit) signalGroup(runtime.pid, settings.reloadSignal);
      return snapshot;
    default:
      return snapshot;
  }
}
