/**
 * `fromChildProcess`: actor logic that runs a real OS process, the way a Procfile runner or a
 * service manager does.
 *
 * The process is spawned in a process group of its own, so every signal reaches the whole
 * tree it starts (a shell and its commands, a runner and its workers): `shutdown` sends the
 * shutdown signal (SIGTERM), `reload` the reload signal (SIGHUP), and stopping the actor
 * (a supervisor's grace period running out, or its parent stopping) sends SIGKILL. Its output
 * is split into lines, forwarded with the process's name in front, and emitted as events.
 * Exit code 0 ends the actor as done; any other end is a {@link ChildProcessError}.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import type { Readable } from 'node:stream';
import type { ActorLogic, ActorSystem, AnyActorRef, EventObject, Snapshot } from 'xstate';
import { markShutdownAware } from '../actors/shutdownAware.js';
import {
  checkCount,
  checkDuration,
  checkObject,
  describe,
  invalidOption,
} from '../policy/options.js';
import { shellCommand } from './shellCommand.js';
import { checkSignal, signalNumber } from './signals.js';

// biome-ignore lint/suspicious/noExplicitAny: any system, as XState's own logic creators accept
type AnyActorSystem = ActorSystem<any>;

/** Internal event: the process was spawned and has a pid. */
export const CHILD_PROCESS_SPAWNED = 'xstate.childProcess.spawned';
/** Internal event: the process (and its group) ended well; carries the output. */
export const CHILD_PROCESS_EXITED = 'xstate.childProcess.exited';
/** Internal event: the process could not start, or ended badly; carries the error. */
export const CHILD_PROCESS_FAILED = 'xstate.childProcess.failed';

/** Lines of stderr kept for the error of a failed process, by default. */
export const DEFAULT_STDERR_TAIL_LINES = 20;
/** How long processes left in the group after the main process exited get, by default (ms). */
export const DEFAULT_LEFTOVER_GRACE_MS = 5_000;
/** A line longer than this (in characters) is passed on in pieces. */
export const MAX_LINE_LENGTH = 64 * 1024;

/** How long to wait, after the process group is gone, for its output pipes to close (ms). */
const OUTPUT_DRAIN_MS = 1_000;
/** How often a process group with members left is checked (ms). */
const GROUP_POLL_MS = 50;
/** How long a group sent SIGKILL is watched until it is gone (ms). */
const KILL_WAIT_MS = 2_000;

/** Where forwarded output lines are written: `process.stdout`, a stream, or any `write`. */
export interface LineWriter {
  write(text: string): unknown;
}

/** Options of {@link fromChildProcess}. */
export interface ChildProcessOptions {
  /** The program to run (looked up in `PATH`), or with `shell`, a shell command line. */
  command: string;
  /** Its arguments. Default none. */
  args?: readonly string[];
  /** Its working directory. Default the current one. */
  cwd?: string;
  /**
   * Variables added to the environment it inherits (`process.env` at each start); a variable
   * set to `undefined` is removed.
   */
  env?: Record<string, string | undefined>;
  /**
   * Runs `command` (and `args`) through `/bin/sh` (`true`) or through the given shell. Default
   * `false`. A simple command is run with `exec`, so the process is the program itself; a
   * compound one keeps its shell, which ignores SIGHUP and SIGTERM and waits for its commands
   * (see `shellCommand`).
   */
  shell?: boolean | string;
  /** Its name in forwarded output, events and errors. Default the command's base name. */
  name?: string;
  /** Sent to the process group on `shutdown`. Default `'SIGTERM'`. */
  shutdownSignal?: NodeJS.Signals;
  /** Sent to the process group on `reload`. Default `'SIGHUP'`. */
  reloadSignal?: NodeJS.Signals;
  /** Where stdout lines are forwarded; `false` forwards nothing. Default `process.stdout`. */
  stdout?: LineWriter | false;
  /** Where stderr lines are forwarded; `false` forwards nothing. Default `process.stderr`. */
  stderr?: LineWriter | false;
  /** Put in front of each forwarded line; `false` for none. Default `'<name> | '`. */
  prefix?: string | false;
  /** Lines of stderr kept for the error of a failed process. Default 20. */
  stderrTailLines?: number;
  /**
   * Processes left in the group after the main process exited (a shell's commands, workers
   * that outlive their parent) get the shutdown signal and this long to end, then SIGKILL.
   * Default 5,000 ms.
   */
  leftoverGraceMs?: number;
}

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

/** How a child process failed. */
export type ChildProcessFailure = 'spawn' | 'exit' | 'signal';

