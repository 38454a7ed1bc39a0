/**
 * The options of `fromChildProcess`: their types, defaults and checks. Every mistake is a
 * `TypeError` naming the option, the value and what is allowed, thrown where the logic is
 * created.
 */
import { basename } from 'node:path';
import {
  checkCount,
  checkDuration,
  checkObject,
  checkOptions,
  describe,
  invalidOption,
} from '../policy/options.js';
import { loadNotifyBinary, NOTIFY_BINARIES } from './readiness/notify.js';
import {
  describeReadyCheck,
  type ReadyCheck,
  type ReadySettings,
  resolveReadyCheck,
} from './readiness/options.js';
import { checkSignal, SIGNAL_NAMES } from './signals.js';

/** The keys of {@link ChildProcessOptions}. */
export const CHILD_PROCESS_OPTION_KEYS = [
  'command',
  'args',
  'cwd',
  'env',
  'shell',
  'name',
  'shutdownSignal',
  'reloadSignal',
  'stdout',
  'stderr',
  'prefix',
  'stderrTailLines',
  'leftoverGraceMs',
  'ready',
] as const;

/** Signals a process cannot catch: as a stop or reload signal, they end it at once. */
const UNCATCHABLE = new Set<string>(['SIGKILL', 'SIGSTOP']);
const CATCHABLE_SIGNALS = SIGNAL_NAMES.filter((name) => !UNCATCHABLE.has(name));

/** Refuses a string that holds a NUL byte, which no command line, path or variable can. */
function checkNoNul(owner: string, field: string, value: string): void {
  if (value.includes('\0')) {
    invalidOption(owner, field, value, 'a string without NUL bytes ("\\0")');
  }
}

/** A stop or reload signal: one the process can catch, so that it can stop or reload itself. */
function checkCatchableSignal(owner: string, field: string, value: unknown): NodeJS.Signals {
  if (typeof value === 'string' && UNCATCHABLE.has(value)) {
    invalidOption(
      owner,
      field,
      value,
      `a signal the process can catch (${value} cannot be caught, so the process could not stop or reload by itself; stopping the actor sends SIGKILL already)`,
    );
  }
  return checkSignal(owner, field, value, CATCHABLE_SIGNALS);
}

/**
 * Checks the `env` option (variables added to the inherited environment, `undefined` removing
 * one): names must not be empty or hold `=` or NUL bytes, values must be strings without NUL
 * bytes. A value never appears in a message: environment variables hold secrets.
 */
export function checkEnv(owner: string, value: unknown): Record<string, string | undefined> {
  const env = checkObject(owner, 'env', value);
  for (const [key, value] of Object.entries(env)) {
    if (key === '' || key.includes('=') || key.includes('\0')) {
      throw new TypeError(
        `${owner}: option "env" has the key ${describe(key)}; a variable name must not be empty or hold "=" or NUL bytes`,
      );
    }
    if (value !== undefined && typeof value !== 'string') {
      throw new TypeError(
        `${owner}: option "env.${key}" must be a string, or undefined to remove the variable; got ${value === null ? 'null' : `a value of type ${typeof value}`} (not shown)`,
      );
    }
    if (typeof value === 'string' && value.includes('\0')) {
      throw new TypeError(
        `${owner}: option "env.${key}" must be a string without NUL bytes ("\\0"); got one with a NUL byte (not shown)`,
      );
    }
  }
  return env as Record<string, string | undefined>;
}

/** Lines of stderr kept for the error of a failed process, by default. */
export const DEFAULT_STDERR_TAIL_LINES = 20;
/** How long processes left in the group after the main process exited get, by default (ms). */
export const DEFAULT_LEFTOVER_GRACE_MS = 5_000;

/**
 * Where output is written: `process.stdout`, a stream, or any object with `write`.
 * `fromChildProcess` writes `Buffer`s, the bytes as the process wrote them with the prefix in
 * front of each line, one write per chunk read; `runMain` and `xsup` write strings. When
 * `write` returns `false` and the writer has `once` (as streams do), reading the process's
 * output pauses until it emits `drain`.
 */
export interface LineWriter {
  write(chunk: string | Uint8Array): unknown;
  once?(event: 'drain', listener: () => void): unknown;
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
  /**
   * How the process says it is ready; without it, it is ready once spawned. With it, the logic
   * is marked as signalling readiness (a supervisor or group waits for the signal, up to its
   * `readyTimeoutMs`), and once the check passes, once per run, the actor sends
   * `{ type: 'supervisor.ready' }` to its parent:
   *
   * - `{ kind: 'notify' }`: systemd's protocol. The process gets `NOTIFY_SOCKET`, and is ready
   *   when it sends `READY=1` there (`sd_notify`, `systemd-notify --ready`).
   * - `{ kind: 'port', port, host?, intervalMs? }`: a TCP connection to `host:port`
   *   (`127.0.0.1`) is accepted; tried every `intervalMs` (100).
   * - `{ kind: 'line', pattern }`: a line of stdout or stderr matches `pattern`.
   */
  ready?: ReadyCheck;
}

