/**
 * A supervisor or group is one actor: its machine, with the supervision runtime inside.
 *
 * {@link embedRuntime} wraps a machine (in place, so `matches`, `provide`, the inspector and
 * `xstate/graph` see an ordinary machine) so that its actor also holds the runtime that
 * creates, stops, restarts and relays for its children. One XState step of the actor:
 *
 * 1. the event is read once: the runtime's own posted event (recognised by identity, see
 *    `timers.ts`), a stranger's event of a reserved type (dropped and counted), or an event for
 *    the machine (an `xstate.*` one only when real);
 * 2. the machine takes it; its actions queue commands for the runtime;
 * 3. the commands are carried out, and what the runtime decides and reports is handed to the
 *    machine, until both are quiet;
 * 4. the snapshot shows the current run (a supervisor's `snapshot.children[id]`) and, when the
 *    child's snapshot changed, is a new object, so observers of the owner see the child change.
 *
 * A failure anywhere in a step stops every child first: nothing outlives its supervisor.
 */
import type { AnyActorRef, AnyEventObject, AnyStateMachine, EventObject } from 'xstate';
import { guardActor, stopActor } from '../actors/guard.js';
import { stopOrphans } from '../actors/orphans.js';
import { YIELDED } from '../actors/yieldToEventLoop.js';
import { guardListeners, isReal } from '../machines/harden.js';
import { startDrain } from './drain.js';
import {
  DONE_PREFIX,
  ERROR_PREFIX,
  HOST_EVENT_PREFIX,
  HOST_REJECTED,
  HOST_REPORT,
} from './events.js';
import { handleCommand, handleOwn } from './handle.js';
import { drop } from './messages.js';
import { runOwner } from './owners.js';
import {
  isDraining,
  persistWithRuntime,
  restoreRuntime,
  restoreWithRuntime,
  takeRestoring,
} from './persist.js';
import { recordSnapshot, runtimeOf, setRuntime } from './reach.js';
import { beginDelivery, checkEmpty, endDelivery, flush, NOTHING } from './report.js';
import { dropId, newSlot, startInitial, stopAll } from './runs.js';
import { post, takeOwn } from './timers.js';
import { type Runtime, type RuntimeConfig, zeroCounts } from './types.js';

interface MachineSnapshot {
  status: string;
  context: { input?: unknown };
  children: Record<string, AnyActorRef | undefined>;
}

type Transition = (snapshot: unknown, event: unknown, scope: Scope) => unknown;
interface Scope {
  self: AnyActorRef;
  stopChild?: (child: AnyActorRef) => void;
  defer: (fn: () => void) => void;
  emit: (event: EventObject) => void;
}

/**
 * Queues a command for the runtime of `self`, carried out right after the machine's step.
 *
 * @example
 *
 * ```ts
 * actions: { drain: ({ self }) => command(self, { type: HOST_DRAIN, force: false }) }
 * ```
 */
export function command(self: AnyActorRef, event: AnyEventObject): void {
  const rt = runtimeOf(self);
  if (!rt) return;
  if (rt.commands === NOTHING) rt.commands = [event];
  else rt.commands.push(event);
}

/**
 * The failure the runtime of `self` gave up with (read once), for the machine's escalation.
 *
 * @example
 *
 * ```ts
 * const failure = takeFailure(self);
 * ```
 */
export function takeFailure(self: AnyActorRef) {
  const rt = runtimeOf(self);
  const failure = rt?.failure;
  if (rt) rt.failure = undefined;
  return failure;
}

/** Is this a done or error event naming one of the runtime's children? */
function namesAChild(rt: Runtime, type: string): boolean {
  const prefix = type.startsWith(DONE_PREFIX)
    ? DONE_PREFIX
    : type.startsWith(ERROR_PREFIX)
      ? ERROR_PREFIX
      : null;
  if (prefix === null) return false;
  const id = type.slice(prefix.length);
  return rt.slots.has(id) || id === dropId(rt) || rt.config.initial.some((spec) => spec.id === id);
}

/**
 * Embeds a supervision runtime with `config` in `machine` (in place); `provide` keeps it.
 *
 * @example
 *
 * ```ts
 * const supervisor = embedRuntime(setup({ ... }).createMachine({ ... }), config);
 * ```
 */
export function embedRuntime<TMachine extends AnyStateMachine>(
  machine: TMachine,
  config: RuntimeConfig,
): TMachine {
  const target = machine as unknown as MachineLogic;
  const embedding = new Embedding(target, config);
  const provide = target.provide.bind(machine);
  const persist = target.getPersistedSnapshot.bind(machine);
  const restore = target.restoreSnapshot.bind(machine);
  target.transition = function embeddedTransition(snapshot, event, scope) {
    return embedding.step(snapshot, event as AnyEventObject, scope);
  };
  target.start = function embeddedStart(snapshot, scope) {
    embedding.start(snapshot, scope);
  };
  target.getPersistedSnapshot = function embeddedPersist(snapshot, options) {
    return persistWithRuntime(snapshot, options, persist, embedding.exposeChild);
  };
  target.restoreSnapshot = function embeddedRestore(persisted, scope) {
    return restoreWithRuntime(persisted, scope, restore);
  };
  target.provide = function embeddedProvide(implementations) {
    return embedRuntime(provide(implementations), config);
  };
  return machine;
}

