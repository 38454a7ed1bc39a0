/**
 * `fromSignals`: actor logic that turns OS signals into events for its parent.
 *
 * By default SIGINT, SIGTERM and SIGQUIT become `{ type: 'shutdown', signal }` and SIGHUP
 * becomes `{ type: 'reload', signal }`. Invoke it next to the workers of a group (or in any
 * machine that handles `shutdown` and `reload`) and the tree stops cleanly on Ctrl+C or a
 * service manager's SIGTERM. Its process listeners exist only while the actor runs.
 */
import type {
  ActorLogic,
  ActorSystem,
  AnyActorRef,
  AnyEventObject,
  EventObject,
  Snapshot,
} from 'xstate';
import { eventType, guardLeaf, postInternal, takeInternal } from '../actors/internalEvents.js';
import { markShutdownAware } from '../actors/shutdownAware.js';
import { checkOneOf, checkOptions, invalidOption } from '../policy/options.js';
import { DEFAULT_SIGNALS, resolveSignalMap, type SignalMap } from './signals.js';

// biome-ignore lint/suspicious/noExplicitAny: any system, as XState's own logic creators accept
type AnyActorSystem = ActorSystem<any>;

/**
 * Internal event: a signal arrived. Honoured only as the very event the actor's own signal
 * listener posted; one of the same type sent by anybody else is dropped, so no stranger can make
 * it send `shutdown` or `reload` on.
 */
export const SIGNAL_RECEIVED = 'xstate.signals.received';

/** Options of {@link fromSignals}. */
export interface SignalsOptions {
  /**
   * Which signals to listen for and what each becomes. Replaces the default map
   * ({@link DEFAULT_SIGNALS}: SIGINT, SIGTERM, SIGQUIT → `'shutdown'`, SIGHUP → `'reload'`);
   * spread `DEFAULT_SIGNALS` to extend it instead.
   */
  signals?: SignalMap;
  /**
   * A shutdown signal that arrives while this actor still runs after an earlier one sends
   * `{ type: 'shutdown', force: true }`, which makes a supervisor stop its child at once.
   * Default `true`.
   */
  forceOnRepeat?: boolean;
  /**
   * Who gets the events: `'parent'` (default), the actor that invoked or spawned this one (as
   * a child of a process group: the group), or `'root'`, the root of the actor system. Use
   * `'root'` when the actor sits deeper in the tree than the machine that should handle
   * `shutdown`.
   */
  to?: 'parent' | 'root';
}

/** The event sent to the parent: the mapped event plus the signal's name. */
export type SignalEvent = AnyEventObject & { signal: NodeJS.Signals; force?: boolean };

/** Emitted (to `actor.on('signal', …)`) for every signal that arrives. */
export interface SignalReceivedEvent {
  type: 'signal';
  signal: NodeJS.Signals;
  /** The event sent to the parent. */
  event: SignalEvent;
}

/** The snapshot of a {@link fromSignals} actor. */
export type SignalsSnapshot = Snapshot<undefined> & {
  /** The latest signal received, if any. */
  lastSignal: NodeJS.Signals | null;
  /** Signals received so far. */
  received: number;
  /** `shutdown` events sent to the parent so far. */
  shutdownsSent: number;
};

/** The actor logic returned by {@link fromSignals}. */
export type SignalsActorLogic = ActorLogic<
  SignalsSnapshot,
  EventObject,
  unknown,
  AnyActorSystem,
  SignalReceivedEvent
>;

type Relay = (source: AnyActorRef, target: AnyActorRef, event: EventObject) => void;

const disposers = new WeakMap<AnyActorRef, () => void>();

function dispose(self: AnyActorRef): void {
  disposers.get(self)?.();
  disposers.delete(self);
}

