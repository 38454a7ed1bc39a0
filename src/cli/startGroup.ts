/**
 * What `xsup start` runs: the processes of a Procfile as the children of one group, each a
 * `fromChildProcess` behind its name, the group's policy from the flags, and the lifecycle
 * written as it happens.
 */

import { formatLifecycleEvent, type LifecycleEvent } from '../lifecycle.js';
import { createProcessGroup, type GroupChild } from '../machines/group.js';
import { fromChildProcess, type LineWriter, type ReadyCheck } from '../node/fromChildProcess.js';
import { lifecycleLevel } from '../observe.js';
import { MAX_TIMER_MS } from '../policy/backoff.js';
import type { RestartType } from '../policy/options.js';
import type { GROUP_STRATEGIES } from '../policy/restart.js';
import { type Formation, type Instance, instanceEnv } from './formation.js';
import { isKeeper } from './operations.js';
import { jsonLines, oneLine } from './output.js';
import type { ProcfileEntry } from './procfile.js';
import { DEFAULT_READY_TIMEOUT_MS, type ReadySpec, readyCheckOf } from './readiness.js';

/** Where the CLI writes, and what it knows of its terminal. Injectable for tests. */
export interface CliIo {
  stdout: LineWriter & { isTTY?: boolean };
  stderr: LineWriter;
  env: Record<string, string | undefined>;
}

/** The options of `xsup start`, as parsed. */
export interface StartOptions {
  backoffInitial: number;
  backoffMax: number;
  backoffFactor: number;
  maxRestarts?: number;
  maxRestartsWindow: number;
  strategy: (typeof GROUP_STRATEGIES)[number];
  shutdownTimeout: number;
  restart: RestartType;
  health?: number;
  json: boolean;
  inspect?: number | true;
  open?: boolean;
  /** `-e, --env FILE[,FILE]`; `false` with `--no-env`. */
  env?: string | false;
  /** `-p, --port N`: the base PORT. */
  port?: number;
  /** `-m, --formation`. */
  formation?: Formation;
  /** `-s, --socket PATH`. */
  socket?: string;
  /** `-t, --timestamps`. */
  timestamps?: boolean;
  /** `--ready=NAME:KIND`, each as given. */
  ready?: string[];
  /** `--ready-timeout`: how long a process with a check has to be ready (ms). */
  readyTimeout: number;
  /** `--sequential`: start in Procfile order, each once the one before is ready. */
  sequential?: boolean;
}

/** A process `xsup start` runs: a Procfile entry (named after its instance) and its env. */
export interface RunEntry extends ProcfileEntry {
  /** Variables set for it over the inherited environment (env files, `PORT`). */
  env?: Record<string, string>;
  /** How it says it is ready (`--ready`); without it, it is ready once started. */
  ready?: ReadyCheck;
}

const COLORS = [36, 33, 32, 35, 34, 91, 96, 93, 92, 95, 94];

/**
 * Colors only on a terminal, and not when `NO_COLOR` is set to a non-empty value
 * (no-color.org) or the terminal is `dumb`.
 */
export function useColor(io: CliIo): boolean {
  return io.stdout.isTTY === true && !io.env.NO_COLOR && io.env.TERM !== 'dumb';
}

/** The width of the name column: the longest process name, or `xsup` for lifecycle lines. */
export function nameWidth(entries: readonly ProcfileEntry[]): number {
  return Math.max('xsup'.length, ...entries.map((entry) => entry.name.length));
}

export function paint(text: string, code: number, color: boolean): string {
  return color ? `\u001b[${code}m${text}\u001b[0m` : text;
}

/**
 * The entries to run for these instances: each named after its instance, with the variables of
 * the env files, its `PORT` and its `PS`.
 *
 * @example
 *
 * ```ts
 * const entries = runEntries(planInstances(procfile, { procfile: 'Procfile' }), loaded.vars);
 * // [{ name: 'web', command: 'node web.js', line: 1, env: { ...loaded.vars, PORT: '5000', PS: 'web.1' } }, …]
 * ```
 */
