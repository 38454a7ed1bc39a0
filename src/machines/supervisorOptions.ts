/**
 * Checking a supervisor's options and turning them into the settings of its runtime. Every
 * refusal is a `TypeError` that names the option, the value and what is allowed.
 */
import type { AnyActorLogic } from 'xstate';
import { acceptsShutdown, isActorLogic } from '../actors/shutdownAware.js';
import {
  checkId,
  checkKnownKeys,
  checkOneOf,
  invalidOption,
  isOptionObject,
  RESTART_TYPES,
  resolveRestartPolicy,
} from '../policy/options.js';
import type { RuntimeConfig } from '../runtime/types.js';
import { resolveReadiness } from './readinessOptions.js';
import {
  type ChildShutdown,
  IMMEDIATE_RESTARTS_BEFORE_YIELD,
  MAX_PENDING_MESSAGES,
  type SupervisorOptions,
} from './supervisorTypes.js';

/** The control events of the supervision layer: handled by the supervisor, never passed down as messages. */
const CONTROL_TYPES: ReadonlySet<string> = new Set(['shutdown', 'reload']);

/** A function option of `input` made from the supervisor's own input. */
function inputResolver(option: unknown): (ownerInput: unknown) => unknown {
  return typeof option === 'function'
    ? (input: unknown) => (option as (args: { input: unknown }) => unknown)({ input })
    : () => option;
}

/** The known keys of {@link SupervisorOptions}. */
const SUPERVISOR_OPTION_KEYS = [
  'id',
  'childId',
  'input',
  'backoff',
  'restart',
  'maxRestarts',
  'resetAfterMs',
  'shouldRestart',
  'shutdownTimeoutMs',
  'childShutdown',
  'random',
  'watchChild',
  'signalsReady',
  'readyTimeoutMs',
] as const;

/**
 * Checks `child` and `options` of `createSupervisor` and returns its runtime's settings.
 *
 * @example
 *
 * ```ts
 * const config = supervisorConfig(idle, { id: 'api', backoff: { initialMs: 100 } });
 * ```
 */
export function supervisorConfig(
  child: AnyActorLogic,
  options: SupervisorOptions<AnyActorLogic, unknown>,
): RuntimeConfig {
  const owner = 'createSupervisor';
  if (!isActorLogic(child)) {
    invalidOption(
      owner,
      'child',
      child,
      'XState actor logic (a machine or a from* creator result)',
    );
  }
  if (!isOptionObject(options as unknown)) {
    invalidOption(owner, 'options', options, 'an object');
  }
  checkKnownKeys(owner, 'options', options as Record<string, unknown>, SUPERVISOR_OPTION_KEYS);
  const id = checkId(owner, 'id', options.id, 'supervisor');
  const childId =
    options.childId === undefined ? undefined : checkId(owner, 'childId', options.childId, 'child');
  const restart = checkOneOf(owner, 'restart', options.restart ?? 'transient', RESTART_TYPES);
  const { backoff, maxRestarts, resetAfterMs, shutdownTimeoutMs, random } = resolveRestartPolicy(
    owner,
    options,
  );
  const childShutdown = checkOneOf<ChildShutdown>(
    owner,
    'childShutdown',
    options.childShutdown ?? 'auto',
    ['auto', 'graceful', 'immediate'],
  );
  const graceful =
    childShutdown === 'graceful' || (childShutdown === 'auto' && acceptsShutdown(child));
  const { shouldRestart } = options;
  const watchChild = options.watchChild ?? true;
  if (typeof watchChild !== 'boolean') {
    invalidOption(owner, 'watchChild', watchChild, 'true or false');
  }
  if (shouldRestart !== undefined && typeof shouldRestart !== 'function') {
    invalidOption(owner, 'shouldRestart', shouldRestart, 'a function (error, failures) => boolean');
  }

  const config: RuntimeConfig = {
    ownerId: id,
    mode: 'supervisor',
    strategy: 'one-for-one',
    backoff,
    maxRestarts,
    resetAfterMs,
    shutdownOrder: 'parallel',
    random,
    shouldRestart,
    controls: CONTROL_TYPES,
    maxPending: MAX_PENDING_MESSAGES,
    immediateBeforeYield: IMMEDIATE_RESTARTS_BEFORE_YIELD,
    watchChild,
    initial: [
      {
        id: childId,
        logic: child,
        input: options.input === undefined ? (own) => own : inputResolver(options.input),
        restart,
        shutdownTimeoutMs,
        graceful,
        ...resolveReadiness(owner, '', options, child),
        dependsOn: [],
      },
    ],
  };
  return config;
}
