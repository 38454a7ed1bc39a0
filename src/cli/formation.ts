/**
 * What `xsup start` runs: which processes of the Procfile, how many instances of each, their
 * names and their `PORT`s, with foreman's conventions.
 *
 * - `-m, --formation web=2,worker=1` runs that many instances of the processes it names and
 *   none of the others, as foreman does; `all=N` sets the count of those it does not name. A
 *   process with more than one instance has them named `web.1`, `web.2`, …; zero leaves it out.
 *   Without `-m`, one instance of each.
 * - `xsup start [PROCFILE] [NAME...]` runs only the named processes.
 * - Each instance gets `PORT` = base + 100 × (its process's index in the Procfile) +
 *   (its instance number − 1); the base is `-p, --port`, else `PORT` from the env files or the
 *   environment, else 5000. And `PS`, its process name and instance number (`web.1`).
 */
import type { ProcfileEntry } from './procfile.js';
import { UsageError } from './usage.js';

/** The base port when neither `--port` nor `PORT` says otherwise (as foreman). */
export const DEFAULT_BASE_PORT = 5000;
/** Instances of one process at most. */
export const MAX_INSTANCES = 1000;

/** How many instances of each process. */
export interface Formation {
  /**
   * The count of each process the formation does not name (`all=N`). When `all` is not given:
   * 0, as with foreman, except for a process named on the command line (`xsup start web`),
   * which runs once.
   */
  all?: number;
  counts: Map<string, number>;
}

/** The formation without `-m`: one instance of each process. */
export const DEFAULT_FORMATION: Formation = { all: 1, counts: new Map() };

/** A process name, or an instance name (`web.2`). */
export const INSTANCE_NAME = /^[A-Za-z0-9_-]+(?:\.[0-9]+)?$/;

/**
 * Parses the value of `-m, --formation`: `name=count` items separated by commas, `all` for every
 * process not named (without it, those run no instance). Names are checked against the
 * Procfile later, by {@link planInstances}.
 *
 * @example
 *
 * ```ts
 * parseFormation('web=2,worker=1'); // { counts: Map { 'web' => 2, 'worker' => 1 } }: nothing else runs
 * parseFormation('all=1,web=2'); // { all: 1, counts: Map { 'web' => 2 } }: the others once
 * ```
 */
export function parseFormation(text: string): Formation {
  const formation: Formation = { counts: new Map() };
  const seen = new Set<string>();
  for (const raw of text.split(',')) {
    const item = raw.trim();
    const match = /^([A-Za-z0-9_-]+)[ \t]*=[ \t]*(\S*)$/.exec(item);
    if (!match) {
      throw new UsageError(
        `-m, --formation: expected name=count items separated by commas (e.g. all=1,web=2,worker=0); got ${JSON.stringify(item)}`,
      );
    }
    const [, name, countText] = match as unknown as [string, string, string];
    const count = Number(countText);
    if (!/^\d+$/.test(countText) || count > MAX_INSTANCES) {
      throw new UsageError(
        `-m, --formation: the count of "${name}" must be a whole number from 0 to ${MAX_INSTANCES}; got ${JSON.stringify(countText)}`,
      );
    }
    if (seen.has(name)) {
      throw new UsageError(`-m, --formation: "${name}" is given twice`);
    }
    seen.add(name);
    if (name === 'all') formation.all = count;
    else formation.counts.set(name, count);
  }
  return formation;
}

/**
 * Tells apart `xsup start [PROCFILE] [NAME...]`: the first argument is the Procfile when it is
 * not a process name, or when a file of that name exists; otherwise every argument is a name
 * and the Procfile is `./Procfile`.
 *
 * @example
 *
 * ```ts
 * splitStartArgs(['web', 'worker'], () => false); // { procfile: 'Procfile', names: ['web', 'worker'] }
 * splitStartArgs(['Procfile.dev', 'web'], () => false); // { procfile: 'Procfile.dev', names: ['web'] }
 * ```
 */
export function splitStartArgs(
  args: readonly string[],
  isFile: (path: string) => boolean,
): { procfile: string; names: string[] } {
  const [first, ...rest] = args;
  if (first === undefined) return { procfile: 'Procfile', names: [] };
  if (!INSTANCE_NAME.test(first) || isFile(first)) return { procfile: first, names: rest };
  return { procfile: 'Procfile', names: [...args] };
}

/** One process instance `xsup start` runs. */
export interface Instance {
  /** Its name: the process's, or `web.1`, `web.2`, … when the process has several. */
  name: string;
  /** The Procfile entry it runs. */
  entry: ProcfileEntry;
  /** The index of its process in the Procfile, from 0. */
  index: number;
  /** Its instance number, from 1. */
  instance: number;
  /** Its `PORT`. */
  port: number;
  /**
   * Its `PS`, as foreman sets it (and Heroku its `DYNO`): the process name and the instance
   * number, `web.1`, also for a process of one instance (whose name is `web`).
   */
  ps: string;
}

