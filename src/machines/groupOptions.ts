/**
 * Checking a group's options and turning them into the settings of its runtime, and checking
 * the requests it takes while running (`add`, `remove`, `restartChildren`). Every refusal names
 * the option or field, the value and what is allowed.
 */
import type { AnyEventObject } from 'xstate';
import { isActorLogic } from '../actors/shutdownAware.js';
import {
  checkId,
  checkKnownKeys,
  checkOneOf,
  describe,
  invalidOption,
  isOptionObject,
  resolveRestartPolicy,
} from '../policy/options.js';
import { GROUP_STRATEGIES, SHUTDOWN_ORDERS, START_ORDERS } from '../policy/restart.js';
import { GROUP_RUNTIME } from '../runtime/groupRuntime.js';
import type { ChildSpec, RuntimeConfig } from '../runtime/types.js';
import { orderChildren, resolveChild } from './groupChildren.js';
import type { ProcessGroupOptions } from './groupTypes.js';
import { MAX_PENDING_MESSAGES } from './supervisorTypes.js';

/** The control events a group's child may send up that the group handles itself. */
const GROUP_CONTROLS: ReadonlySet<string> = new Set([
  'shutdown',
  'reload',
  'add',
  'remove',
  'restartChildren',
]);
const GROUP_OPTION_KEYS = [
  'id',
  'children',
  'startOrder',
  'strategy',
  'backoff',
  'maxRestarts',
  'resetAfterMs',
  'shutdownTimeoutMs',
  'shutdownOrder',
  'random',
] as const;

/**
 * Checks the options of `createProcessGroup` and returns its runtime's settings, and the
 * default grace period (for children added later).
 *
 * @example
 *
 * ```ts
 * const { config } = groupConfig({ id: 'app', children: [{ id: 'db', logic: idle }] }, undefined);
 * ```
 */
export function groupConfig(
  options: ProcessGroupOptions,
  applyReport: RuntimeConfig['applyReport'],
): { config: RuntimeConfig; shutdownTimeoutMs: number } {
  const owner = 'createProcessGroup';
  if (!isOptionObject(options as unknown)) invalidOption(owner, 'options', options, 'an object');
  checkKnownKeys(owner, 'options', options as Record<string, unknown>, GROUP_OPTION_KEYS);
  const id = checkId(owner, 'id', options.id, 'group');
  const strategy = checkOneOf(owner, 'strategy', options.strategy ?? 'fail-fast', GROUP_STRATEGIES);
  const { backoff, maxRestarts, resetAfterMs, shutdownTimeoutMs, random } = resolveRestartPolicy(
    owner,
    options,
  );
  const shutdownOrder = checkOneOf(
    owner,
    'shutdownOrder',
    options.shutdownOrder ?? 'parallel',
    SHUTDOWN_ORDERS,
  );
  const given = options.children ?? [];
  if (!Array.isArray(given)) invalidOption(owner, 'children', given, 'an array of children');
  const specs: ChildSpec[] = [];
  const seen = new Set<string>();
  given.forEach((child, index) => {
    const spec = resolveChild(owner, `children[${index}]`, child, index, shutdownTimeoutMs);
    if (seen.has(spec.id)) {
      invalidOption(
        owner,
        `children[${index}].id`,
        spec.id,
        'unique within the group (it is used twice)',
      );
    }
    seen.add(spec.id);
    specs.push(spec);
  });
  const startOrder = checkOneOf(
    owner,
    'startOrder',
    options.startOrder ?? 'together',
    START_ORDERS,
  );
  const ordered = orderChildren(
    owner,
    specs as (ChildSpec & { id: string })[],
    startOrder === 'sequential',
  );

  const config: RuntimeConfig = {
    ownerId: id,
    mode: 'group',
    strategy,
    backoff,
    maxRestarts,
    resetAfterMs,
    shutdownOrder,
    random,
    controls: GROUP_CONTROLS,
    maxPending: MAX_PENDING_MESSAGES,
    immediateBeforeYield: Number.POSITIVE_INFINITY,
    initial: ordered,
    watchChild: false,
    applyReport,
    group: GROUP_RUNTIME,
  };
  return { config, shutdownTimeoutMs };
}

/** Checks a `restartChildren` event's shape; returns the reason to refuse it, or null. */
function restartProblem(event: AnyEventObject): string | null {
  const { ids, rolling } = event;
  if (
    ids !== undefined &&
    (!Array.isArray(ids) || ids.some((one) => typeof one !== 'string' || one === ''))
  ) {
    return `"restartChildren" needs "ids" as an array of child ids (or none for all); got ${describe(ids)}`;
  }
  if (rolling !== undefined && typeof rolling !== 'boolean') {
    return `"restartChildren" needs "rolling" as true or false; got ${describe(rolling)}`;
  }
  return null;
}

/** Checks an `add`, `remove` or `restartChildren` event; returns the reason to refuse it, or null. */
export function requestProblemOf(event: AnyEventObject, shutdownTimeoutMs: number): string | null {
  if (event.type === 'restartChildren') return restartProblem(event);
  if (event.type === 'remove') {
    return typeof event.id === 'string' && event.id !== ''
      ? null
      : `"remove" needs an "id" that is a non-empty string; got ${describe(event.id)}`;
  }
  try {
    resolveChild('add', 'child', event.child, 0, shutdownTimeoutMs);
    if (isActorLogic(event.child))
      return '"add" needs { id, logic }; got bare actor logic without an id';
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}
