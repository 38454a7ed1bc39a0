/**
 * Reaching a supervised child from the app: {@link childOf} and {@link childSnapshotOf}.
 *
 * A supervisor's current run is its snapshot's `children[id]` (its id is the supervisor's own
 * actor id unless `childId` says otherwise), and the supervisor's snapshot is a new object
 * whenever the child's snapshot changes, so `useSelector`, `subscribe` and `onSnapshot` on the
 * supervisor see the child change. A group's children are reached by id.
 */
import type { ActorRefFrom, AnyActorLogic, AnyActorRef, SnapshotFrom } from 'xstate';
import type { ChildStatus, Runtime } from './types.js';

/** The type-level mark of a supervisor's child in its snapshot's `children` (never set). */
export declare const SUPERVISED: unique symbol;
/** The type-level mark of a group's children in its snapshot's `children` (never set). */
export declare const GROUPED: unique symbol;

/** What a supervisor's snapshot says about its child's run, for the type of `childOf`. */
export type SupervisedChildren<TLogic extends AnyActorLogic> = {
  readonly [SUPERVISED]?: ActorRefFrom<TLogic>;
};

/** What a group's snapshot says about its children's runs, by id. */
export type GroupedChildren<TRefs> = {
  readonly [GROUPED]?: TRefs;
};

interface Recorded {
  rt: Runtime;
  /** A supervisor's run when the snapshot was made. */
  ref: AnyActorRef | undefined;
  /** That run's snapshot then. */
  child: unknown;
}

const byActor = new WeakMap<object, Runtime>();

/**
 * Where a snapshot keeps what it showed: a property of its own that is not enumerable, so a
 * copy (`{ ...snapshot }`, XState's clones, JSON) never carries it and equality ignores it. A
 * weak map keyed by every snapshot would cost the garbage collector an entry per step.
 */
const RECORDED = Symbol('xstate-supervisor.recorded');

/** What a snapshot of a supervisor or group recorded when it was made. */
function recordedOf(snapshot: object): Recorded | undefined {
  return Object.hasOwn(snapshot, RECORDED)
    ? (snapshot as { [RECORDED]: Recorded })[RECORDED]
    : undefined;
}

/** A group's snapshots all record the same: its runtime. */
const groupRecords = new WeakMap<Runtime, Recorded>();

/** Registers the runtime of an actor. */
export function setRuntime(self: AnyActorRef, rt: Runtime): void {
  byActor.set(self, rt);
}

/** The runtime of a supervisor or group, from its actor or one of its snapshots. */
export function runtimeOf(owner: object): Runtime | undefined {
  return byActor.get(owner) ?? recordedOf(owner)?.rt;
}

/** Records what a new snapshot of a supervisor or group shows. */
export function recordSnapshot(snapshot: object, rt: Runtime): void {
  let recorded: Recorded | undefined;
  if (rt.config.mode === 'supervisor') {
    const ref = rt.slots.values().next().value?.ref ?? undefined;
    recorded = { rt, ref, child: ref?.getSnapshot() };
  } else {
    recorded = groupRecords.get(rt);
    if (!recorded) {
      recorded = { rt, ref: undefined, child: undefined };
      groupRecords.set(rt, recorded);
    }
    if (recordedOf(snapshot) === recorded) return;
  }
  Object.defineProperty(snapshot, RECORDED, {
    value: recorded,
    enumerable: false,
    configurable: true,
    writable: true,
  });
}

type SnapshotOf<T> = T extends { getSnapshot(): infer S } ? S : T;
type ChildrenOf<T> = SnapshotOf<T> extends { children: infer C } ? C : never;
type SupervisedRef<T> =
  ChildrenOf<T> extends { readonly [SUPERVISED]?: infer R }
    ? unknown extends R
      ? AnyActorRef
      : R
    : AnyActorRef;
type GroupRefs<T> =
  ChildrenOf<T> extends { readonly [GROUPED]?: infer R }
    ? unknown extends R
      ? Record<string, AnyActorRef>
      : R
    : Record<string, AnyActorRef>;

/** Something `childOf` reads: a supervisor or group actor, or one of its snapshots. */
export type SupervisionOwner = AnyActorRef | { children: object };

const isActor = (value: object): value is AnyActorRef =>
  typeof (value as AnyActorRef).getSnapshot === 'function' &&
  typeof (value as AnyActorRef).send === 'function';

