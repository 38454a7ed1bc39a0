/**
 * The types of {@link fromProcess} actors: what `run` receives ({@link ProcessContext}), the
 * events a process accepts, its snapshot, logic and actor ref.
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

// biome-ignore lint/suspicious/noExplicitAny: any system, as XState's own logic creators accept
export type AnyActorSystem = ActorSystem<any>;

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
