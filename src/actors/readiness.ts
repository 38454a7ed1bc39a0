/**
 * Logic that says for itself that it signals readiness.
 *
 * A supervisor or group treats a child as declared to signal readiness when its options say so
 * (`signalsReady`), or, when they are silent, when the child's logic is marked here: an OS
 * process with a readiness check, a worker with `readyOn: 'message'`.
 */
import type { AnyActorLogic } from 'xstate';

const SIGNALS_READY = Symbol.for('xstate-supervisor.signalsReady');

/**
 * Marks `logic` as logic that sends `{ type: 'supervisor.ready' }` to its parent once ready, so
 * that a supervisor of it waits for that signal unless told otherwise. Returns the same logic.
 *
 * @example
 *
 * ```ts
 * const db = markSignalsReady(fromProcess(async ({ ready }) => { await open(); ready(); }));
 * createSupervisor(db); // waits for ready() before the child counts as ready
 * ```
 */
export function markSignalsReady<T extends AnyActorLogic>(logic: T): T {
  Object.defineProperty(logic, SIGNALS_READY, { value: true, enumerable: false });
  return logic;
}

/** Whether `logic` was marked with {@link markSignalsReady}. */
export function marksSignalsReady(logic: AnyActorLogic): boolean {
  return (logic as unknown as Record<symbol, unknown>)[SIGNALS_READY] === true;
}
