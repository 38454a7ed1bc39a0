/**
 * The options of `runMain`, and their check before anything starts: every key known, every
 * value usable.
 */
import type { Actor, ActorOptions, AnyActorLogic, SnapshotFrom } from 'xstate';
import { createLifecycleLogger, type LifecycleLoggerOptions } from '../observe.js';
import { checkKnownKeys, checkOptions, invalidOption, isOptionObject } from '../policy/options.js';
import type { LineWriter } from './fromChildProcess.js';
import type { HealthServerOptions } from './health.js';
import type { InspectorOptions } from './inspector.js';
import { resolveSignalMap, type SignalMap } from './signals.js';

/** Options of {@link runMain}. */
export interface RunMainOptions<TLogic extends AnyActorLogic>
  extends Pick<ActorOptions<TLogic>, 'input' | 'clock' | 'logger' | 'id' | 'systemId'> {
  /**
   * Streams the whole tree to the Stately inspector: `true` or {@link InspectorOptions}
   * (`{ port, open }`) start the relay server (needs the optional package
   * `@statelyai/inspect`); an inspection observer or function is passed to `createActor` as is.
   */
  inspect?: ActorOptions<TLogic>['inspect'] | true | InspectorOptions;
  /**
   * Serves `/livez`, `/readyz` and `/metrics` (Prometheus) for the tree while it runs. Default:
   * no server. See {@link startHealthServer}.
   */
  health?: HealthServerOptions;
  /**
   * How lifecycle events of the whole tree are logged. Default: one readable line per event on
   * `stderr`. `false` logs nothing. See {@link createLifecycleLogger}.
   */
  log?: LifecycleLoggerOptions | false;
  /**
   * Which signals to listen for and what each becomes. Default {@link DEFAULT_SIGNALS}:
   * SIGINT, SIGTERM, SIGQUIT → `shutdown`, SIGHUP → `reload`. A shutdown signal that arrives
   * while a shutdown is already under way stops the tree at once.
   */
  signals?: SignalMap;
  /** Called with every snapshot of the root actor. */
  onSnapshot?: (snapshot: SnapshotFrom<TLogic>) => void;
  /**
   * Called with the root actor before it starts: the place to subscribe to its emitted
   * lifecycle events (`actor.on('*', …)`), which would be missed after the start.
   */
  onStart?: (actor: Actor<TLogic>) => void;
  /** Where signal notices and the failure report are written. Default `process.stderr`. */
  stderr?: LineWriter;
  /** The name used in those lines. Default the root actor's `id`, or `'main'`. */
  name?: string;
}

/** The keys of {@link RunMainOptions}. */
const RUN_MAIN_OPTION_KEYS = [
  'input',
  'clock',
  'logger',
  'id',
  'systemId',
  'inspect',
  'health',
  'log',
  'signals',
  'onSnapshot',
  'onStart',
  'stderr',
  'name',
] as const;

const isFunction = (value: unknown): boolean => typeof value === 'function';

/** Whether a value is an inspection observer (or function) rather than inspector options. */
function isObserver(value: unknown): boolean {
  return (
    typeof value === 'function' ||
    (isOptionObject(value) && ['next', 'error', 'complete'].some((key) => isFunction(value[key])))
  );
}

/**
 * Checks the options of {@link runMain} before anything starts: every key known, every value
 * usable. Throws a `TypeError` naming the option, the value and what is allowed.
 */
export function checkRunMainOptions(options: unknown): void {
  const owner = 'runMain';
  const given = checkOptions(owner, 'options', options, RUN_MAIN_OPTION_KEYS);
  const { onSnapshot, onStart, stderr, name, clock, logger, id, systemId, inspect, health, log } =
    given;
  if (given.signals !== undefined) resolveSignalMap(owner, 'signals', given.signals);
  if (onSnapshot !== undefined && !isFunction(onSnapshot)) {
    invalidOption(owner, 'onSnapshot', onSnapshot, 'a function (snapshot) => void');
  }
  if (onStart !== undefined && !isFunction(onStart)) {
    invalidOption(owner, 'onStart', onStart, 'a function (actor) => void');
  }
  if (stderr !== undefined && (!isOptionObject(stderr) || !isFunction(stderr.write))) {
    invalidOption(owner, 'stderr', stderr, 'an object with a write(text) method');
  }
  if (name !== undefined && (typeof name !== 'string' || name === '')) {
    invalidOption(owner, 'name', name, 'a non-empty string');
  }
  if (
    clock !== undefined &&
    (!isOptionObject(clock) || !isFunction(clock.setTimeout) || !isFunction(clock.clearTimeout))
  ) {
    invalidOption(
      owner,
      'clock',
      clock,
      'a clock with setTimeout and clearTimeout methods (such as new SimulatedClock())',
    );
  }
  if (logger !== undefined && !isFunction(logger)) {
    invalidOption(owner, 'logger', logger, 'a function (...args) => void, like console.log');
  }
  for (const [field, value] of [
    ['id', id],
    ['systemId', systemId],
  ] as const) {
    if (value !== undefined && (typeof value !== 'string' || value === '')) {
      invalidOption(owner, field, value, 'a non-empty string');
    }
  }
  if (inspect !== undefined && inspect !== true && inspect !== false && !isObserver(inspect)) {
    if (!isOptionObject(inspect)) {
      invalidOption(
        owner,
        'inspect',
        inspect,
        'true, false, an inspection observer or function, or inspector options { port, host, open, url }',
      );
    }
    checkKnownKeys(owner, 'inspect', inspect, ['port', 'host', 'open', 'url']);
  }
  if (health !== undefined) checkOptions(owner, 'health', health, ['port', 'host']);
  if (log !== undefined && log !== false) {
    if (!isOptionObject(log)) {
      invalidOption(owner, 'log', log, 'false or logger options ({ format, stream, silent, now })');
    }
    checkKnownKeys(owner, 'log', log, ['format', 'stream', 'silent', 'now']);
    try {
      createLifecycleLogger(log as LifecycleLoggerOptions);
    } catch (error) {
      // The logger's own check, told as an option of runMain.
      throw new TypeError(
        (error as Error).message
          .replace(/^createLifecycleLogger: /, `${owner}: `)
          .replace(/option "/, 'option "log.'),
      );
    }
  }
}
