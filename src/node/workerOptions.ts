/**
 * The options of `fromWorker`: their types, defaults and checks. Every mistake is a
 * `TypeError` naming the option, the value and what is allowed, thrown where the logic is
 * created, so none of them reaches `new Worker` and fails at every restart.
 */
import { basename, isAbsolute } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ResourceLimits } from 'node:worker_threads';
import { checkOneOf, checkOptions, invalidOption } from '../policy/options.js';
import { checkEnv } from './childProcessOptions.js';

/** The keys of {@link WorkerOptions}. */
export const WORKER_OPTION_KEYS = [
  'file',
  'name',
  'readyOn',
  'env',
  'argv',
  'execArgv',
  'resourceLimits',
] as const;

/** The keys of `resourceLimits`, as `new Worker` takes them. */
export const RESOURCE_LIMIT_KEYS = [
  'maxOldGenerationSizeMb',
  'maxYoungGenerationSizeMb',
  'codeRangeSizeMb',
  'stackSizeMb',
] as const;

/** When a worker counts as ready: at once, or when it posts `{ type: 'ready' }`. */
export type WorkerReadyOn = 'start' | 'message';

/** Options of {@link fromWorker}. */
export interface WorkerOptions {
  /**
   * The worker's script: a `file:` URL (`new URL('./worker.mjs', import.meta.url)`), an
   * absolute path, or a path relative to the current directory starting with `./` or `../`.
   * ES modules (`.mjs`, or `.js` in a `"type": "module"` package) and CommonJS both load.
   */
  file: string | URL;
  /** Its name in errors, and in the thread's title. Default the script's file name. */
  name?: string;
  /**
   * `'start'` (default): the worker is ready once started. `'message'`: when it posts
   * `{ type: 'ready' }`; the actor then sends `{ type: 'supervisor.ready' }` to its parent.
   */
  readyOn?: WorkerReadyOn;
  /**
   * Variables added to the environment the worker's `process.env` starts from (a copy of
   * `process.env` at each start); a variable set to `undefined` is removed.
   */
  env?: Record<string, string | undefined>;
  /** Strings appended to the worker's `process.argv`. Default none. */
  argv?: readonly string[];
  /**
   * Node's options for the worker (`--enable-source-maps`). Default the parent thread's own, as
   * `new Worker` does; `[]` for none, so that a plain JavaScript worker does not load the
   * parent's TypeScript loader (`--import tsx` costs some 100 ms per start).
   */
  execArgv?: readonly string[];
  /**
   * Limits of the worker's JavaScript engine, as `new Worker` takes them (each in MB). A
   * worker that reaches one ends with an error, which fails the actor.
   */
  resourceLimits?: ResourceLimits;
}

/** The options of a worker, checked and filled in. */
export interface WorkerSettings {
  file: string | URL;
  /** The script as errors show it: a path for a `file:` URL. */
  location: string;
  name: string;
  readyOn: WorkerReadyOn;
  env: Record<string, string | undefined>;
  argv: readonly string[];
  execArgv: readonly string[] | undefined;
  resourceLimits: ResourceLimits | undefined;
}

/** Checks and fills in the options of {@link fromWorker}. */
export function resolveWorkerOptions(options: WorkerOptions): WorkerSettings {
  const owner = 'fromWorker';
  const given = checkOptions(owner, 'options', options, WORKER_OPTION_KEYS);
  const file = checkFile(owner, given.file);
  const location = file instanceof URL ? fileURLToPath(file) : file;
  const name = given.name ?? basename(location);
  if (typeof name !== 'string' || name === '' || name.includes('\0')) {
    invalidOption(owner, 'name', name, 'a non-empty string without NUL bytes');
  }
  const argv = checkStrings(owner, 'argv', given.argv ?? []);
  const execArgv =
    given.execArgv === undefined ? undefined : checkStrings(owner, 'execArgv', given.execArgv);
  return {
    file,
    location,
    name,
    readyOn: checkOneOf(owner, 'readyOn', given.readyOn ?? 'start', ['start', 'message'] as const),
    env: checkEnv(owner, given.env),
    argv,
    execArgv,
    resourceLimits: checkResourceLimits(owner, given.resourceLimits),
  };
}

function checkStrings(owner: string, field: string, value: unknown): readonly string[] {
  if (!Array.isArray(value) || !value.every((arg) => typeof arg === 'string')) {
    invalidOption(owner, field, value, 'an array of strings');
  }
  return [...value];
}

/** A script `new Worker` can load: a `file:` URL, an absolute path, or `./` / `../` relative. */
function checkFile(owner: string, value: unknown): string | URL {
  if (value instanceof URL) {
    if (value.protocol !== 'file:') {
      invalidOption(
        owner,
        'file',
        value.href,
        "a file: URL, such as new URL('./worker.mjs', import.meta.url)",
      );
    }
    return value;
  }
  if (typeof value !== 'string' || value === '' || value.includes('\0')) {
    invalidOption(owner, 'file', value, 'a file: URL or the path of a script');
  }
  if (!isAbsolute(value) && !/^\.\.?\//.test(value)) {
    invalidOption(
      owner,
      'file',
      value,
      `an absolute path, a path starting with "./" or "../" (relative to the current directory), or a file: URL (new URL('./${value}', import.meta.url) for a script beside the module)`,
    );
  }
  return value;
}

function checkResourceLimits(owner: string, value: unknown): ResourceLimits | undefined {
  if (value === undefined) return undefined;
  const given = checkOptions(owner, 'resourceLimits', value, RESOURCE_LIMIT_KEYS);
  const limits: ResourceLimits = {};
  for (const key of RESOURCE_LIMIT_KEYS) {
    const limit = given[key];
    if (limit === undefined) continue;
    if (typeof limit !== 'number' || !Number.isFinite(limit) || limit <= 0) {
      invalidOption(owner, `resourceLimits.${key}`, limit, 'a number of megabytes above 0');
    }
    limits[key] = limit;
  }
  return limits;
}

/**
 * What the settings show to the inspector (as the logic's `config`): the script and the
 * limits, the environment's variable names with their values replaced.
 */
export function describeWorkerSettings(settings: WorkerSettings): Record<string, unknown> {
  return {
    id: settings.name,
    type: 'fromWorker',
    file: settings.location,
    readyOn: settings.readyOn,
    argv: settings.argv,
    execArgv: settings.execArgv,
    env: Object.fromEntries(
      Object.entries(settings.env).map(([key, value]) => [
        key,
        value === undefined ? null : '[redacted]',
      ]),
    ),
    resourceLimits: settings.resourceLimits,
  };
}
