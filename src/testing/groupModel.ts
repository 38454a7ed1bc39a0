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
 *
 * The model's state and events are in `groupModelContext.ts`, its options and settings in
 * `groupModelConfig.ts`, its step in `groupStep.ts`.
 */
import {
  type GroupModelConfig,
  type GroupModelGroupOptions,
  type GroupModelOptions,
  resolveGroupModelConfig,
} from './groupModelConfig.js';
import {
  GROUP_PHASES,
  type GroupModelChild,
  type GroupModelContext,
  type GroupModelEvent,
  type GroupPhase,
  groupNextTimerMs,
  OUTCOMES,
} from './groupModelContext.js';
import { childEvent, groupStep, Step } from './groupStep.js';
import { type ModelSpec, modelMachine, registerModel } from './modelMachine.js';

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