/** What {@link planInstances} needs besides the Procfile. */
export interface PlanOptions {
  /** The Procfile's path, for messages. */
  procfile: string;
  /** Only these processes (Procfile names); all when empty. */
  names?: readonly string[];
  /** Default {@link DEFAULT_FORMATION}: one instance of each process. */
  formation?: Formation;
  /** The base port. Default {@link DEFAULT_BASE_PORT}. */
  basePort?: number;
}

/**
 * The instances to run, in Procfile order, with their names and ports. A name (in the subset
 * or the formation) that is not in the Procfile, a port above 65535, or nothing left to run is
 * a {@link UsageError}.
 *
 * @example
 *
 * ```ts
 * const entries = parseProcfile('web: node web.js\nworker: node worker.js\n');
 * planInstances(entries, { procfile: 'Procfile', formation: parseFormation('all=1,web=2') });
 * // web.1 (PORT 5000), web.2 (PORT 5001), worker (PORT 5100)
 * ```
 */
export function planInstances(entries: readonly ProcfileEntry[], options: PlanOptions): Instance[] {
  const { procfile, names = [], formation = DEFAULT_FORMATION } = options;
  const basePort = options.basePort ?? DEFAULT_BASE_PORT;
  const known = new Set(entries.map((entry) => entry.name));
  const list = entries.map((entry) => entry.name).join(', ');
  for (const name of names) {
    if (known.has(name)) continue;
    const instance = /^(.+)\.\d+$/.exec(name)?.[1];
    throw new UsageError(
      instance !== undefined && known.has(instance)
        ? `${procfile}: "${name}" is an instance name; name the process ("${instance}") and set its instances with -m ${instance}=N`
        : `${procfile}: no process named "${name}"; its processes: ${list}`,
    );
  }
  for (const name of formation.counts.keys()) {
    if (!known.has(name)) {
      throw new UsageError(
        `-m, --formation: no process named "${name}" in ${procfile}; its processes: ${list}`,
      );
    }
  }
  const selected = new Set(names);
  const instances: Instance[] = [];
  entries.forEach((entry, index) => {
    if (selected.size > 0 && !selected.has(entry.name)) return;
    const count =
      formation.counts.get(entry.name) ?? formation.all ?? (selected.has(entry.name) ? 1 : 0);
    for (let instance = 1; instance <= count; instance += 1) {
      const port = basePort + 100 * index + (instance - 1);
      const name = count > 1 ? `${entry.name}.${instance}` : entry.name;
      if (port > 65_535) {
        throw new UsageError(
          `-p, --port: the PORT of "${name}" would be ${port} (base ${basePort} + 100 × ${index} + ${instance - 1}), above 65535; pass a lower --port`,
        );
      }
      instances.push({ name, entry, index, instance, port, ps: `${entry.name}.${instance}` });
    }
  });
  if (instances.length === 0) {
    throw new UsageError(
      `${procfile}: nothing to run: the formation leaves out every process${names.length > 0 ? ' named' : ''}`,
    );
  }
  return instances;
}

/**
 * The variables `xsup start` sets for an instance over its own environment: those of the env
 * files, then its `PORT` and `PS` (which win over the files'). `xsup export systemd` gives
 * the units the same.
 *
 * @example
 *
 * ```ts
 * instanceEnv(instance, { GREETING: 'hi', PORT: '3000' }); // { GREETING: 'hi', PORT: '3000', PS: 'web.1' }
 * ```
 */
export function instanceEnv(
  instance: Instance,
  vars: Record<string, string>,
): Record<string, string> {
  return { ...vars, PORT: String(instance.port), PS: instance.ps };
}

/**
 * The base port: `--port` when given, else `PORT` from the env files, else from the
 * environment, else 5000. A `PORT` that is not a port number is a {@link UsageError} naming
 * where it was set (its value is not repeated).
 *
 * @example
 *
 * ```ts
 * basePort(undefined, { PORT: '3000' }, {}); // 3000
 * ```
 */
export function basePort(
  flag: number | undefined,
  fileVars: Record<string, string>,
  env: Record<string, string | undefined>,
  source = 'the env files',
): number {
  if (flag !== undefined) return flag;
  const [value, where] =
    fileVars.PORT !== undefined
      ? [fileVars.PORT, `PORT in ${source}`]
      : [env.PORT, 'PORT in the environment'];
  if (value === undefined || value === '') return DEFAULT_BASE_PORT;
  const port = Number(value);
  if (!/^\d+$/.test(value.trim()) || port > 65_535) {
    throw new UsageError(
      `${where} must be a whole number from 0 to 65535 to be the base port; fix it or pass -p, --port`,
    );
  }
  return port;
}
