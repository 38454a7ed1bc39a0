/**
 * The group model's settings: the options `createGroupModel` takes (a process group's, whose
 * children's logic it does not need, and what to explore), and their resolution into the
 * settings the model's step works by, with the group's own checks.
 */
import type { ProcessGroupOptions } from '../machines/group.js';
import { orderChildren } from '../machines/groupChildren.js';
import { resolveReadiness } from '../machines/readinessOptions.js';
import type { BackoffPolicy } from '../policy/backoff.js';
import {
  checkCount,
  checkDuration,
  checkOneOf,
  invalidOption,
  type MaxRestarts,
  RESTART_TYPES,
  type RestartType,
  resolveRestartPolicy,
} from '../policy/options.js';
import {
  GROUP_STRATEGIES,
  type GroupStrategy,
  SHUTDOWN_ORDERS,
  type ShutdownOrder,
  START_ORDERS,
} from '../policy/restart.js';

/** A child as the model needs it: the logic may be left out. */
export interface GroupModelChildOptions {
  id: string;
  restart?: RestartType;
  shutdownTimeoutMs?: number;
  signalsReady?: boolean;
  readyTimeoutMs?: number;
  dependsOn?: readonly string[];
}

/** The options of `createProcessGroup`, whose children's logic the model does not need. */
export type GroupModelGroupOptions = Omit<ProcessGroupOptions, 'children'> & {
  children?: ReadonlyArray<
    GroupModelChildOptions | NonNullable<ProcessGroupOptions['children']>[number]
  >;
};

/** What the model explores, beside the group's own options. */
export interface GroupModelOptions {
  /**
   * Runs of each child the model explores: a running child ends on its own only while it has
   * had fewer runs, or when its end leaves it out of the group (or gives up). Default:
   * `maxRestarts.count + 1` with a restart limit (enough to give up), else 2.
   */
  maxRuns?: number;
  /** Offer `<id>.reportsHealthy` (a child that has failed reports healthy). Default `true`. */
  healthy?: boolean;
  /** Offer `<id>.becomesReady` for the children with `signalsReady: true`. Default `true`. */
  becomesReady?: boolean;
  /** Let time pass a child's readiness deadline (a failure). Default `true`. */
  readyTimeouts?: boolean;
}

/** The resolved settings the group model works by. */
export interface GroupModelConfig {
  strategy: GroupStrategy;
  backoff: BackoffPolicy;
  maxRestarts: MaxRestarts | null;
  resetAfterMs: number | false;
  shutdownOrder: ShutdownOrder;
  children: ReadonlyArray<GroupModelChildConfig>;
  maxRuns: number;
  healthy: boolean;
  /** Offer `<id>.becomesReady` for the children that signal readiness. */
  becomesReady: boolean;
  /** Let time pass a child's readiness deadline. */
  readyTimeouts: boolean;
}

/** A child's settings in the group model. */
export interface GroupModelChildConfig {
  id: string;
  restart: RestartType;
  shutdownTimeoutMs: number;
  signalsReady: boolean;
  readyTimeoutMs: number;
  /** The children it waits for (with `startOrder: 'sequential'`, the one before it too). */
  dependsOn: readonly string[];
}

/** Resolves a group's options into the model's settings; throws for what it cannot model. */
export function resolveGroupModelConfig(
  options: GroupModelGroupOptions = {},
  modelOptions: GroupModelOptions = {},
): GroupModelConfig {
  const owner = 'createGroupModel';
  const strategy = checkOneOf(owner, 'strategy', options.strategy ?? 'fail-fast', GROUP_STRATEGIES);
  const { backoff, maxRestarts, resetAfterMs, shutdownTimeoutMs } = resolveRestartPolicy(
    owner,
    options,
  );
  if (backoff.jitter !== 'none') {
    invalidOption(
      owner,
      'backoff.jitter',
      backoff.jitter,
      '"none" (a model needs the delays exactly)',
    );
  }
  const shutdownOrder = checkOneOf(
    owner,
    'shutdownOrder',
    options.shutdownOrder ?? 'parallel',
    SHUTDOWN_ORDERS,
  );
  const seen = new Set<string>();
  const children = (options.children ?? []).map((given, index) => {
    const child = given as Partial<GroupModelChildOptions> & { transition?: unknown };
    const isLogic = typeof child.transition === 'function';
    const id = isLogic ? `child-${index}` : child.id;
    if (typeof id !== 'string' || id === '') {
      invalidOption(owner, `children[${index}].id`, id, 'a non-empty string');
    }
    if (seen.has(id)) invalidOption(owner, `children[${index}].id`, id, 'unique within the group');
    seen.add(id);
    const field = `children[${index}]`;
    const readiness = isLogic
      ? resolveReadiness(owner, field, {}, child)
      : resolveReadiness(owner, field, child, (child as { logic?: unknown }).logic ?? {});
    return {
      id,
      ...readiness,
      dependsOn: isLogic ? [] : [...(child.dependsOn ?? [])],
      restart: isLogic
        ? ('transient' as const)
        : checkOneOf(
            owner,
            `children[${index}].restart`,
            child.restart ?? 'transient',
            RESTART_TYPES,
          ),
      shutdownTimeoutMs: isLogic
        ? shutdownTimeoutMs
        : checkDuration(
            owner,
            `children[${index}].shutdownTimeoutMs`,
            child.shutdownTimeoutMs ?? shutdownTimeoutMs,
          ),
    };
  });
  const maxRuns = checkCount(
    owner,
    'maxRuns',
    modelOptions.maxRuns ?? (maxRestarts ? maxRestarts.count + 1 : 2),
  );
  if (maxRuns < 1) invalidOption(owner, 'maxRuns', maxRuns, 'at least 1');
  const startOrder = checkOneOf(
    owner,
    'startOrder',
    options.startOrder ?? 'together',
    START_ORDERS,
  );
  // The group's own check of the dependencies (unknown ids, cycles) and of the start order.
  const ordered = orderChildren(
    owner,
    children as unknown as Parameters<typeof orderChildren>[1],
    startOrder === 'sequential',
  ) as unknown as GroupModelChildConfig[];
  return {
    strategy,
    backoff,
    maxRestarts,
    resetAfterMs,
    shutdownOrder,
    children: ordered,
    maxRuns,
    healthy: modelOptions.healthy ?? true,
    becomesReady: modelOptions.becomesReady ?? true,
    readyTimeouts: modelOptions.readyTimeouts ?? true,
  };
}
