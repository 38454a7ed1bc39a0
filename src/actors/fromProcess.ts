/**
 * `fromProcess`: actor logic for a long-running async unit of work, the kind of child a
 * supervisor keeps alive.
 *
 * The `run` function gets an `AbortSignal` that aborts on `shutdown` (and when the actor is
 * stopped), and registers handlers for `reload` and for any other message. Messages that arrive
 * before their handler is registered are kept and delivered on registration, so nothing sent
 * early is lost. Resolving ends the actor as done; throwing or rejecting ends it in error.
 */
import type {
  ActorLogic,
  ActorRefFrom,
  ActorSystem,
  AnyActorRef,
  AnyEventObject,
  EventObject,
  NonReducibleUnknown,
  Snapshot,
} from 'xstate';
import { toError } from '../errors.js';
import { sendToParent } from './guard.js';
import { eventType, guardLeaf, postInternal, takeInternal } from './internalEvents.js';
import { CHILD_DROPPED, registerLedger } from './ledger.js';
import { markShutdownAware } from './shutdownAware.js';

// biome-ignore lint/suspicious/noExplicitAny: any system, as XState's own logic creators accept
type AnyActorSystem = ActorSystem<any>;

/**
 * Internal event: the process's promise resolved. Honoured only as the very event the run posted
 * to itself; one of the same type sent by anybody else is dropped.
 */
export const PROCESS_RESOLVE = 'xstate.process.resolve';
/**
 * Internal event: the process's promise rejected (or a handler failed). Honoured only as the very
 * event the run posted to itself; one of the same type sent by anybody else is dropped.
 */
export const PROCESS_REJECT = 'xstate.process.reject';
/** How many early messages of one kind are kept until a handler is registered. */
export const MAX_BUFFERED_MESSAGES = 1000;

/** A message handler; it may return a promise, whose rejection fails the process. */
export type ProcessMessageHandler<TEvent extends EventObject = AnyEventObject> = (
  event: TEvent,
) => void | Promise<void>;

/**
 * The control events every process accepts beside its messages: `shutdown` aborts its signal,
 * `reload` goes to its `onReload` handlers.
 */
export type ProcessControlEvent = { type: 'shutdown' } | { type: 'reload' };

/**
 * The events a {@link fromProcess} actor accepts: its messages `TMessage` and the
 * {@link ProcessControlEvent}s. Messages left as any event object (the default) make it accept
 * any event object.
 */
export type ProcessEvent<TMessage extends EventObject = AnyEventObject> =
  AnyEventObject extends TMessage ? AnyEventObject : TMessage | ProcessControlEvent;

/**
 * What `run` receives.
 *
 * - `TInput`: the actor's input.
 * - `TEmitted`: what `emit` takes (and what a supervisor around the process emits beside its
 *   lifecycle events).
 * - `TMessage`: the messages `onMessage` handlers get; the actor (and a supervisor or group
 *   around it) accepts these, `shutdown` and `reload`, and nothing else. Default: any event.
 * - `TSent`: what `sendBack` sends to the parent. Default: any event.
 *
 * @example
 *
 * ```ts
 * import type { EventObject } from 'xstate';
 * import { fromProcess, type ProcessContext } from 'xstate-supervisor';
 *
 * type Chat = { type: 'chat'; text: string };
 * type Heard = { type: 'heard'; text: string };
 *
 * // The context's type given on the parameter: input, messages and what goes up are inferred.
 * const echo = fromProcess(
 *   ({ onMessage, sendBack, signal }: ProcessContext<void, EventObject, Chat, Heard>) =>
 *     new Promise<void>((resolve) => {
 *       onMessage((event) => sendBack({ type: 'heard', text: event.text }));
 *       signal.addEventListener('abort', () => resolve());
 *     }),
 * );
 * ```
 */
export interface ProcessContext<
  TInput,
  TEmitted extends EventObject = EventObject,
  TMessage extends EventObject = AnyEventObject,
  TSent extends EventObject = AnyEventObject,
