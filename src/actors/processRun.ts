/**
 * One run of a {@link fromProcess} actor: its state (the abort controller, the message
 * handlers, what arrived before a handler), how the actor takes an event
 * ({@link processTransition}) and how a run starts ({@link startProcess}).
 */
import type { ActorScope, AnyActorRef, EventObject } from 'xstate';
import { toError } from '../errors.js';
import { sendToParent } from './guard.js';
import { eventType, postInternal, takeInternal } from './internalEvents.js';
import { CHILD_DROPPED, registerLedger } from './ledger.js';
import type {
  AnyActorSystem,
  ProcessContext,
  ProcessEvent,
  ProcessMessageHandler,
  ProcessSnapshot,
} from './processTypes.js';

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

/** The scope XState gives a process actor's logic. */
type ProcessScope<
  TOutput,
  TInput,
  TEmitted extends EventObject,
  TMessage extends EventObject,
> = ActorScope<ProcessSnapshot<TOutput, TInput>, ProcessEvent<TMessage>, AnyActorSystem, TEmitted>;

/** How a process actor takes an event: its own end, `xstate.stop`, `shutdown`, a message. */
export function processTransition<
  TOutput,
  TInput,
  TEmitted extends EventObject,
  TMessage extends EventObject,
>(
  snapshot: ProcessSnapshot<TOutput, TInput>,
  event: ProcessEvent<TMessage>,
  scope: ProcessScope<TOutput, TInput, TEmitted, TMessage>,
): ProcessSnapshot<TOutput, TInput> {
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
}

/** Starts a run of `run` for the actor of `scope`. */
export function startProcess<
  TOutput,
  TInput,
  TEmitted extends EventObject,
  TMessage extends EventObject,
  TSent extends EventObject,
>(
  run: (
    context: ProcessContext<TInput, TEmitted, TMessage, TSent>,
  ) => PromiseLike<TOutput> | TOutput,
  snapshot: ProcessSnapshot<TOutput, TInput>,
  { self, system, emit }: ProcessScope<TOutput, TInput, TEmitted, TMessage>,
): void {
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