/** The parts of a machine's logic the embedding replaces. */
interface MachineLogic {
  transition: Transition;
  start?: (snapshot: unknown, scope: Scope) => void;
  provide: (implementations: unknown) => AnyStateMachine;
  getPersistedSnapshot: (snapshot: unknown, options?: unknown) => unknown;
  restoreSnapshot: (snapshot: unknown, scope: unknown) => unknown;
}

/** One machine with a runtime embedded: its steps and its start. */
class Embedding {
  private readonly transition: Transition;
  private readonly machineStart: ((snapshot: unknown, scope: Scope) => void) | undefined;
  /** A supervisor shows its current run in `snapshot.children`; a group does not. */
  readonly exposeChild: boolean;

  constructor(
    machine: MachineLogic,
    private readonly config: RuntimeConfig,
  ) {
    this.transition = machine.transition.bind(machine);
    this.machineStart = machine.start?.bind(machine);
    this.exposeChild = config.mode === 'supervisor';
  }

  /**
   * A supervisor's snapshot with the current run in `children` (a copy when that changed), so
   * that a decision the machine takes sees no run that has ended (XState would stop it again).
   */
  private showRun(rt: Runtime, snapshot: MachineSnapshot): MachineSnapshot {
    const slot = rt.slots.values().next().value;
    const id = slot?.id ?? rt.self.id;
    const ref = slot?.ref ?? undefined;
    if (snapshot.children[id] === ref) return snapshot;
    const children = { ...snapshot.children };
    if (ref) children[id] = ref;
    else delete children[id];
    const copy = { ...snapshot };
    copy.children = children;
    return copy;
  }

  /** The snapshot as the runtime has it: the current run in `children`, a new object if changed. */
  private attach(rt: Runtime, before: unknown, after: unknown): unknown {
    let next = after as MachineSnapshot;
    if (this.exposeChild) {
      const slot = rt.slots.values().next().value;
      const id = slot?.id ?? rt.self.id;
      const ref = slot?.ref ?? undefined;
      const moved = next.children[id] !== ref;
      // A new snapshot for a child that changed; a new children record only for a new run.
      if (next === before && (moved || rt.changed)) next = { ...next };
      if (moved) {
        const children = { ...next.children };
        if (ref) children[id] = ref;
        else delete children[id];
        next.children = children;
      }
    }
    // A snapshot handed out before shows what it showed then.
    if (next !== before || rt.changed) recordSnapshot(next, rt);
    rt.changed = false;
    return next;
  }

  /**
   * Commands, decisions and reports, until the runtime and the machine are both quiet. Reports
   * go through `config.applyReport`, when the machine has one: no machine step for them, also
   * within the start.
   */
  private settle(rt: Runtime, snapshot: unknown, scope: Scope): unknown {
    const applyReport = this.config.applyReport;
    let next = snapshot;
    for (let rounds = 0; ; rounds++) {
      if (rt.commands.length > 0) {
        const commands = rt.commands;
        rt.commands = NOTHING;
        for (const event of commands) handleCommand(rt, event);
      }
      flush(rt);
      if (rt.toMachine.length === 0) break;
      const events = rt.toMachine;
      rt.toMachine = NOTHING;
      for (const event of events) {
        if (applyReport && event.type === HOST_REPORT) {
          next = applyReport(next, event, scope.self);
          continue;
        }
        if (this.exposeChild) next = this.showRun(rt, next as MachineSnapshot);
        const outer = beginDelivery(event);
        try {
          next = this.transition(next, event, scope);
        } finally {
          endDelivery(outer);
        }
        if ((next as MachineSnapshot).status !== 'active') break;
      }
      if ((next as MachineSnapshot).status !== 'active' || rounds > 10_000) break;
    }
    return next;
  }

  /** One XState step of the actor (see the module comment). */
  step(snapshot: unknown, e: AnyEventObject, scope: Scope): unknown {
    const self = scope.self;
    const rt = runtimeOf(self);
    if (!rt || rt.closed) return this.transition(snapshot, e, scope);
    try {
      if (e.type === 'xstate.stop') {
        stopAll(rt);
        return this.transition(this.attach(rt, snapshot, snapshot), e, scope);
      }
      let next = snapshot;
      if (takeOwn(self, e)) {
        // The machine's own event-loop yield; anything else is the runtime's.
        if (e.type === YIELDED) next = this.transition(next, e, scope);
        else handleOwn(rt, e);
      } else if (e.type.startsWith(HOST_EVENT_PREFIX) || namesAChild(rt, e.type)) {
        drop(rt, dropId(rt), 'reserved', 1, e.type.slice(0, 200));
      } else if (e.type.startsWith('xstate.') && !isReal(e, snapshot as never, self)) {
        drop(rt, dropId(rt), 'reserved', 1, e.type.slice(0, 200));
      } else {
        next = this.transition(next, e, scope);
        // A delayed event that moved nothing was no timer of this state: a look-alike.
        if (next === snapshot && e.type.startsWith(AFTER_PREFIX)) {
          drop(rt, dropId(rt), 'reserved', 1, e.type.slice(0, 200));
        }
      }
      return this.attach(rt, snapshot, this.settle(rt, next, scope));
    } catch (error) {
      // Failing: nothing this actor started may outlive it.
      teardown(rt, snapshot);
      throw error;
    }
  }