> {
  /** The actor's input. */
  input: TInput;
  /** Aborts when the process is asked to shut down or is stopped. Finish promptly then. */
  signal: AbortSignal;
  /**
   * Registers a handler for `{ type: 'reload' }`. Reloads sent before any handler was registered
   * are delivered to the first one. Returns a function that unregisters it.
   */
  onReload(handler: ProcessMessageHandler): () => void;
  /**
   * Registers a handler for every other message (custom control messages), typed `TMessage`. The
   * handler gets the event object unchanged. Messages sent before any handler was registered are
   * delivered to the first one, in order. Returns a function that unregisters it.
   */
  onMessage(handler: ProcessMessageHandler<TMessage>): () => void;
  /**
   * Sends an event to the actor's parent, as `sendBack` of XState's `fromCallback` does (through
   * the actor system, so an inspector sees this actor as its source). Under a supervisor or a
   * group, the event is passed on, unchanged, to the parent of the supervision layer: an app
   * machine that invokes the supervisor receives it. Does nothing without a parent, or once the
   * run has ended or was stopped.
   */
  sendBack(event: TSent): void;
  /** The actor itself. */
  self: AnyActorRef;
  /** The actor system. */
  system: AnyActorSystem;
  /** Emits an event to the actor's `.on(...)` listeners (a supervisor around it emits it too). */
  emit: (event: TEmitted) => void;
  /**
   * Tells the supervisor that the process is healthy again (a client reconnected): its failure
   * count is reset, so its next failure waits `backoff.initialMs` instead of a long delay.
   * Sends `{ type: 'supervisor.healthy' }` to the parent; does nothing without one, or once the
   * run has ended.
   */
  healthy(): void;
  /**
   * Tells the supervisor that the process is ready to do its work (connected, listening):
   * for a child declared with `signalsReady`, it counts as ready from now on, and children
   * that depend on it may start. Sends `{ type: 'supervisor.ready' }` to the parent; does
   * nothing without one, or once the run has ended.
   */
  ready(): void;
}

/** The snapshot of a {@link fromProcess} actor. */
export type ProcessSnapshot<TOutput, TInput> = Snapshot<TOutput> & { input: TInput | undefined };

/** The actor logic returned by {@link fromProcess}: it accepts {@link ProcessEvent}s. */
export type ProcessActorLogic<
  TOutput,
  TInput = NonReducibleUnknown,
  TEmitted extends EventObject = EventObject,
  TMessage extends EventObject = AnyEventObject,
> = ActorLogic<
  ProcessSnapshot<TOutput, TInput>,
  ProcessEvent<TMessage>,
  TInput,
  AnyActorSystem,
  TEmitted
>;

/** An actor made from {@link fromProcess} logic. */
export type ProcessActorRef<
  TOutput,
  TInput = NonReducibleUnknown,
  TEmitted extends EventObject = EventObject,
  TMessage extends EventObject = AnyEventObject,
> = ActorRefFrom<ProcessActorLogic<TOutput, TInput, TEmitted, TMessage>>;

/** One run's state; it is also the run's ledger (what goes back if the run fails). */
class Runtime {
  controller = new AbortController();
  /** Handlers and what arrived before one was registered, each made on first use. */
  reloadHandlers: Set<ProcessMessageHandler> | null = null;
  messageHandlers: Set<ProcessMessageHandler> | null = null;
  pendingReloads: EventObject[] | null = null;
  pendingMessages: EventObject[] | null = null;
  /** Early messages dropped because the buffer was full. */
  dropped = 0;

  undelivered(): EventObject[] {
    if (!this.pendingReloads?.length && !this.pendingMessages?.length) return [];
    return [...(this.pendingReloads?.slice(0, 1) ?? []), ...(this.pendingMessages ?? [])];
  }
}

const runtimes = new WeakMap<AnyActorRef, Runtime>();

/**
 * The abort reason of every process signal: an `AbortError`, as `abort()` would give, made once.
 * Building a `DOMException` per abort (what `abort()` does) is a large share of shutting down
 * thousands of processes.
 */
const ABORTED = new DOMException('the process was asked to shut down', 'AbortError');