/**
 * Creates actor logic that listens for OS signals and sends the matching event to its parent
 * (or to the system's root, see {@link SignalsOptions.to}):
 * by default `{ type: 'shutdown', signal }` for SIGINT, SIGTERM and SIGQUIT and
 * `{ type: 'reload', signal }` for SIGHUP. A repeated shutdown signal carries `force: true`
 * (see {@link SignalsOptions.forceOnRepeat}). Every signal is also emitted as a
 * {@link SignalReceivedEvent}, which is the way to observe it on a root actor, which has no
 * parent.
 *
 * The actor ends as done when it receives `shutdown` (supervisors and groups send it during
 * their own shutdown) and stops listening when it ends or is stopped. From then on Node's
 * default handling of the signal is back: a further SIGINT ends the process at once. A
 * process's `main` that wants a second Ctrl+C to stop the tree at once, children included,
 * uses {@link runMain}, which keeps its listeners until the whole tree has stopped.
 *
 * Signal listeners do not keep Node running: the process stays up as long as something else
 * (a server, a child process, a timer, `runMain`) does.
 *
 * Invalid options throw a `TypeError` naming the option, the value and what is allowed.
 *
 * @example
 *
 * ```ts
 * import { createActor, sendTo, setup } from 'xstate';
 * import { createSupervisor, fromSignals } from 'xstate-supervisor/node';
 *
 * const app = setup({
 *   actors: { signals: fromSignals(), worker: createSupervisor(worker) },
 * }).createMachine({
 *   invoke: [{ src: 'signals' }, { id: 'worker', src: 'worker', onDone: '.done' }],
 *   on: {
 *     shutdown: { actions: sendTo('worker', ({ event }) => event) },
 *     reload: { actions: sendTo('worker', { type: 'reload' }) },
 *   },
 *   initial: 'running',
 *   states: { running: {}, done: { type: 'final' } },
 * });
 *
 * createActor(app).start(); // Ctrl+C stops the worker gracefully
 * ```
 */
export function fromSignals(options: SignalsOptions = {}): SignalsActorLogic {
  const owner = 'fromSignals';
  const given = checkOptions(owner, 'options', options, ['signals', 'forceOnRepeat', 'to']);
  const signalMap = resolveSignalMap(owner, 'signals', given.signals ?? DEFAULT_SIGNALS);
  const forceOnRepeat = given.forceOnRepeat ?? true;
  if (typeof forceOnRepeat !== 'boolean') {
    invalidOption(owner, 'forceOnRepeat', forceOnRepeat, 'true or false');
  }
  const to = checkOneOf(owner, 'to', given.to ?? 'parent', ['parent', 'root'] as const);

  const logic: SignalsActorLogic = {
    config: signalMap,
    transition(snapshot, event, scope) {
      if (snapshot.status !== 'active') return snapshot;
      // Its own internal events are the very objects its listeners posted; nothing else is one.
      const own = takeInternal(scope.self, event);
      switch (own ? own.type : eventType(event)) {
        case SIGNAL_RECEIVED: {
          if (!own) return snapshot;
          const signal = (own as unknown as { signal: NodeJS.Signals }).signal;
          const template = signalMap.get(signal);
          if (!template) return snapshot;
          const sent: SignalEvent = { ...template, signal };
          let shutdownsSent = snapshot.shutdownsSent;
          if (sent.type === 'shutdown') {
            if (forceOnRepeat && shutdownsSent > 0) sent.force = true;
            shutdownsSent += 1;
          }
          let target = scope.self._parent;
          while (to === 'root' && target?._parent) target = target._parent;
          if (target) {
            const relay = (scope.system as unknown as { _relay?: Relay })._relay;
            if (relay) relay(scope.self, target, sent);
            else target.send(sent);
          }
          scope.emit({ type: 'signal', signal, event: sent });
          return {
            ...snapshot,
            lastSignal: signal,
            received: snapshot.received + 1,
            shutdownsSent,
          };
        }
        case 'shutdown':
          dispose(scope.self);
          return { ...snapshot, status: 'done', output: undefined };
        case 'xstate.stop':
          dispose(scope.self);
          return { ...snapshot, status: 'stopped' };
        default:
          return snapshot;
      }
    },
    start(snapshot, { self }) {
      if (snapshot.status !== 'active') return;
      const handlers: Array<[NodeJS.Signals, () => void]> = [];
      for (const signal of signalMap.keys()) {
        const handler = () => postInternal(self, { type: SIGNAL_RECEIVED, signal });
        process.on(signal, handler);
        handlers.push([signal, handler]);
      }
      disposers.set(self, () => {
        for (const [signal, handler] of handlers) process.off(signal, handler);
      });
    },
    getInitialSnapshot(scope) {
      guardLeaf(scope?.self);
      return {
        status: 'active',
        output: undefined,
        error: undefined,
        lastSignal: null,
        received: 0,
        shutdownsSent: 0,
      };
    },
    getPersistedSnapshot: (snapshot) => snapshot,
    restoreSnapshot(snapshot, scope) {
      guardLeaf(scope?.self);
      return snapshot as SignalsSnapshot;
    },
  };
  return markShutdownAware(logic);
}