  /** The actor starts: its runtime, the first runs (or the restored ones), the first report. */
  start(snapshot: unknown, scope: Scope): void {
    const self = scope.self;
    guardActor(self, rejected);
    guardListeners(scope as never);
    // XState's stopChild refuses a run whose parent is the runtime's relay.
    if (scope.stopChild) scope.stopChild = stopChildOrRun;
    const rt = createRuntime(this.config, self, (snapshot as MachineSnapshot).context?.input);
    setRuntime(self, rt);
    this.machineStart?.(snapshot, scope);
    try {
      const kept = takeRestoring(snapshot as object);
      if (kept) restoreRuntime(rt, kept);
      else {
        for (const spec of this.config.initial) {
          const slot = newSlot(rt, spec);
          rt.slots.set(slot.id, slot);
          startInitial(rt, slot);
        }
      }
      // A machine restored while shutting down (`stopping`, a group's `failing`) drains what
      // runs, whatever the persisted part said: it is waiting for the end of a drain.
      if (isDraining(snapshot) && !rt.draining && !rt.finished) startDrain(rt, false);
      flush(rt);
      // A group without children completes at once.
      if (!kept && !rt.draining && !rt.finished) checkEmpty(rt);
    } catch (error) {
      teardown(rt, snapshot);
      throw error;
    }
    // The start's snapshot is not out yet: it shows the first run as it is.
    const initial = this.attach(rt, undefined, snapshot) as MachineSnapshot;
    if (rt.toMachine.length === 0) return;
    // What the runtime reported during the start (the first `child.started`, a decision) the
    // machine takes within the start: the actor's first snapshot is the settled one, and what
    // the machine emits meanwhile is emitted when XState runs the start's deferred effects.
    let settled: unknown;
    try {
      settled = this.settle(rt, initial, scope);
    } catch (error) {
      teardown(rt, snapshot);
      throw error;
    }
    const attached = this.attach(rt, initial, settled) as MachineSnapshot;
    if (attached === initial) return;
    (self as unknown as { _snapshot: unknown })._snapshot = attached;
  }
}

/** A new runtime for the actor `self` of a machine with `config`, before its children start. */
function createRuntime(config: RuntimeConfig, self: AnyActorRef, input: unknown): Runtime {
  return {
    config,
    self,
    input,
    slots: new Map(),
    rounds: config.mode === 'group' ? new Map() : NO_ROUNDS,
    counts: zeroCounts(),
    window: { count: 0, bucket: null },
    draining: false,
    // Made when a drain starts.
    stopQueue: NOTHING,
    stopped: NOTHING,
    forced: NOTHING,
    failed: false,
    finished: false,
    closed: false,
    outbox: NOTHING,
    drops: null,
    reported: ZERO_COUNTS,
    dirty: false,
    timerSeq: 0,
    lastOutput: undefined,
    toMachine: NOTHING,
    commands: NOTHING,
    failure: undefined,
    changed: false,
    replacing: null,
  };
}

/** A supervisor's rounds: it never has any (only a group restarts children together). */
const NO_ROUNDS: Runtime['rounds'] = new Map();

/** The counts reported before the first report (replaced, never changed, by a report). */
const ZERO_COUNTS = zeroCounts();

/** Stops everything the actor started: its children's runs and the machine's own children. */
function teardown(rt: Runtime | undefined, snapshot: unknown): void {
  if (rt && !rt.closed) stopAll(rt);
  const children = (snapshot as Partial<MachineSnapshot> | undefined)?.children;
  for (const child of Object.values(children ?? {})) {
    if (!child) continue;
    stopOrphans(child);
    if (child.getSnapshot()?.status === 'active') stopActor(child);
  }
}

const AFTER_PREFIX = 'xstate.after.';

/** A stranger's event the guard refused: posted to the owner, to be dropped and counted. */
function rejected(
  type: string | undefined,
  why: 'malformed' | 'reserved',
  self: AnyActorRef,
): undefined {
  post(self, { type: HOST_REJECTED, reason: why, eventType: type });
  return undefined;
}

/**
 * The owner's `stopChild` (called on its scope): a run of the runtime is stopped as the
 * library stops what it hosts; any other actor as XState would.
 */
function stopChildOrRun(this: Scope, child: AnyActorRef): void {
  const { self } = this;
  if (runOwner(child) === self) stopActor(child);
  else if (child._parent !== self) {
    throw new Error(`Cannot stop child actor ${child.id} of ${self.id} because it is not a child`);
  } else (child as unknown as { _stop(): void })._stop();
}
