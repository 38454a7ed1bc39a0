/**
 * `createGroupModel`: what a process group is expected to do, as a machine `xstate/graph` can
 * walk.
 *
 * The model is built from the same options as `createProcessGroup` (the children's logic is not
 * needed) and states the group's behaviour with no invoke and no delay. Its events are what can
 * happen to a group: each child fails, completes or reports healthy (`<id>.fails`,
 * `<id>.completes`, `<id>.reportsHealthy`), `shutdown`, `forceShutdown`, `reload`, a `message`,
 * and time passing (`{ type: 'advance', ms? }`: up to the next timer of the group, or by `ms`). Its context holds what each child is doing, the restart
 * rounds of `'one-for-all'` and `'rest-for-one'`, the restart window, and the shutdown report so
 * far, so `getShortestPaths` reaches every strategy's rounds, `failed`, and every outcome.
 * `replayGroupPath` checks each path on the real group.
 *
 * It models children that handle `shutdown` (as `createTestChild` children do): each is asked to
 * stop and given its grace period.
 *
 * Readiness and start order, as the group's options say: a child with `signalsReady: true`
 * starts not ready and is made ready by `<id>.becomesReady`; time that passes its
 * `readyTimeoutMs` fails it like any failure. A child whose `dependsOn` (or, with
 * `startOrder: 'sequential'`, the child before it) is not running and ready is `'waiting'`, not
 * started, and starts once they are; restarts take the same path.
 */
import type { GroupStopReason, ProcessGroupOptions } from '../machines/group.js';
import { orderChildren } from '../machines/groupChildren.js';
import { resolveReadiness } from '../machines/readinessOptions.js';
import {
  checkCount,
  checkDuration,
  checkOneOf,
  invalidOption,
  RESTART_TYPES,
  type RestartType,
  resolveRestartPolicy,
} from '../policy/options.js';
import { GROUP_STRATEGIES, SHUTDOWN_ORDERS } from '../policy/restart.js';
import {
  childEvent,
  type GroupModelChildConfig,
  type GroupModelConfig,
  groupNextTimerMs,
  groupStep,
  OUTCOMES,
  Step,
} from './groupStep.js';
import { type ModelSpec, modelMachine, registerModel } from './modelMachine.js';

export { type GroupModelChildConfig, type GroupModelConfig, groupNextTimerMs, groupStep };

/** The group's phases as the model names them. */
export type GroupPhase =
  | 'running.active'
  | 'running.stopping'
  | 'running.failing'
  | 'stopped'
  | 'failed';

/** The phases of the group model, the initial one first. */
export const GROUP_PHASES: readonly GroupPhase[] = [
  'running.active',
  'running.stopping',
  'running.failing',
  'stopped',
  'failed',
];

/**
 * What a child of the modelled group is doing; `'waiting'` while a child it depends on is not
 * ready (not started); `'gone'` once it has left the group.
 */
export type GroupModelChildStatus = 'running' | 'stopping' | 'backingOff' | 'waiting' | 'gone';

/** One child in the group model's context. */
export interface GroupModelChild {
  id: string;
  status: GroupModelChildStatus;
  /** Why it is stopping: for a restart round, or because the group drains. */
  purpose: 'restart' | 'drain' | null;
  /** Its failure count, as its backoff counts it. */
  failures: number;
  /** Runs started so far. */
  runs: number;
  /** Ms left of its grace period, while stopping. */
  graceMs: number | null;
  /** Ms left until a stable run resets its failure count. */
  stableMs: number | null;
  /** The restart round it belongs to (the id of the child whose end started it). */
  round: string | null;
  /** Its run counts as ready (a running child that does not signal readiness is). */
  ready: boolean;
  /** Ms left until its run, not ready yet, fails (with `signalsReady`). */
  readyMs: number | null;
  /** While `'waiting'`: the start it waits for is a restart. */
  waitRestart: boolean;
}

/** Children stopped together to start again together (one round of a strategy). */
export interface GroupModelRound {
  /** The id of the child whose failure (or completion) started the round. */
  id: string;
  members: string[];
  /** Members still stopping; the backoff starts once none is. */
  pending: number;
  delayMs: number;
  /** Ms left of the backoff, once it has started. */
  leftMs: number | null;
}

/** The group model's context. */
export interface GroupModelContext {
  phase: GroupPhase;
  /** The children, in start order. */
  children: GroupModelChild[];
  rounds: GroupModelRound[];
  /** For each restart still inside the `maxRestarts` window, the ms until it leaves it. */
  windowMs: number[];
  /** Children to stop one by one, last first (`shutdownOrder: 'reverse'`). */
  stopQueue: string[];
  /** Children started again, as the group's `context.restarts`. */
  restarts: number;
  /** Child failures while active, as the group's `context.failures`. */
  failures: number;
  /** The shutdown report so far. */
  stopped: string[];
  forced: string[];
  /** Why the group stopped, once `stopped`. */
  reason: GroupStopReason | null;
  /** Why and for whom the group gives up. */
  gaveUp: { reason: 'child-failed' | 'max-restarts'; childId: string } | null;
}

/** Events of the group model. `<id>` is a child's id. */
export type GroupModelEvent =
  | { type: `${string}.fails` }
  | { type: `${string}.completes` }
  /** The child sends its group `{ type: 'supervisor.healthy' }`: its failure count resets. */
  | { type: `${string}.reportsHealthy` }
  /** The child sends its group `{ type: 'supervisor.ready' }` (with `signalsReady`). */
  | { type: `${string}.becomesReady` }
  | { type: 'advance'; ms?: number }
  | { type: 'shutdown' }
  | { type: 'forceShutdown' }
  | { type: 'reload' }
  | { type: 'message' };

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