/**
 * The error of a child process that could not be started (`failure: 'spawn'`), exited with a
 * code other than 0 (`'exit'`) or was ended by a signal (`'signal'`). It carries the exit code
 * or signal, and the last lines the process wrote to stderr, also shown in the message.
 *
 * @example
 *
 * ```ts
 * const actor = createActor(fromChildProcess({ command: 'node', args: ['worker.js'] }));
 * actor.subscribe({
 *   error(err) {
 *     if (err instanceof ChildProcessError) console.error(err.exitCode, err.stderrTail);
 *   },
 * });
 * actor.start();
 * ```
 */
export class ChildProcessError extends Error {
  override readonly name = 'ChildProcessError';
  /** How it failed. */
  readonly failure: ChildProcessFailure;
  /** The process's name. */
  readonly processName: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  /** The pid, when it was started. */
  readonly pid: number | undefined;
  /** The exit code, when it exited. */
  readonly exitCode: number | null;
  /** The signal that ended it, when one did. */
  readonly signal: NodeJS.Signals | null;
  /** A short code: the exit code, the signal, or the system error code of a failed spawn. */
  readonly code: number | string | undefined;
  /** The last lines it wrote to stderr. */
  readonly stderrTail: readonly string[];

  constructor(
    message: string,
    details: {
      failure: ChildProcessFailure;
      processName: string;
      command: string;
      args: readonly string[];
      cwd: string;
      pid?: number | undefined;
      exitCode?: number | null;
      signal?: NodeJS.Signals | null;
      stderrTail?: readonly string[];
      cause?: unknown;
    },
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.failure = details.failure;
    this.processName = details.processName;
    this.command = details.command;
    this.args = details.args;
    this.cwd = details.cwd;
    this.pid = details.pid;
    this.exitCode = details.exitCode ?? null;
    this.signal = details.signal ?? null;
    this.stderrTail = details.stderrTail ?? [];
    const systemCode = (details.cause as { code?: unknown } | undefined)?.code;
    this.code =
      this.exitCode ?? this.signal ?? (typeof systemCode === 'string' ? systemCode : undefined);
  }
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

interface Settings {
  command: string;
  args: readonly string[];
  cwd: string | undefined;
  env: Record<string, string | undefined>;
  shell: boolean | string;
  name: string;
  shutdownSignal: NodeJS.Signals;
  reloadSignal: NodeJS.Signals;
  stdout: LineWriter | false | undefined;
  stderr: LineWriter | false | undefined;
  prefix: string;
  stderrTailLines: number;
  leftoverGraceMs: number;
}

interface Runtime {
  child: ChildProcess;
  pid: number;
  stderrTail: string[];
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
 *   itself exits meanwhile (`process.exit`), the groups still running get SIGKILL. A process
 *   that moves itself to another group or session (a daemon) is out of reach.
 * - Each output line is forwarded to `stdout` / `stderr` with `prefix` in front, and emitted
 *   as a {@link ChildProcessOutputEvent}. stdin is not connected.
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
  const settings = resolveOptions(options);
  const logic: ChildProcessActorLogic = {
    config: settings,
    transition(snapshot, event, scope) {
      if (snapshot.status !== 'active') return snapshot;
      const runtime = runtimes.get(scope.self);
      switch (event.type) {
        case CHILD_PROCESS_SPAWNED:
          return { ...snapshot, pid: (event as unknown as { pid: number }).pid };
        case CHILD_PROCESS_EXITED:
          runtimes.delete(scope.self);
          return {
            ...snapshot,
            status: 'done',
            output: (event as unknown as { output: ChildProcessOutput }).output,
          };
        case CHILD_PROCESS_FAILED:
          runtimes.delete(scope.self);
          return { ...snapshot, status: 'error', error: (event as { error?: unknown }).error };
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
        self.send({ type: CHILD_PROCESS_FAILED, error } as EventObject);
      let child: ChildProcess;
      try {
        // Through a shell, the command line is rewritten so that signals reach the program.
        const [file, argv] = settings.shell
          ? [shellCommand([settings.command, ...settings.args].join(' ')), []]
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
        stderrTail: [],
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
      track(pid);
      self.send({ type: CHILD_PROCESS_SPAWNED, pid } as EventObject);

      const forward =
        (stream: 'stdout' | 'stderr', writer: LineWriter | false) => (line: string) => {
          if (stream === 'stderr') {
            runtime.stderrTail.push(line);
            if (runtime.stderrTail.length > settings.stderrTailLines) runtime.stderrTail.shift();
          }
          if (writer) writer.write(`${settings.prefix}${line}\n`);
          emit({ type: 'output', name: settings.name, stream, line });
        };
      readLines(child.stdout!, forward('stdout', settings.stdout ?? process.stdout));
      readLines(child.stderr!, forward('stderr', settings.stderr ?? process.stderr));

      const deliver = () => {
        if (runtime.finished) return;
        runtime.finished = true;
        clearTimer(runtime);
        untrack(pid);
        if (runtime.stopped) return;
        const result = outcome(settings, runtime);
        if (result instanceof ChildProcessError) fail(result);
        else self.send({ type: CHILD_PROCESS_EXITED, output: result } as EventObject);
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
    getInitialSnapshot() {
      return {
        status: 'active',
        output: undefined,
        error: undefined,
        name: settings.name,
        pid: undefined,
      };
    },
    getPersistedSnapshot: (snapshot) => snapshot,
    restoreSnapshot: (snapshot) => snapshot as ChildProcessSnapshot,
  };
  return markShutdownAware(logic);
}

function resolveOptions(options: ChildProcessOptions): Settings {
  const owner = 'fromChildProcess';
  const given = checkObject(owner, 'options', options);
  const { command } = given;
  if (typeof command !== 'string' || command.trim() === '') {
    invalidOption(owner, 'command', command, 'a non-empty string');
  }
  const args = given.args ?? [];
  if (!Array.isArray(args) || !args.every((arg) => typeof arg === 'string')) {
    invalidOption(owner, 'args', args, 'an array of strings');
  }
  const cwd = given.cwd;
  if (cwd !== undefined && (typeof cwd !== 'string' || cwd === '')) {
    invalidOption(owner, 'cwd', cwd, 'a non-empty string (a directory path)');
  }
  const env = checkObject(owner, 'env', given.env);
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && typeof value !== 'string') {
      invalidOption(owner, `env.${key}`, value, 'a string, or undefined to remove the variable');
    }
  }
  const shell = given.shell ?? false;
  if (typeof shell !== 'boolean' && (typeof shell !== 'string' || shell === '')) {
    invalidOption(owner, 'shell', shell, 'true, false or the path of a shell');
  }
  const name = given.name ?? defaultName(command);
  if (typeof name !== 'string' || name === '') {
    invalidOption(owner, 'name', name, 'a non-empty string');
  }
  const writer = (field: 'stdout' | 'stderr'): LineWriter | false | undefined => {
    const value = given[field];
    if (value === undefined || value === false) return value;
    if (
      typeof value !== 'object' ||
      value === null ||
      typeof (value as { write?: unknown }).write !== 'function'
    ) {
      invalidOption(owner, field, value, 'false or an object with a write(text) method');
    }
    return value as LineWriter;
  };
  const prefix = given.prefix ?? `${name} | `;
  if (prefix !== false && typeof prefix !== 'string') {
    invalidOption(owner, 'prefix', prefix, 'a string or false');
  }
  return {
    command,
    args,
    cwd,
    env: env as Record<string, string | undefined>,
    shell,
    name,
    shutdownSignal: checkSignal(owner, 'shutdownSignal', given.shutdownSignal ?? 'SIGTERM'),
    reloadSignal: checkSignal(owner, 'reloadSignal', given.reloadSignal ?? 'SIGHUP'),
    stdout: writer('stdout'),
    stderr: writer('stderr'),
    prefix: prefix === false ? '' : prefix,
    stderrTailLines: checkCount(
      owner,
      'stderrTailLines',
      given.stderrTailLines ?? DEFAULT_STDERR_TAIL_LINES,
    ),
    leftoverGraceMs: checkDuration(
      owner,
      'leftoverGraceMs',
      given.leftoverGraceMs ?? DEFAULT_LEFTOVER_GRACE_MS,
    ),
  };
}

/** The program's base name: the first word of the command, quotes removed. */
function defaultName(command: string): string {
  const first = /^\s*(?:"([^"]+)"|'([^']+)'|(\S+))/.exec(command);
  const program = first?.[1] ?? first?.[2] ?? first?.[3] ?? command;
  return basename(program) || program;
}

function environment(extra: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

/** Done or failed, from how the main process ended. */
function outcome(settings: Settings, runtime: Runtime): ChildProcessOutput | ChildProcessError {
  const code = runtime.exit?.code ?? null;
  const signal = runtime.exit?.signal ?? null;
  const asked = runtime.shutdownSent;
  const stopSignal = settings.shutdownSignal;
  const clean =
    code === 0 || (asked && (signal === stopSignal || code === 128 + signalNumber(stopSignal)));
  if (clean) {
    return { name: settings.name, pid: runtime.pid, exitCode: code, signal, shutdown: asked };
  }
  const what = signal !== null ? `was ended by signal ${signal}` : `exited with code ${code}`;
  const tail = runtime.stderrTail;
  const stderrPart =
    tail.length > 0
      ? `; its last ${tail.length === 1 ? 'line' : `${tail.length} lines`} of stderr:\n${tail.map((line) => `  ${line}`).join('\n')}`
      : '; it wrote nothing to stderr';
  return new ChildProcessError(
    `process "${settings.name}" (pid ${runtime.pid}, ${commandLine(settings)}) ${what}${stderrPart}`,
    {
      failure: signal !== null ? 'signal' : 'exit',
      processName: settings.name,
      command: settings.command,
      args: settings.args,
      cwd: settings.cwd ?? process.cwd(),
      pid: runtime.pid,
      exitCode: code,
      signal,
      stderrTail: [...tail],
    },
  );
}

function spawnError(settings: Settings, cause: unknown): ChildProcessError {
  const cwd = settings.cwd ?? process.cwd();
  const code = (cause as { code?: unknown } | undefined)?.code;
  let reason: string;
  if (code === 'ENOENT' && !isDirectory(cwd)) {
    reason = `its working directory ${JSON.stringify(cwd)} does not exist or is not a directory; create it or fix the "cwd" option`;
  } else if (code === 'ENOENT') {
    reason = `command ${JSON.stringify(settings.command)} was not found (in ${JSON.stringify(cwd)} or on PATH); check its name, install it or give its full path`;
  } else if (code === 'EACCES') {
    reason = `command ${JSON.stringify(settings.command)} is not executable (permission denied); check its mode (chmod +x) or run it through its interpreter`;
  } else {
    const message = cause instanceof Error ? cause.message : describe(cause);
    reason = `spawning failed: ${message}`;
  }
  return new ChildProcessError(
    `process "${settings.name}" could not be started (${commandLine(settings)}, cwd ${JSON.stringify(cwd)}): ${reason}`,
    {
      failure: 'spawn',
      processName: settings.name,
      command: settings.command,
      args: settings.args,
      cwd,
      cause,
    },
  );
}

function commandLine(settings: Settings): string {
  const words = [settings.command, ...settings.args].map((word) =>
    /^[\w@%+=:,./-]+$/.test(word) ? word : JSON.stringify(word),
  );
  return `command ${words.join(' ')}`;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
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

/** Sends a signal to a process group; a group that is already gone is not an error. */
function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    // ESRCH: the group is gone. EPERM: not ours to signal (it cannot be, but never throw here).
    return false;
  }
}

/**
 * Whether a process group has a live member. Members that have ended but were not reaped yet
 * (zombies, as happens to orphans when PID 1 does not reap them, as in many containers) do not
 * count; on Linux they are told apart through `/proc`.
 */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch (error) {
    return (error as { code?: string }).code === 'EPERM';
  }
  if (process.platform !== 'linux') return true;
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return true;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    // pid (comm) state ppid pgrp …; comm may contain spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) === pgid && fields[0] !== 'Z' && fields[0] !== 'X') return true;
  }
  return false;
}