/**
 * Creates actor logic for a long-running async process, the unit of work a supervisor keeps
 * alive.
 *
 * - `signal` aborts on `{ type: 'shutdown' }` and when the actor is stopped.
 * - `onReload` / `onMessage` register handlers for `reload` and for any other event.
 * - `sendBack` sends an event to the parent (through a supervisor, to the supervisor's parent);
 *   `emit` emits one to listeners; `healthy` resets the supervisor's failure count.
 * - Resolving ends the actor as done with that output. Throwing (also synchronously) or
 *   rejecting ends it in error; a non-`Error` value is wrapped in a `ThrownValueError`. A
 *   handler that throws or rejects fails the process too.
 *
 * The type parameters, all optional: `TOutput` (what `run` resolves to), `TInput`, `TEmitted`
 * (what `emit` takes), `TMessage` (the messages it accepts: a supervisor or group around it
 * accepts these, `shutdown` and `reload`, and any other event does not compile; default any
 * event) and `TSent` (what `sendBack` takes; default any event). Instead of listing them, the
 * context's type can be given on `run`'s parameter (`ctx: ProcessContext<TInput, TEmitted,
 * TMessage, TSent>`), and then all of them are inferred, the output included.
 *
 * Supervisors recognize this logic as shutdown-aware: they send `shutdown` and wait for `run`
 * to finish, up to their grace period.
 *
 * @example
 *
 * ```ts
 * import { createActor } from 'xstate';
 * import { fromProcess } from 'xstate-supervisor';
 *
 * const worker = fromProcess<void, { queue: string }>(async ({ input, signal, onReload }) => {
 *   let config = await loadConfig();
 *   onReload(async () => {
 *     config = await loadConfig();
 *   });
 *   while (!signal.aborted) {
 *     await processNextJob(input.queue, config, signal);
 *   }
 * });
 *
 * const actor = createActor(worker, { input: { queue: 'emails' } }).start();
 * actor.send({ type: 'reload' });
 * actor.send({ type: 'shutdown' }); // signal aborts; the actor is done once run resolves
 * ```
 *
 * @example
 *
 * ```ts
 * import type { EventObject } from 'xstate';
 * import { createSupervisor, fromProcess } from 'xstate-supervisor';
 *
 * type Job = { type: 'job'; id: string };
 * type JobDone = { type: 'job.done'; id: string };
 *
 * // Typed both ways: it accepts jobs, and sends its parent job.done.
 * const jobs = fromProcess<void, void, EventObject, Job, JobDone>(
 *   ({ onMessage, sendBack, signal }) =>
 *     new Promise<void>((resolve) => {
 *       onMessage(async (job) => {
 *         await runJob(job.id);
 *         sendBack({ type: 'job.done', id: job.id });
 *       });
 *       signal.addEventListener('abort', () => resolve());
 *     }),
 * );
 * const supervised = createSupervisor(jobs); // accepts job, shutdown and reload only
 * ```
 */
export function fromProcess<
  TOutput = void,
  TInput = NonReducibleUnknown,
  TEmitted extends EventObject = EventObject,
  TMessage extends EventObject = AnyEventObject,
  TSent extends EventObject = AnyEventObject,
