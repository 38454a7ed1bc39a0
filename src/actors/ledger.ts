/**
 * The message ledger: how a child actor tells its host what it received but never handled.
 *
 * A `fromProcess` run keeps the messages that arrive before it registers a handler. If the run
 * fails before registering one (a client still connecting), those messages were never handled;
 * the supervisor takes them back with {@link takeUndelivered} and hands them to the next run.
 * Messages a child drops on purpose (its buffer is full) are reported to its parent with a
 * {@link CHILD_DROPPED} event, so nothing is dropped silently. Any actor logic can take part by
 * registering a ledger for its actor.
 */
import type { AnyActorRef, EventObject } from 'xstate';

/** What a child actor keeps of the messages it has not handled yet. */
export interface Ledger {
  /** The messages received and not handled yet, oldest first (reloads included). */
  undelivered(): EventObject[];
}

const ledgers = new WeakMap<AnyActorRef, Ledger>();

/**
 * Registers the ledger of an actor; called by the actor logic when its actor starts.
 *
 * @example
 *
 * ```ts
 * start(snapshot, { self }) {
 *   registerLedger(self, { undelivered: () => [...buffer] });
 * }
 * ```
 */
export function registerLedger(actor: AnyActorRef, ledger: Ledger): void {
  ledgers.set(actor, ledger);
}

/**
 * Takes what a (failed or stopped) actor received and never handled, and forgets its ledger.
 * Returns `[]` for an actor without one.
 *
 * @example
 *
 * ```ts
 * const keep = takeUndelivered(failedRun); // handed to the next run
 * ```
 */
export function takeUndelivered(actor: AnyActorRef): EventObject[] {
  const ledger = ledgers.get(actor);
  ledgers.delete(actor);
  return ledger ? ledger.undelivered() : [];
}

/**
 * The event a child sends its parent when it dropped messages on purpose (`count` of them); a
 * supervisor or group counts them and reports them as `message.dropped`.
 */
export const CHILD_DROPPED = 'supervisor.messagesDropped';