function accepts(cfg: GroupModelConfig, phase: GroupPhase): GroupModelEvent['type'][] {
  if (OUTCOMES.includes(phase)) return [];
  return [
    ...cfg.children.flatMap((child) => [
      `${child.id}.fails` as const,
      `${child.id}.completes` as const,
      ...(cfg.healthy ? [`${child.id}.reportsHealthy` as const] : []),
      ...(cfg.becomesReady && child.signalsReady ? [`${child.id}.becomesReady` as const] : []),
    ]),
    'advance',
    'shutdown',
    'forceShutdown',
    'reload',
    'message',
  ];
}

function allowed(cfg: GroupModelConfig, c: GroupModelContext, event: GroupModelEvent): boolean {
  if (!accepts(cfg, c.phase).includes(event.type)) return false;
  if (event.type === 'advance') {
    const ms = (event as { ms?: number }).ms ?? groupNextTimerMs(c);
    if (ms === undefined) return false;
    // Time that passes readiness deadlines ends those runs, as failures would.
    const timedOut = c.children.filter(
      (child) => child.status === 'running' && child.readyMs !== null && ms >= child.readyMs,
    );
    if (timedOut.length === 0 || c.phase !== 'running.active') return true;
    if (!cfg.readyTimeouts) return false;
    const next = groupStep(cfg, c, event);
    return timedOut.every((child) => endsWithinRuns(cfg, child, () => next));
  }
  const parsed = childEvent(cfg, event.type);
  if (!parsed) return true;
  const child = c.children.find((ch) => ch.id === parsed.id)!;
  // A healthy report changes something only for a running child that has failed.
  if (parsed.what === 'reportsHealthy') return child.status === 'running' && child.failures > 0;
  if (parsed.what === 'becomesReady') {
    return c.phase === 'running.active' && child.status === 'running' && !child.ready;
  }
  if (child.status === 'stopping') return true;
  if (child.status !== 'running') return false;
  return endsWithinRuns(cfg, child, () => groupStep(cfg, c, event));
}

/**
 * Within the runs explored, a running child ends on its own only while it has had fewer runs,
 * or when its end leaves it out of the group.
 */
function endsWithinRuns(
  cfg: GroupModelConfig,
  child: GroupModelChild,
  next: () => GroupModelContext,
): boolean {
  if (child.runs < cfg.maxRuns) return true;
  return next().children.find((ch) => ch.id === child.id)?.status === 'gone';
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
  const startOrder = checkOneOf(owner, 'startOrder', options.startOrder ?? 'together', [
    'together',
    'sequential',
  ] as const);
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

/** The group model's spec: its phases, events and step, for the kit's replay and paths. */
export function groupModelSpec(
  cfg: GroupModelConfig,
): ModelSpec<GroupModelContext, GroupModelEvent> {
  const initial: GroupModelContext = {
    phase: cfg.children.length === 0 ? 'stopped' : 'running.active',
    // Not started yet: each is launched below, in order.
    children: cfg.children.map((child) => ({
      id: child.id,
      status: 'running',
      purpose: null,
      failures: 0,
      runs: 0,
      graceMs: null,
      stableMs: null,
      round: null,
      ready: false,
      readyMs: null,
      waitRestart: false,
    })),
    rounds: [],
    windowMs: [],
    stopQueue: [],
    restarts: 0,
    failures: 0,
    stopped: [],
    forced: [],
    reason: cfg.children.length === 0 ? 'completed' : null,
    gaveUp: null,
  };
  // The children start in order; one whose dependencies are not ready yet waits.
  const start = new Step(cfg, initial);
  for (const child of initial.children) start.launch(child, false);
  return {
    id: 'groupModel',
    phases: GROUP_PHASES,
    outcomes: OUTCOMES,
    initial,
    accepts: (phase) => accepts(cfg, phase),
    allowed: (c, event) => allowed(cfg, c, event),
    step: (c, event) => groupStep(cfg, c, event),
    events: (c) =>
      accepts(cfg, c.phase)
        .map(
          (type): GroupModelEvent =>
            type === 'advance' ? { type, ms: groupNextTimerMs(c) ?? 0 } : { type },
        )
        .filter((event) => allowed(cfg, c, event)),
  };
}

/**
 * Creates a model of the group that `createProcessGroup(options)` makes: a machine without
 * invoke or delays, for `xstate/graph`, whose paths {@link replayGroupPath} checks on the real
 * group. The children's `logic` may be left out of `options`.
 *
 * States: `running` (`active`, `stopping`, `failing`), `stopped` and `failed`, as the group's;
 * the context ({@link GroupModelContext}) holds each child's status and the strategy's rounds.
 * Events: {@link GroupModelEvent}.
 *
 * @param options - The options given to `createProcessGroup` (the children's logic is not read).
 * @param modelOptions - What to explore: {@link GroupModelOptions}.
 *
 * @example
 *
 * ```ts
 * import { getShortestPaths } from 'xstate/graph';
 * import { createGroupModel } from 'xstate-supervisor/testing';
 *
 * const model = createGroupModel({
 *   strategy: 'one-for-all',
 *   backoff: { initialMs: 100 },
 *   children: [{ id: 'db' }, { id: 'api' }],
 * });
 * // A path where the db fails and the api is stopped for the round:
 * getShortestPaths(model).find((path) =>
 *   path.state.context.children.every((child) => child.round === 'db'),
 * );
 * ```
 */
export function createGroupModel(
  options: GroupModelGroupOptions = {},
  modelOptions: GroupModelOptions = {},
) {
  const spec = groupModelSpec(resolveGroupModelConfig(options, modelOptions));
  const machine = modelMachine(spec);
  registerModel(machine, spec);
  return machine;
}

/** The machine type returned by {@link createGroupModel}. */
export type GroupModel = ReturnType<typeof createGroupModel>;