/** Splits a stream into lines (LF or CRLF); a last line without a line break counts too. */
function readLines(stream: Readable, onLine: (line: string) => void): void {
  stream.setEncoding('utf8');
  let buffer = '';
  stream.on('data', (chunk: string) => {
    buffer += chunk;
    let start = 0;
    for (let end = buffer.indexOf('\n'); end !== -1; end = buffer.indexOf('\n', start)) {
      const line = buffer.slice(start, end);
      onLine(line.endsWith('\r') ? line.slice(0, -1) : line);
      start = end + 1;
    }
    buffer = buffer.slice(start);
    while (buffer.length > MAX_LINE_LENGTH) {
      onLine(buffer.slice(0, MAX_LINE_LENGTH));
      buffer = buffer.slice(MAX_LINE_LENGTH);
    }
  });
  const flush = () => {
    if (buffer !== '') onLine(buffer);
    buffer = '';
  };
  stream.once('end', flush);
  stream.once('close', flush);
  stream.on('error', () => {
    // A broken pipe from the child ends the output; the exit is reported by the process.
  });
}

/** Process groups still running, killed if Node exits before they end. */
const liveGroups = new Set<number>();

function killLiveGroups(): void {
  for (const pgid of liveGroups) signalGroup(pgid, 'SIGKILL');
}

function track(pgid: number): void {
  if (liveGroups.size === 0) process.on('exit', killLiveGroups);
  liveGroups.add(pgid);
}

function untrack(pgid: number): void {
  liveGroups.delete(pgid);
  if (liveGroups.size === 0) process.off('exit', killLiveGroups);
}
