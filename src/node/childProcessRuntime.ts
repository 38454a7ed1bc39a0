/**
 * The state `fromChildProcess` keeps for one run of its process, beside the actor's snapshot,
 * and the helpers that read and end it: how the run ended, and SIGKILL to its group.
 */
import type { ChildProcess } from 'node:child_process';
import { type ChildProcessError, exitError } from './childProcessError.js';
import type { ChildProcessSettings } from './childProcessOptions.js';
import type { ChildProcessOutput } from './childProcessTypes.js';
import { signalGroup } from './processGroups.js';
import type { ReadyCheckRun } from './readiness/check.js';
import { signalNumber } from './signals.js';
import type { StderrTail } from './stderrTail.js';

/** One run of a process. */
export interface Runtime {
  child: ChildProcess;
  pid: number;
  stderrTail: StderrTail;
  /** Its readiness check, with a `ready` option. */
  check: ReadyCheckRun | undefined;
  /** The check passed in this run. */
  ready: boolean;
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

/** Done or failed, from how the main process ended. */
export function outcome(
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

export function clearTimer(runtime: Runtime): void {
  if (runtime.timer !== undefined) clearTimeout(runtime.timer);
  runtime.timer = undefined;
}

/** SIGKILL to the whole group, unless it is known to be gone. */
export function kill(runtime: Runtime): void {
  if (runtime.killed || runtime.finished) return;
  runtime.killed = true;
  signalGroup(runtime.pid, 'SIGKILL');
}
