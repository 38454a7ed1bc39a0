/**
 * The shutdown protocol: which child actors stop gracefully when sent `{ type: 'shutdown' }`.
 *
 * A supervisor asks a child to stop by sending it `shutdown` and waits, up to its grace
 * period, for the child to finish. That only makes sense for a child that listens for the
 * event. Children that cannot receive events (`fromPromise`, `fromObservable`, `fromCallback`,
 * `fromTransition`, a machine without a `shutdown` transition) are stopped at once instead,
 * through XState's own stop: a promise's `signal` aborts, a callback's clean-up runs, an
 * observable is unsubscribed. So no shutdown waits out a grace period for nothing.
 */
import { type AnyActorLogic, fromPromise } from 'xstate';

const SHUTDOWN_AWARE: unique symbol = Symbol.for('xstate-supervisor.shutdownAware');

/**
 * Marks actor logic as one that handles `{ type: 'shutdown' }` by finishing on its own, so a
 * supervisor sends it `shutdown` and waits for it (up to the grace period) instead of stopping
 * it at once. Logic made by {@link fromProcess}, and machines that have a `shutdown`
 * transition, are recognized without it. Returns the same logic.
 *
 * @example
 *
 * ```ts
 * import { fromCallback } from 'xstate';
 *
 * const server = markShutdownAware(
 *   fromCallback(({ receive, sendBack }) => {
 *     const srv = startServer();
 *     receive((event) => {
 *       if (event.type === 'shutdown') srv.close(() => sendBack({ type: 'closed' }));
 *     });
 *     return () => srv.close();
 *   }),
 * );
 * ```
 */
export function markShutdownAware<T extends AnyActorLogic>(logic: T): T {
  Object.defineProperty(logic, SHUTDOWN_AWARE, { value: true, enumerable: false });
  return logic;
}

/**
 * Tells whether a supervisor can stop this logic gracefully by sending it `shutdown`: logic
 * marked with {@link markShutdownAware} (as everything from {@link fromProcess} is), or a state
 * machine with a `shutdown` transition in any of its states.
 *
 * @example
 *
 * ```ts
 * acceptsShutdown(fromPromise(async () => 1)); // false
 * acceptsShutdown(idle); // true
 * ```
 */
export function acceptsShutdown(logic: AnyActorLogic): boolean {
  if ((logic as { [SHUTDOWN_AWARE]?: boolean })[SHUTDOWN_AWARE] === true) return true;
  const root = (logic as { root?: { events?: readonly string[] } }).root;
  return Array.isArray(root?.events) && root.events.includes('shutdown');
}

/**
 * Tells whether a value looks like XState actor logic (an object with `transition` and
 * `getInitialSnapshot` functions).
 *
 * @example
 *
 * ```ts
 * isActorLogic(fromPromise(async () => 1)); // true
 * isActorLogic(() => 1); // false
 * ```
 */
export function isActorLogic(value: unknown): value is AnyActorLogic {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { transition?: unknown }).transition === 'function' &&
    typeof (value as { getInitialSnapshot?: unknown }).getInitialSnapshot === 'function'
  );
}

/** The source of XState's `fromPromise` transition, the same for every promise logic. */
let promiseTransition: string | undefined;
const receiving = new WeakMap<object, boolean>();

/**
 * Whether actors of `logic` can receive events at all. XState's `fromPromise` logic cannot:
 * its transition takes only its own settling and stop (recognised by the source of its
 * transition, which every promise logic of the loaded XState shares). Any other logic is taken
 * to receive what it is sent.
 *
 * @example
 *
 * ```ts
 * receivesEvents(fromPromise(async () => 1)); // false
 * receivesEvents(fromCallback(() => {}));    // true
 * ```
 */
export function receivesEvents(logic: AnyActorLogic): boolean {
  const known = receiving.get(logic);
  if (known !== undefined) return known;
  promiseTransition ??= String(fromPromise(async () => undefined).transition);
  const receives = String(logic.transition) !== promiseTransition;
  receiving.set(logic, receives);
  return receives;
}
