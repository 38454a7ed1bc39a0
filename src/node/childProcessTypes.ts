/**
 * The types of `fromChildProcess`: its snapshot, its output, the events it emits and its logic.
 */
import type { ActorLogic, ActorSystem, EventObject, Snapshot } from 'xstate';

// biome-ignore lint/suspicious/noExplicitAny: any system, as XState's own logic creators accept
type AnyActorSystem = ActorSystem<any>;

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

/** The snapshot of a `fromChildProcess` actor. */
export type ChildProcessSnapshot = Snapshot<ChildProcessOutput> & {
  /** The process's name. */
  name: string;
  /** Its pid (also its process group id), once spawned. */
  pid: number | undefined;
  /**
   * Whether it is ready: once spawned without a `ready` check; once the check passed with one.
   * False again in each new run.
   */
  ready: boolean;
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

/** The actor logic returned by `fromChildProcess`. */
export type ChildProcessActorLogic = ActorLogic<
  ChildProcessSnapshot,
  EventObject,
  unknown,
  AnyActorSystem,
  ChildProcessOutputEvent
>;