>(
  run: (
    context: ProcessContext<TInput, TEmitted, TMessage, TSent>,
  ) => PromiseLike<TOutput> | TOutput,
): ProcessActorLogic<TOutput, TInput, TEmitted, TMessage> {
  const logic: ProcessActorLogic<TOutput, TInput, TEmitted, TMessage> = {
    config: run,
    transition(snapshot, event, scope) {
      if (snapshot.status !== 'active') return snapshot;
      const runtime = runtimes.get(scope.self);
      // The run's own internal events are the very objects it posted; nothing else is one.
      const own = takeInternal(scope.self, event);
      if (own?.type === PROCESS_RESOLVE) {
        runtimes.delete(scope.self);
        return {
          ...snapshot,
          status: 'done',
          output: (own as unknown as { output: TOutput }).output,
          input: undefined,
        };
      }
      if (own?.type === PROCESS_REJECT) {
        runtime?.controller.abort(ABORTED);
        runtimes.delete(scope.self);
        return {
          ...snapshot,
          status: 'error',
          error: (own as { error?: unknown }).error,
          input: undefined,
        };
      }
      const type = eventType(event);
      switch (type) {
        case 'xstate.stop':
          runtime?.controller.abort(ABORTED);
          runtimes.delete(scope.self);
          return { ...snapshot, status: 'stopped', input: undefined };
        case 'shutdown':
          runtime?.controller.abort(ABORTED);
          return snapshot;
        default: {
          // Malformed, or reserved: XState's and the library's internal events are not messages.
          if (!runtime || type === '' || type.startsWith('xstate.')) return snapshot;
          const isReload = type === 'reload';
          const handlers = isReload ? runtime.reloadHandlers : runtime.messageHandlers;
          if (!handlers || handlers.size === 0) {
            if (isReload) runtime.pendingReloads ??= [];
            else runtime.pendingMessages ??= [];
            const pending = (isReload ? runtime.pendingReloads : runtime.pendingMessages)!;
            pending.push(event);
            if (pending.length > MAX_BUFFERED_MESSAGES) {
              pending.shift();
              runtime.dropped++;
              // Counted and reported: to the supervisor hosting this run, or here.
              if (scope.self._parent) sendToParent(scope.self, { type: CHILD_DROPPED, count: 1 });
              else {
                scope.logger?.(
                  `fromProcess "${scope.self.id}": ${runtime.dropped} early message(s) dropped (more than ${MAX_BUFFERED_MESSAGES} waiting for a handler)`,
                );
              }
            }
            return snapshot;
          }
          const error = deliver(handlers, event, scope.self);
          if (error === undefined) return snapshot;
          runtime.controller.abort(ABORTED);
          runtimes.delete(scope.self);
          return { ...snapshot, status: 'error', error, input: undefined };
        }
      }
    },
    start(snapshot, { self, system, emit }) {
      if (snapshot.status !== 'active') return;
      const runtime = new Runtime();
      runtimes.set(self, runtime);
      // What arrived and was never handled goes back to the supervisor if this run fails.
      registerLedger(self, runtime);
      const register = (reload: boolean) => (handler: ProcessMessageHandler) => {
        if (reload) runtime.reloadHandlers ??= new Set();
        else runtime.messageHandlers ??= new Set();
        const handlers = (reload ? runtime.reloadHandlers : runtime.messageHandlers)!;
        handlers.add(handler);
        const pending = reload ? runtime.pendingReloads : runtime.pendingMessages;
        // Deliver what arrived early, after the caller has finished registering.
        if (pending && pending.length > 0) {
          queueMicrotask(() => {
            if (runtimes.get(self) !== runtime) return;
            for (const event of pending.splice(0)) {
              const error = deliver(handlers, event, self);
              if (error !== undefined) return reject(self, error);
            }
          });
        }
        return () => {
          handlers.delete(handler);
        };
      };
      let result: PromiseLike<TOutput> | TOutput;
      try {
        result = run({
          input: snapshot.input as TInput,
          signal: runtime.controller.signal,
          onReload: register(true),
          onMessage: register(false) as (handler: ProcessMessageHandler<TMessage>) => () => void,
          sendBack: (event: TSent) => {
            // As XState's fromCallback: through the system, so inspection shows who sent it.
            if (runtimes.get(self) === runtime) sendToParent(self, event);
          },
          self,
          system,
          emit: emit as (event: TEmitted) => void,
          healthy: () => {
            if (runtimes.get(self) === runtime) sendToParent(self, { type: 'supervisor.healthy' });
          },
          ready: () => {
            if (runtimes.get(self) === runtime) sendToParent(self, { type: 'supervisor.ready' });
          },
        });
      } catch (error) {
        result = Promise.reject(error);
      }
      Promise.resolve(result).then(
        (output) => {
          if (self.getSnapshot().status !== 'active') return;
          postInternal(self, { type: PROCESS_RESOLVE, output } as EventObject);
        },
        (error: unknown) => reject(self, toError(error)),
      );
    },
    getInitialSnapshot(scope, input) {
      guardLeaf(scope?.self);
      return { status: 'active', output: undefined, error: undefined, input };
    },
    getPersistedSnapshot: (snapshot) => snapshot,
    restoreSnapshot(snapshot, scope) {
      guardLeaf(scope?.self);
      return snapshot as ProcessSnapshot<TOutput, TInput>;
    },
  };
  return markShutdownAware(logic);
}

function reject(self: AnyActorRef, error: unknown): void {
  if (self.getSnapshot().status !== 'active') return;
  postInternal(self, { type: PROCESS_REJECT, error } as EventObject);
}

/** Calls each handler; returns the error of a handler that threw, and watches async ones. */
function deliver(
  handlers: Set<ProcessMessageHandler>,
  event: EventObject,
  self: AnyActorRef,
): Error | undefined {
  for (const handler of [...handlers]) {
    try {
      const result = handler(event);
      if (result && typeof (result as Promise<void>).then === 'function') {
        (result as Promise<void>).then(undefined, (error: unknown) => reject(self, toError(error)));
      }
    } catch (error) {
      return toError(error);
    }
  }
  return undefined;
}