/** The options of a child process, checked and filled in. */
export interface ChildProcessSettings {
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
  ready: ReadySettings | undefined;
}

export function resolveChildProcessOptions(options: ChildProcessOptions): ChildProcessSettings {
  const owner = 'fromChildProcess';
  const given = checkOptions(owner, 'options', options, CHILD_PROCESS_OPTION_KEYS);
  const { command } = given;
  if (typeof command !== 'string' || command.trim() === '') {
    invalidOption(owner, 'command', command, 'a non-empty string');
  }
  checkNoNul(owner, 'command', command);
  const args = given.args ?? [];
  if (!Array.isArray(args) || !args.every((arg) => typeof arg === 'string')) {
    invalidOption(owner, 'args', args, 'an array of strings');
  }
  for (const [index, arg] of args.entries()) checkNoNul(owner, `args[${index}]`, arg);
  const cwd = given.cwd;
  if (cwd !== undefined && (typeof cwd !== 'string' || cwd === '')) {
    invalidOption(owner, 'cwd', cwd, 'a non-empty string (a directory path)');
  }
  if (cwd !== undefined) checkNoNul(owner, 'cwd', cwd);
  const env = checkEnv(owner, given.env);
  const shell = given.shell ?? false;
  if (typeof shell !== 'boolean' && (typeof shell !== 'string' || shell === '')) {
    invalidOption(owner, 'shell', shell, 'true, false or the path of a shell');
  }
  const name = given.name ?? defaultName(command);
  if (typeof name !== 'string' || name === '') {
    invalidOption(owner, 'name', name, 'a non-empty string');
  }
  checkNoNul(owner, 'name', name);
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
  const ready =
    given.ready === undefined ? undefined : resolveReadyCheck(owner, 'ready', given.ready);
  if (ready?.kind === 'notify') checkNotifyBinary(owner);
  const prefix = given.prefix ?? `${name} | `;
  if (prefix !== false && typeof prefix !== 'string') {
    invalidOption(owner, 'prefix', prefix, 'a string or false');
  }
  return {
    command,
    args,
    cwd,
    env,
    shell,
    name,
    shutdownSignal: checkCatchableSignal(
      owner,
      'shutdownSignal',
      given.shutdownSignal ?? 'SIGTERM',
    ),
    reloadSignal: checkCatchableSignal(owner, 'reloadSignal', given.reloadSignal ?? 'SIGHUP'),
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
    ready,
  };
}

/** A `notify` check needs the optional binary: without it, the option is refused here. */
function checkNotifyBinary(owner: string): void {
  const binary = loadNotifyBinary();
  if (!(binary instanceof Error)) return;
  throw new TypeError(
    `${owner}: option "ready" is { kind: 'notify' }, which needs a unix datagram socket; Node has none of its own, and the optional dependency that provides one (${NOTIFY_BINARIES.join(' or ')}, prebuilt for Linux x64) cannot be loaded on ${process.platform} ${process.arch}: ${binary.message}. Install it, or use { kind: 'port', port } or { kind: 'line', pattern } instead`,
  );
}

/** The program's base name: the first word of the command, quotes removed. */
function defaultName(command: string): string {
  const first = /^\s*(?:"([^"]+)"|'([^']+)'|(\S+))/.exec(command);
  const program = first?.[1] ?? first?.[2] ?? first?.[3] ?? command;
  return basename(program) || program;
}

export function environment(extra: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

/** A word quoted for `/bin/sh`, so that the shell passes it as one argument, as it is. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/**
 * What the settings show to the inspector (as the logic's `config`) and to anything else that
 * serializes the logic: the command, not the environment's values (names stay, values are
 * replaced) and not the writers.
 */
export function describeSettings(settings: ChildProcessSettings): Record<string, unknown> {
  return {
    id: settings.name,
    type: 'fromChildProcess',
    command: settings.command,
    args: settings.args,
    cwd: settings.cwd,
    env: Object.fromEntries(
      Object.entries(settings.env).map(([key, value]) => [
        key,
        value === undefined ? null : '[redacted]',
      ]),
    ),
    shell: settings.shell,
    shutdownSignal: settings.shutdownSignal,
    reloadSignal: settings.reloadSignal,
    ...(settings.ready ? { ready: describeReadyCheck(settings.ready) } : {}),
  };
}
