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
 */
import type { GroupStopReason, ProcessGroupOptions } from '../machines/group.js';
import { type BackoffPolicy, backoffDelay } from '../policy/backoff.js';
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
} from '../policy/restart.js';
import { type ModelSpec, modelMachine, registerModel } from './modelMachine.js';

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

/** What a child of the modelled group is doing; `'gone'` once it has left the group. */
export type GroupModelChildStatus = 'running' | 'stopping' | 'backingOff' | 'gone';

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
}

/** The resolved settings the group model works by. */
export interface GroupModelConfig {
  strategy: GroupStrategy;
  backoff: BackoffPolicy;
  maxRestarts: MaxRestarts | null;
  resetAfterMs: number | false;
  shutdownOrder: ShutdownOrder;
  children: ReadonlyArray<{ id: string; restart: RestartType; shutdownTimeoutMs: number }>;
  maxRuns: number;
  healthy: boolean;
}

const OUTCOMES: readonly GroupPhase[] = ['stopped', 'failed'];

/**
 * The ms until the group's next timer in a model state (a grace period, a round's backoff, a
 * stable-run reset, a restart leaving the window), or `undefined` when none is pending.
 *
 * @example
 *
 * ```ts
 * groupNextTimerMs(path.state.context); // 500 while a child is stopping with a 500 ms grace period
 * ```
 */
export function groupNextTimerMs(c: GroupModelContext): number | undefined {
  const all: number[] = [...c.windowMs];
  for (const child of c.children) {
    if (child.graceMs !== null) all.push(child.graceMs);
    if (child.stableMs !== null) all.push(child.stableMs);
  }
  for (const round of c.rounds) if (round.leftMs !== null) all.push(round.leftMs);
  return all.length === 0 ? undefined : Math.min(...all);
}

const clone = (c: GroupModelContext): GroupModelContext => structuredClone(c);

/** Parses a child event type (`a.fails`), for the ids of this group. */
function childEvent(
  cfg: GroupModelConfig,
  type: string,
): { id: string; what: 'fails' | 'completes' | 'reportsHealthy' } | undefined {
  for (const what of ['fails', 'completes', 'reportsHealthy'] as const) {
    if (!type.endsWith(`.${what}`)) continue;
    const id = type.slice(0, -what.length - 1);
    if (cfg.children.some((child) => child.id === id)) return { id, what };
  }
  return undefined;
}

/** The group-model step, mutating `c` (a fresh copy). */
class Step {
  constructor(
    readonly cfg: GroupModelConfig,
    readonly c: GroupModelContext,
  ) {}

  child(id: string): GroupModelChild {
    return this.c.children.find((child) => child.id === id)!;
  }

  specOf(id: string) {
    return this.cfg.children.find((child) => child.id === id)!;
  }

  get draining() {
    return this.c.phase === 'running.stopping' || this.c.phase === 'running.failing';
  }

  gone(child: GroupModelChild) {
    Object.assign(child, {
      status: 'gone',
      purpose: null,
      graceMs: null,
      stableMs: null,
      round: null,
    });
  }

  stopForDrain(child: GroupModelChild) {
    child.status = 'stopping';
    child.purpose = 'drain';
    child.stableMs = null;
    child.graceMs = this.specOf(child.id).shutdownTimeoutMs;
  }

  /** The group ends once no child is left while draining; an active group completes. */
  finishIfEmpty() {
    const { c } = this;
    if (c.children.some((child) => child.status !== 'gone') || c.stopQueue.length > 0) return;
    if (c.phase === 'running.active') {
      c.phase = 'stopped';
      c.reason = 'completed';
    } else if (c.phase === 'running.stopping') {
      c.phase = 'stopped';
      c.reason = c.forced.length > 0 ? 'forced' : 'shutdown';
    } else if (c.phase === 'running.failing') c.phase = 'failed';
  }

  continueDrain() {
    const { c } = this;
    if (!this.draining) return;
    while (!c.children.some((child) => child.status === 'stopping') && c.stopQueue.length > 0) {
      const child = this.child(c.stopQueue.pop()!);
      if (child.status === 'running') this.stopForDrain(child);
    }
    this.finishIfEmpty();
  }

  drain(phase: 'running.stopping' | 'running.failing') {
    const { c } = this;
    c.phase = phase;
    c.rounds = [];
    const running: GroupModelChild[] = [];
    for (const child of c.children) {
      child.round = null;
      if (child.status === 'backingOff') {
        c.stopped.push(child.id);
        this.gone(child);
      } else if (child.status === 'stopping') child.purpose = 'drain';
      else if (child.status === 'running') running.push(child);
    }
    if (this.cfg.shutdownOrder === 'reverse') c.stopQueue = running.map((child) => child.id);
    else for (const child of running) this.stopForDrain(child);
    this.continueDrain();
  }

