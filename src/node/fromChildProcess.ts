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
 * The pieces are in files of their own: options (`childProcessOptions.ts`), errors
 * (`childProcessError.ts`), process groups and the watchdog (`processGroups.ts`), the output
 * path (`lines.ts`) and the stderr tail (`stderrTail.ts`).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import type { ActorLogic, ActorSystem, AnyActorRef, EventObject, Snapshot } from 'xstate';
import { eventType, guardLeaf, postInternal, takeInternal } from '../actors/internalEvents.js';
import { markShutdownAware } from '../actors/shutdownAware.js';
import { wantsEmitted } from '../runtime/relay.js';
import { ChildProcessError, exitError, spawnError } from './childProcessError.js';
import {
  type ChildProcessOptions,
  type ChildProcessSettings,
  describeSettings,
  environment,
  resolveChildProcessOptions,
  shellQuote,
} from './childProcessOptions.js';
import { forwardLines } from './lines.js';
import { groupAlive, signalGroup, trackGroup, untrackGroup } from './processGroups.js';
import { shellCommand } from './shellCommand.js';
import { signalNumber } from './signals.js';
import { StderrTail } from './stderrTail.js';

export { ChildProcessError, type ChildProcessFailure } from './childProcessError.js';
export {
  type ChildProcessOptions,
  DEFAULT_LEFTOVER_GRACE_MS,
  DEFAULT_STDERR_TAIL_LINES,
  type LineWriter,
} from './childProcessOptions.js';
export { MAX_LINE_LENGTH } from './lines.js';

// biome-ignore lint/suspicious/noExplicitAny: any system, as XState's own logic creators accept
type AnyActorSystem = ActorSystem<any>;

/*
 * The internal events below are honoured only as the very events the actor's logic posted to
 * itself (see `internalEvents.ts`): ones of the same type sent by anybody else are dropped, so a
 * stranger can neither end the actor while its process runs nor change its pid.
 */

/** Internal event: the process was spawned and has a pid. */
export const CHILD_PROCESS_SPAWNED = 'xstate.childProcess.spawned';
/** Internal event: the process (and its group) ended well; carries the output. */
export const CHILD_PROCESS_EXITED = 'xstate.childProcess.exited';
/** Internal event: the process could not start, or ended badly; carries the error. */
export const CHILD_PROCESS_FAILED = 'xstate.childProcess.failed';

/** How long to wait, after the process group is gone, for its output pipes to close (ms). */
const OUTPUT_DRAIN_MS = 1_000;
/** How often a process group with members left is checked (ms). */
const GROUP_POLL_MS = 50;
/** How long a group sent SIGKILL is watched until it is gone (ms). */
const KILL_WAIT_MS = 2_000;

/** The output of a process that ended well. */
export interface ChildProcessOutput {
  /** The process's name. */
  name: string;
  pid: number;
  /** The exit code, or `null` when a signal ended it. */
  exitCode: number | null;
  /** The signal that ended it, or `null` when it exited. */
  signal: NodeJS.Signals | null;
  /** Whether it ended after being asked to shut down. */
  shutdown: boolean;
}

/** The snapshot of a {@link fromChildProcess} actor. */
export type ChildProcessSnapshot = Snapshot<ChildProcessOutput> & {
  /** The process's name. */
  name: string;
  /** Its pid (also its process group id), once spawned. */
  pid: number | undefined;
};

/** Emitted (to `actor.on('output', …)`) for each line the process writes. */
export interface ChildProcessOutputEvent {
  type: 'output';
  /** The process's name. */
  name: string;
  stream: 'stdout' | 'stderr';
  /** The line, without its line break. */
  line: string;
}

/** The actor logic returned by {@link fromChildProcess}. */
export type ChildProcessActorLogic = ActorLogic<
  ChildProcessSnapshot,
  EventObject,
  unknown,
  AnyActorSystem,
  ChildProcessOutputEvent
>;