export function runEntries(
  instances: readonly Instance[],
  vars: Record<string, string>,
  checks: ReadonlyMap<string, ReadySpec> = new Map(),
): RunEntry[] {
  return instances.map((instance) => {
    const spec = checks.get(instance.entry.name);
    return {
      ...instance.entry,
      name: instance.name,
      env: instanceEnv(instance, vars),
      ...(spec ? { ready: readyCheckOf(spec, instance) } : {}),
    };
  });
}

/**
 * Builds the group machine `xsup start` runs for these Procfile entries.
 *
 * @example
 *
 * ```ts
 * const machine = procfileGroup(await readProcfile('Procfile'), options, io);
 * ```
 */
export function procfileGroup(entries: RunEntry[], options: StartOptions, io: CliIo) {
  return processGroup(procfileChildren(entries, options, io), options);
}

/** The group machine for these children, with the restart policy of the flags. */
export function processGroup(children: GroupChild[], options: StartOptions) {
  return createProcessGroup({
    id: 'xsup',
    strategy: options.strategy,
    backoff: {
      initialMs: options.backoffInitial,
      maxMs: Math.max(options.backoffMax, options.backoffInitial),
      factor: options.backoffFactor,
    },
    maxRestarts:
      options.maxRestarts === undefined
        ? null
        : { count: options.maxRestarts, withinMs: options.maxRestartsWindow },
    shutdownTimeoutMs: options.shutdownTimeout,
    // `--sequential`: each process starts once the one before it is ready.
    startOrder: options.sequential ? 'sequential' : 'together',
    children,
  });
}

/**
 * The children of the group `xsup start` runs: a `fromChildProcess` per entry, its output
 * behind its name.
 *
 * @example
 *
 * ```ts
 * const children = procfileChildren(parseProcfile('web: node web.js\n'), options, io);
 * ```
 */
export function procfileChildren(
  entries: RunEntry[],
  options: StartOptions,
  io: CliIo,
): GroupChild[] {
  const color = useColor(io);
  const width = nameWidth(entries);
  return entries.map((entry, index) => {
    const prefix = paint(`${entry.name.padEnd(width)} | `, COLORS[index % COLORS.length]!, color);
    return {
      id: entry.name,
      restart: options.restart,
      // A process with a check has this long to be ready, or it failed.
      ...(entry.ready ? { readyTimeoutMs: options.readyTimeout ?? DEFAULT_READY_TIMEOUT_MS } : {}),
      logic: fromChildProcess({
        name: entry.name,
        command: entry.command,
        shell: true,
        ...(entry.env ? { env: entry.env } : {}),
        ...(entry.ready ? { ready: entry.ready } : {}),
        prefix: options.json ? false : prefix,
        stdout: options.json ? jsonLines(io.stdout, entry.name, 'stdout') : io.stdout,
        stderr: options.json ? jsonLines(io.stdout, entry.name, 'stderr') : io.stdout,
      }),
    } satisfies GroupChild;
  });
}

export function lifecycleWriter(
  io: CliIo,
  json: boolean,
  width: number,
): (event: LifecycleEvent) => void {
  const color = useColor(io);
  const tag = paint(`${'xsup'.padEnd(width)} | `, 90, color);
  return (event) => {
    if (isKeeper(event.childId)) return;
    if (json) {
      io.stdout.write(
        `${JSON.stringify({ time: new Date().toISOString(), level: lifecycleLevel(event), ...event })}\n`,
      );
      return;
    }
    const line = oneLine(formatLifecycleEvent(event).replace(/^xsup[/:] ?/, ''));
    const level = lifecycleLevel(event);
    io.stdout.write(
      `${tag}${level === 'info' ? line : paint(line, level === 'error' ? 31 : 33, color)}\n`,
    );
  };
}

/** After this long running since a restart, the group resets a process's failure count. */
export function resetAfterMs(options: StartOptions): number {
  return Math.min(
    MAX_TIMER_MS,
    Math.max(1, 2 * Math.max(options.backoffMax, options.backoffInitial)),
  );
}
