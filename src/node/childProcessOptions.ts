/**
 * The options of `fromChildProcess`: their types, defaults and checks. Every mistake is a
 * `TypeError` naming the option, the value and what is allowed, thrown where the logic is
 * created.
 */
import { basename } from 'node:path';
import { checkCount, checkDuration, checkObject, invalidOption } from '../policy/options.js';
import { checkSignal } from './signals.js';

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
}

export function resolveChildProcessOptions(options: ChildProcessOptions): ChildProcessSettings {
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

export function environment(extra: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}
