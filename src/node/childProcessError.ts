/**
 * The error of a child process that could not start or ended badly, and the messages that
 * say why: the exit code or signal, the command line, the working directory and the last
 * lines of stderr.
 */
import { statSync } from 'node:fs';
import { describe } from '../policy/options.js';
import type { ChildProcessSettings } from './childProcessOptions.js';

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

/** How a spawned process ended, for {@link exitError}. */
export interface ProcessEnd {
  pid: number;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stderrTail: readonly string[];
}

/** The error of a process that exited with a code other than 0 or was ended by a signal. */
export function exitError(settings: ChildProcessSettings, end: ProcessEnd): ChildProcessError {
  const { pid, exitCode: code, signal, stderrTail: tail } = end;
  const what = signal !== null ? `was ended by signal ${signal}` : `exited with code ${code}`;
  const stderrPart =
    tail.length > 0
      ? `; its last ${tail.length === 1 ? 'line' : `${tail.length} lines`} of stderr:\n${tail.map((line) => `  ${line}`).join('\n')}`
      : '; it wrote nothing to stderr';
  return new ChildProcessError(
    `process "${settings.name}" (pid ${pid}, ${commandLine(settings)}) ${what}${stderrPart}`,
    {
      failure: signal !== null ? 'signal' : 'exit',
      processName: settings.name,
      command: settings.command,
      args: settings.args,
      cwd: settings.cwd ?? process.cwd(),
      pid,
      exitCode: code,
      signal,
      stderrTail: [...tail],
    },
  );
}

/** The error of a process that could not be started, saying why and what to do. */
export function spawnError(settings: ChildProcessSettings, cause: unknown): ChildProcessError {
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

function commandLine(settings: ChildProcessSettings): string {
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
