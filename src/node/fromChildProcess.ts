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
 * (`childProcessTypes.ts`), the state of a run (`childProcessRuntime.ts`), errors
 * (`childProcessError.ts`), process groups and the watchdog (`processGroups.ts`), the output
 * path (`lines.ts`), the stderr tail (`stderrTail.ts`) and the readiness checks
 * (`readiness/`).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import type { AnyActorRef } from 'xstate';
import { sendToParent } from '../actors/guard.js';
import { eventType, guardLeaf, postInternal, takeInternal } from '../actors/internalEvents.js';
import { markSignalsReady } from '../actors/readiness.js';
import { markShutdownAware } from '../actors/shutdownAware.js';
import { READY } from '../runtime/events.js';
import { wantsEmitted } from '../runtime/relay.js';
import { ChildProcessError, spawnError } from './childProcessError.js';
import {
  type ChildProcessOptions,
  describeSettings,
  environment,
  resolveChildProcessOptions,
  shellQuote,
} from './childProcessOptions.js';
import { clearTimer, kill, outcome, type Runtime } from './childProcessRuntime.js';
import type {
  ChildProcessActorLogic,
  ChildProcessOutput,
  ChildProcessSnapshot,
} from './childProcessTypes.js';
import { forwardLines } from './lines.js';
import { groupAlive, signalGroup, trackGroup, untrackGroup } from './processGroups.js';
import { openReadyCheck, type ReadyCheckRun } from './readiness/check.js';
import { shellCommand } from './shellCommand.js';
import { StderrTail } from './stderrTail.js';

export { ChildProcessError, type ChildProcessFailure } from './childProcessError.js';
export {
  type ChildProcessOptions,
  DEFAULT_LEFTOVER_GRACE_MS,
  DEFAULT_STDERR_TAIL_LINES,
  type LineWriter,
} from './childProcessOptions.js';
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

/*
 * The internal events below are honoured only as the very events the actor's logic posted to
 * itself (see `internalEvents.ts`): ones of the same type sent by anybody else are dropped, so a
 * stranger can neither end the actor while its process runs nor change its pid.
 */

/** Internal event: the process was spawned and has a pid. */
export const CHILD_PROCESS_SPAWNED = 'xstate.childProcess.spawned';
/** Internal event: the process's readiness check passed. */
export const CHILD_PROCESS_READY = 'xstate.childProcess.ready';
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
    transition(snapshot, event, scope) {
      if (snapshot.status !== 'active') return snapshot;
      const runtime = runtimes.get(scope.self);
      // Its own internal events are the very objects it posted; nothing else is one.
      const own = takeInternal(scope.self, event);
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
            runtime.check?.stop();
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
      let check: ReadyCheckRun | undefined;
      try {
        // Before the spawn: the notify socket's path goes into the environment.
        check = settings.ready && openReadyCheck(settings.ready);
      } catch (error) {
        fail(spawnError(settings, readyCheckError(error)));
        return;
      }
      let child: ChildProcess;
      try {
        // Through a shell, the command line is rewritten so that signals reach the program.
        // `command` is a command line; each of `args` is quoted, so it stays one argument.
        const [file, argv] = settings.shell
          ? [shellCommand([settings.command, ...settings.args.map(shellQuote)].join(' ')), []]
          : [settings.command, [...settings.args]];
        child = spawn(file, argv, {
          cwd: settings.cwd,
          env: environment(check ? { ...settings.env, ...check.env } : settings.env),
          shell: settings.shell,
          detached: true,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
      } catch (error) {
        check?.stop();
        fail(spawnError(settings, error));
        return;
      }
      const pid = child.pid;
      if (pid === undefined) {
        check?.stop();
        // The spawn failed; Node reports why on the next tick.
        child.once('error', (error) => fail(spawnError(settings, error)));
        return;
      }
      const runtime: Runtime = {
        child,
        pid,
        stderrTail: new StderrTail(settings.stderrTailLines),
        check,
        ready: false,
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
      // Once per run, and only while the main process runs.
      check?.begin(() => {
        if (runtime.ready || runtime.stopped || runtime.exit) return;
        runtime.ready = true;
        sendToParent(self, { type: READY });
        postInternal(self, { type: CHILD_PROCESS_READY });
      });

      const prefix = Buffer.from(settings.prefix);
      const listening = hasOutputListeners(self);
      const emitLine = (stream: 'stdout' | 'stderr') => (line: string) =>
        emit({ type: 'output', name: settings.name, stream, line });
      const emitStdout = emitLine('stdout');
      const emitStderr = emitLine('stderr');
      forwardLines(child.stdout!, {
        prefix,
        writer: settings.stdout ?? process.stdout,
        onLine: (line) => {
          check?.line(line);
          if (listening()) emitStdout(line);
        },
        // Decoding every line costs more than the rest of the path: only for listeners (and a
        // line check that has not passed).
        wantsLines: check ? () => check.wantsLines() || listening() : listening,
      });
      forwardLines(child.stderr!, {
        prefix,
        writer: settings.stderr ?? process.stderr,
        onLine: (line) => {
          runtime.stderrTail.push(line);
          check?.line(line);
          if (listening()) emitStderr(line);
        },
      });

      const deliver = () => {
        if (runtime.finished) return;
        runtime.finished = true;
        check?.stop();
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
        check?.stop();
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

/** Why a readiness check could not be prepared, for the spawn error. */
function readyCheckError(cause: unknown): Error {
  const message = cause instanceof Error ? cause.message : String(cause);
  return new Error(`the "ready" check could not be prepared: ${message}`, { cause });
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