interface Runtime {
  child: ChildProcess;
  pid: number;
  stderrTail: StderrTail;
  /** The shutdown signal was sent to the group. */
  shutdownSent: boolean;
  /** SIGKILL was sent to the group: nothing of it is waited for any more. */
  killed: boolean;
  /** The actor was stopped: nothing is sent to it any more. */
  stopped: boolean;
  /** The group has ended and the result is known (or being delivered). */
  finished: boolean;
  exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  /** No live process is left in the group (or the actor was stopped). */
  groupDone: boolean;
  /** The output pipes are closed. */
  closed: boolean;
  leftoverDeadline: number | undefined;
  timer: NodeJS.Timeout | undefined;
}

const runtimes = new WeakMap<AnyActorRef, Runtime>();

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
    transition(snapshot, event, scope) {
      if (snapshot.status !== 'active') return snapshot;
      const runtime = runtimes.get(scope.self);
      // Its own internal events are the very objects it posted; nothing else is one.
      const own = takeInternal(scope.self, event);
      switch (own?.type) {
        case CHILD_PROCESS_SPAWNED:
          return { ...snapshot, pid: (own as unknown as { pid: number }).pid };
        case CHILD_PROCESS_EXITED:
          runtimes.delete(scope.self);
          return {
            ...snapshot,
            status: 'done',
            output: (own as unknown as { output: ChildProcessOutput }).output,
          };
        case CHILD_PROCESS_FAILED:
          runtimes.delete(scope.self);
          return { ...snapshot, status: 'error', error: (own as { error?: unknown }).error };
      }
      switch (eventType(event)) {
        case 'xstate.stop':
          if (runtime) {
            runtime.stopped = true;
            kill(runtime);
          }
          runtimes.delete(scope.self);
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
    },
    start(snapshot, { self, emit }) {
      if (snapshot.status !== 'active') return;
      const fail = (error: ChildProcessError) =>
        postInternal(self, { type: CHILD_PROCESS_FAILED, error });
      let child: ChildProcess;
      try {
        // Through a shell, the command line is rewritten so that signals reach the program.
        // `command` is a command line; each of `args` is quoted, so it stays one argument.
        const [file, argv] = settings.shell
          ? [shellCommand([settings.command, ...settings.args.map(shellQuote)].join(' ')), []]
          : [settings.command, [...settings.args]];
        child = spawn(file, argv, {
          cwd: settings.cwd,
          env: environment(settings.env),
          shell: settings.shell,
          detached: true,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
      } catch (error) {
        fail(spawnError(settings, error));
        return;
      }
      const pid = child.pid;
      if (pid === undefined) {
        // The spawn failed; Node reports why on the next tick.
        child.once('error', (error) => fail(spawnError(settings, error)));
        return;
      }
      const runtime: Runtime = {
        child,
        pid,
        stderrTail: new StderrTail(settings.stderrTailLines),
        shutdownSent: false,
        killed: false,
        stopped: false,
        finished: false,
        exit: undefined,
        groupDone: false,
        closed: false,
        leftoverDeadline: undefined,
        timer: undefined,
      };
      runtimes.set(self, runtime);
      trackGroup(pid);
      postInternal(self, { type: CHILD_PROCESS_SPAWNED, pid });

      const prefix = Buffer.from(settings.prefix);
      const listening = hasOutputListeners(self);
      const emitLine = (stream: 'stdout' | 'stderr') => (line: string) =>
        emit({ type: 'output', name: settings.name, stream, line });
      const emitStderr = emitLine('stderr');
      forwardLines(child.stdout!, {
        prefix,
        writer: settings.stdout ?? process.stdout,
        onLine: emitLine('stdout'),
        // Decoding every line costs more than the rest of the path: only for listeners.
        wantsLines: listening,
      });
      forwardLines(child.stderr!, {
        prefix,
        writer: settings.stderr ?? process.stderr,
        onLine: (line) => {
          runtime.stderrTail.push(line);
          if (listening()) emitStderr(line);
        },
      });

      const deliver = () => {
        if (runtime.finished) return;
        runtime.finished = true;
        clearTimer(runtime);
        untrackGroup(pid);
        if (runtime.stopped) return;
        const result = outcome(settings, runtime);
        if (result instanceof ChildProcessError) fail(result);
        else postInternal(self, { type: CHILD_PROCESS_EXITED, output: result });
      };
      // The result is delivered once the main process has exited, its group is empty and the
      // output pipes are closed (or had a moment to drain), so the last lines are in.
      const settle = () => {
        clearTimer(runtime);
        if (runtime.finished) return;
        // Nobody waits for a stopped actor: it has sent SIGKILL already.
        if (!runtime.groupDone && !runtime.stopped && groupAlive(pid)) {
          const now = performance.now();
          if (runtime.leftoverDeadline === undefined) {
            runtime.leftoverDeadline = now + settings.leftoverGraceMs;
            if (!runtime.shutdownSent) signalGroup(pid, settings.shutdownSignal);
          }
          if (!runtime.killed && now >= runtime.leftoverDeadline) {
            kill(runtime);
            // SIGKILL takes effect at once, but not synchronously: see the group gone.
            runtime.leftoverDeadline = now + KILL_WAIT_MS;
          }
          if (now < runtime.leftoverDeadline) {
            runtime.timer = setTimeout(settle, GROUP_POLL_MS);
            return;
          }
        }
        runtime.groupDone = true;
        if (runtime.closed) return deliver();
        runtime.timer = setTimeout(() => {
          child.stdout?.destroy();
          child.stderr?.destroy();
          deliver();
        }, OUTPUT_DRAIN_MS);
      };
      child.once('exit', (code, signal) => {
        runtime.exit = { code, signal };
        settle();
      });
      child.once('close', () => {
        runtime.closed = true;
        if (runtime.groupDone) deliver();
      });
      child.on('error', () => {
        // Only spawn failures are reported here, and they have no pid; later errors (a failed
        // kill) leave the process to end on its own.
      });
    },
    getInitialSnapshot(scope) {
      guardLeaf(scope?.self);
      return {
        status: 'active',
        output: undefined,
        error: undefined,
        name: settings.name,
        pid: undefined,
      };
    },
    getPersistedSnapshot: (snapshot) => snapshot,
    restoreSnapshot(snapshot, scope) {
      guardLeaf(scope?.self);
      return snapshot as ChildProcessSnapshot;
    },
  };
  return markShutdownAware(logic);
}

/**
 * Whether anyone listens for the actor's `output` events (`actor.on('output' | '*', …)`, on the
 * actor or on a supervisor or group above it), read from XState's listener maps; when those
 * cannot be read, someone might.
 */
function hasOutputListeners(self: AnyActorRef): () => boolean {
  // Its supervisor or group emits its events again: a listener there counts too.
  return () => wantsEmitted(self, 'output');
}

/** Done or failed, from how the main process ended. */
function outcome(
  settings: ChildProcessSettings,
  runtime: Runtime,
): ChildProcessOutput | ChildProcessError {
  const code = runtime.exit?.code ?? null;
  const signal = runtime.exit?.signal ?? null;
  const asked = runtime.shutdownSent;
  const stopSignal = settings.shutdownSignal;
  const clean =
    code === 0 || (asked && (signal === stopSignal || code === 128 + signalNumber(stopSignal)));
  if (clean) {
    return { name: settings.name, pid: runtime.pid, exitCode: code, signal, shutdown: asked };
  }
  return exitError(settings, {
    pid: runtime.pid,
    exitCode: code,
    signal,
    stderrTail: runtime.stderrTail.lines(),
  });
}

function clearTimer(runtime: Runtime): void {
  if (runtime.timer !== undefined) clearTimeout(runtime.timer);
  runtime.timer = undefined;
}

/** SIGKILL to the whole group, unless it is known to be gone. */
function kill(runtime: Runtime): void {
  if (runtime.killed || runtime.finished) return;
  runtime.killed = true;
  signalGroup(runtime.pid, 'SIGKILL');
}