  force() {
    const { c } = this;
    const order = [...c.stopQueue, ...c.children.map((child) => child.id)];
    c.stopQueue = [];
    for (const id of order) {
      const child = this.child(id);
      if (child.status === 'gone') continue;
      c.forced.push(id);
      this.gone(child);
    }
    this.continueDrain();
  }

  giveUp(reason: 'child-failed' | 'max-restarts', childId: string) {
    this.c.gaveUp = { reason, childId };
    this.drain('running.failing');
  }

  scheduleIfReady(round: GroupModelRound) {
    if (round.pending === 0 && round.leftMs === null) round.leftMs = round.delayMs;
  }

  leaveRound(child: GroupModelChild, wasStopping: boolean) {
    const round = this.c.rounds.find((r) => r.id === child.round);
    child.round = null;
    if (!round) return;
    round.members = round.members.filter((id) => id !== child.id);
    if (wasStopping) round.pending--;
    if (round.members.length === 0) this.c.rounds = this.c.rounds.filter((r) => r !== round);
    else if (wasStopping) this.scheduleIfReady(round);
  }

  /** A child asked to stop has ended (on its own, or forced after its grace period). */
  stoppedChild(child: GroupModelChild, forced: boolean) {
    child.graceMs = null;
    if (child.purpose === 'drain') {
      (forced ? this.c.forced : this.c.stopped).push(child.id);
      this.gone(child);
      this.continueDrain();
      return;
    }
    if (this.specOf(child.id).restart === 'temporary') {
      this.leaveRound(child, true);
      this.gone(child);
      this.finishIfEmpty();
      return;
    }
    child.status = 'backingOff';
    child.purpose = null;
    const round = this.c.rounds.find((r) => r.id === child.round);
    if (round) {
      round.pending--;
      this.scheduleIfReady(round);
    }
  }

  /** A running child has ended on its own. */
  exited(child: GroupModelChild, failed: boolean) {
    const { c, cfg } = this;
    if (this.draining) {
      if (c.phase === 'running.stopping') c.stopped.push(child.id);
      this.gone(child);
      c.stopQueue = c.stopQueue.filter((id) => id !== child.id);
      this.continueDrain();
      return;
    }
    if (failed) {
      child.failures++;
      c.failures++;
    }
    if (failed && cfg.strategy === 'fail-fast') {
      this.gone(child);
      this.giveUp('child-failed', child.id);
      return;
    }
    const { restart } = this.specOf(child.id);
    if (!(restart === 'permanent' || (failed && restart === 'transient'))) {
      this.gone(child);
      this.finishIfEmpty();
      return;
    }
    if (cfg.maxRestarts) {
      if (c.windowMs.length >= cfg.maxRestarts.count) {
        this.gone(child);
        this.giveUp('max-restarts', child.id);
        return;
      }
      c.windowMs.push(cfg.maxRestarts.withinMs);
      c.windowMs.sort((a, b) => a - b);
    }
    if (!failed) child.failures++;
    const delayMs = backoffDelay(cfg.backoff, child.failures);
    child.status = 'backingOff';
    child.stableMs = null;
    let affected: GroupModelChild[] = [child];
    if (cfg.strategy === 'one-for-all' || cfg.strategy === 'rest-for-one') {
      const from = cfg.strategy === 'one-for-all' ? 0 : c.children.indexOf(child);
      affected = c.children
        .slice(from)
        .filter((other) => other === child || (other.round === null && other.status === 'running'));
    }
    const round: GroupModelRound = {
      id: child.id,
      members: affected.map((member) => member.id),
      pending: 0,
      delayMs,
      leftMs: null,
    };
    c.rounds.push(round);
    for (const member of affected) {
      member.round = round.id;
      if (member === child) continue;
      member.status = 'stopping';
      member.purpose = 'restart';
      member.stableMs = null;
      member.graceMs = this.specOf(member.id).shutdownTimeoutMs;
      round.pending++;
    }
    this.scheduleIfReady(round);
  }

