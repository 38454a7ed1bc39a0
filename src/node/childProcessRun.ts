/**
 * One run of `fromChildProcess`'s process: its internal events, its spawn (with its readiness
 * check opened first), its output passed on line by line, and the wait for its end: the main
 * process has exited, its group is empty and its output pipes are closed, and then the run's
 * result is posted to the actor.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import type { AnyActorRef } from 'xstate';
import { sendToParent } from '../actors/guard.js';
import { postInternal } from '../actors/internalEvents.js';
import { READY } from '../runtime/events.js';
import { wantsEmitted } from '../runtime/relay.js';
import { ChildProcessError, spawnError } from './childProcessError.js';
import { type ChildProcessSettings, environment, shellQuote } from './childProcessOptions.js';
import { clearTimer, kill, outcome, type Runtime } from './childProcessRuntime.js';
import type { ChildProcessOutputEvent } from './childProcessTypes.js';
import { forwardLines } from './lines.js';
import { groupAlive, signalGroup, trackGroup, untrackGroup } from './processGroups.js';
import { openReadyCheck, type ReadyCheckRun } from './readiness/check.js';
import { shellCommand } from './shellCommand.js';
import { StderrTail } from './stderrTail.js';

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

/** The run of each child-process actor, while it has one. */
export const runtimes = new WeakMap<AnyActorRef, Runtime>();

/**
 * Starts a run of the process for the actor `self`: spawns it in a group of its own, passes
 * its output on, and posts the run's start, readiness and result to the actor.
 */
export function startRun(
  settings: ChildProcessSettings,
  self: AnyActorRef,
  emit: (event: ChildProcessOutputEvent) => void,
): void {
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
  forwardOutput(settings, self, emit, runtime);
  awaitEnd(settings, self, runtime, fail);
}

/** Passes the run's output on with the process's name in front, and emits its lines. */
function forwardOutput(
  settings: ChildProcessSettings,
  self: AnyActorRef,
  emit: (event: ChildProcessOutputEvent) => void,
  runtime: Runtime,
): void {
  const { child, check } = runtime;
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
}

/**
 * Waits for the end of the run: the main process has exited, its group is empty (what is left
 * of it is stopped, then killed) and its output pipes are closed, or had a moment to drain.
 * Then the result is posted to the actor, unless it was stopped.
 */
function awaitEnd(
  settings: ChildProcessSettings,
  self: AnyActorRef,
  runtime: Runtime,
  fail: (error: ChildProcessError) => void,
): void {
  const { child, check, pid } = runtime;
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