/**
 * The running child of a supervisor, or of a group by id: typed as the child logic's actor
 * ref, `undefined` while it backs off, once stopped, or for an unknown id. Takes the
 * supervisor's (or group's) actor ref or a snapshot of it, so it works in `useSelector`, in
 * machine actions (`sendTo(({ context }) => childOf(context.client)!, …)`) and in guards.
 *
 * From a supervisor's snapshot it gives the run that snapshot shows; from a group, its
 * children as they are now.
 *
 * @example
 *
 * ```ts
 * const supervisor = createActor(createSupervisor(chat, { id: 'chat' })).start();
 * childOf(supervisor)?.send({ type: 'say', text: 'hi' }); // typed from `chat`
 *
 * const app = createActor(createProcessGroup({ children: [{ id: 'db', logic: db }] })).start();
 * childOf(app, 'db'); // ActorRefFrom<typeof db> | undefined
 * ```
 */
export function childOf<T extends SupervisionOwner>(owner: T): SupervisedRef<T> | undefined;
export function childOf<T extends SupervisionOwner, K extends keyof GroupRefs<T> & string>(
  owner: T,
  id: K,
): GroupRefs<T>[K] | undefined;
export function childOf(owner: object, id?: string): AnyActorRef | undefined {
  const snapshot = isActor(owner) ? (owner.getSnapshot() as object) : owner;
  const recorded = recordedOf(snapshot);
  const rt = recorded?.rt ?? byActor.get(owner);
  if (!rt) return undefined;
  if (id === undefined) {
    if (rt.config.mode !== 'supervisor') return undefined;
    return recorded ? recorded.ref : (rt.slots.values().next().value?.ref ?? undefined);
  }
  return rt.slots.get(id)?.ref ?? undefined;
}

/**
 * The snapshot of a supervisor's child as the supervisor's snapshot shows it (or of a group's
 * child by id, as it is now), typed from the child logic; `undefined` while no run exists. A
 * supervisor's snapshot is a new object whenever its child's snapshot changes, so a selector
 * reading this re-renders with the child.
 *
 * @example
 *
 * ```ts
 * const status = useSelector(supervisorRef, (s) => childSnapshotOf(s)?.context.status);
 * ```
 */
export function childSnapshotOf<T extends SupervisionOwner>(
  owner: T,
): SnapshotFrom<NonNullable<SupervisedRef<T>>> | undefined;
export function childSnapshotOf<T extends SupervisionOwner, K extends keyof GroupRefs<T> & string>(
  owner: T,
  id: K,
): SnapshotFrom<NonNullable<GroupRefs<T>[K]>> | undefined;
export function childSnapshotOf(owner: object, id?: string): unknown {
  const snapshot = isActor(owner) ? (owner.getSnapshot() as object) : owner;
  const recorded = recordedOf(snapshot);
  // The owner's current snapshot shows its child as it is now (nobody watching may have
  // left it unrenewed); an older one, as it was then.
  if (id === undefined && recorded && recorded.rt.self.getSnapshot() !== snapshot) {
    return recorded.child;
  }
  return (childOf as (o: object, i?: string) => AnyActorRef | undefined)(owner, id)?.getSnapshot();
}

/** A child as seen from outside: its id, status and actor (none while backing off). */
export interface ChildSetMember {
  id: string;
  status: ChildStatus;
  ref: AnyActorRef | null;
  /** Consecutive failures (reset by a stable run or a health signal). */
  failures: number;
  /** Restarts made. */
  restarts: number;
  /** The delay of the current or latest restart, in ms. */
  delayMs: number;
  /** Messages (and a reload) kept for the next run. */
  pending: number;
  /**
   * Its current run is ready: it signalled so (a child declared to signal readiness), or it
   * has started (any other child).
   */
  ready: boolean;
}

/**
 * Lists the children of a supervisor or group actor, in start order, as plain data (fresh
 * objects each call), or `undefined` when `owner` is not a running supervisor or group. Used to
 * walk a supervision tree.
 *
 * @example
 *
 * ```ts
 * for (const member of childSetMembers(groupActor) ?? []) console.log(member.id, member.status);
 * ```
 */
export function childSetMembers(owner: AnyActorRef): ChildSetMember[] | undefined {
  const rt = byActor.get(owner);
  if (!rt || rt.closed) return undefined;
  return [...rt.slots.values()].map((slot) => ({
    id: slot.id,
    status: slot.view.status,
    ref: slot.ref,
    failures: slot.view.failures,
    restarts: slot.view.restarts,
    delayMs: slot.view.delayMs,
    pending: slot.view.pending,
    ready: slot.view.ready,
  }));
}