  restartRound(round: GroupModelRound) {
    const { c, cfg } = this;
    c.rounds = c.rounds.filter((r) => r !== round);
    if (this.draining) return;
    for (const id of round.members) {
      const child = this.child(id);
      if (child.round !== round.id || child.status === 'gone') continue;
      child.status = 'running';
      child.round = null;
      child.purpose = null;
      child.runs++;
      c.restarts++;
      child.stableMs = cfg.resetAfterMs !== false && child.failures > 0 ? cfg.resetAfterMs : null;
    }
  }

  advance(ms: number) {
    const { c } = this;
    let left = ms;
    for (;;) {
      if (OUTCOMES.includes(c.phase)) return;
      const due = groupNextTimerMs(c);
      const elapse = due === undefined || due > left ? left : due;
      const minus = (value: number | null) => (value === null ? null : value - elapse);
      c.windowMs = c.windowMs.map((w) => w - elapse).filter((w) => w > 0);
      for (const child of c.children) {
        child.graceMs = minus(child.graceMs);
        child.stableMs = minus(child.stableMs);
      }
      for (const round of c.rounds) round.leftMs = minus(round.leftMs);
      left -= elapse;
      if (due === undefined || due > elapse) return;
      for (const child of c.children) {
        if (child.stableMs === 0) {
          child.stableMs = null;
          child.failures = 0;
        }
      }
      for (const child of c.children) {
        if (child.graceMs === 0 && child.status === 'stopping') this.stoppedChild(child, true);
      }
      for (const round of [...c.rounds]) if (round.leftMs === 0) this.restartRound(round);
    }
  }
}

/** The group's expected next step: the model's whole behaviour. */
export function groupStep(
  cfg: GroupModelConfig,
  context: GroupModelContext,
  event: GroupModelEvent,
): GroupModelContext {
  if (OUTCOMES.includes(context.phase)) return context;
  const c = clone(context);
  const step = new Step(cfg, c);
  const active = c.phase === 'running.active';
  switch (event.type) {
    case 'advance':
      step.advance((event as { ms?: number }).ms ?? groupNextTimerMs(context) ?? 0);
      return c;
    case 'shutdown':
      if (!active) return context;
      step.drain('running.stopping');
      return c;
    case 'forceShutdown':
      if (active) step.drain('running.stopping');
      step.force();
      return c;
    case 'reload':
    case 'message':
      return context;
    default: {
      const parsed = childEvent(cfg, event.type);
      if (!parsed) return context;
      const child = step.child(parsed.id);
      if (parsed.what === 'reportsHealthy') {
        if (child.status !== 'running') return context;
        child.failures = 0;
        child.stableMs = null;
      } else if (child.status === 'stopping') step.stoppedChild(child, false);
      else if (child.status === 'running') step.exited(child, parsed.what === 'fails');
      else return context;
      return c;
    }
  }
}

function accepts(cfg: GroupModelConfig, phase: GroupPhase): GroupModelEvent['type'][] {
  if (OUTCOMES.includes(phase)) return [];
  return [
    ...cfg.children.flatMap((child) => [
      `${child.id}.fails` as const,
      `${child.id}.completes` as const,
      ...(cfg.healthy ? [`${child.id}.reportsHealthy` as const] : []),
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
    return (event as { ms?: number }).ms !== undefined || groupNextTimerMs(c) !== undefined;
  }
  const parsed = childEvent(cfg, event.type);
  if (!parsed) return true;
  const child = c.children.find((ch) => ch.id === parsed.id)!;
  // A healthy report changes something only for a running child that has failed.
  if (parsed.what === 'reportsHealthy') return child.status === 'running' && child.failures > 0;
  if (child.status === 'stopping') return true;
  if (child.status !== 'running') return false;
  if (child.runs < cfg.maxRuns) return true;
  // Its last explored run: it may end only when that leaves it out of the group.
  const next = groupStep(cfg, c, event);
  return next.children.find((ch) => ch.id === parsed.id)?.status === 'gone';
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
    return {
      id,
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
  return {
    strategy,
    backoff,
    maxRestarts,
    resetAfterMs,
    shutdownOrder,
    children,
    maxRuns,
    healthy: modelOptions.healthy ?? true,
  };
}

/** The group model's spec: its phases, events and step, for the kit's replay and paths. */
export function groupModelSpec(
  cfg: GroupModelConfig,
): ModelSpec<GroupModelContext, GroupModelEvent> {
  const initial: GroupModelContext = {
    phase: cfg.children.length === 0 ? 'stopped' : 'running.active',
    children: cfg.children.map((child) => ({
      id: child.id,
      status: 'running',
      purpose: null,
      failures: 0,
      runs: 1,
      graceMs: null,
      stableMs: null,
      round: null,
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
