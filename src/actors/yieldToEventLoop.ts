/**
 * `yieldToEventLoop`: actor logic that finishes on the event loop's next turn.
 *
 * A supervisor restarts a child with zero backoff without any timer, in the same turn of the
 * event loop. A child that fails at once, forever, would then never let the loop move on, and
 * a `shutdown` sent from a signal handler or a timer would wait forever. So after a run of
 * immediate restarts the supervisor invokes this logic once, which lets I/O, signals and timers
 * in before the next restart. It measures no time; it only yields.
 */
import { fromCallback } from 'xstate';
import { markOwn } from './guard.js';

/** Internal event sent when the event loop has had its turn. */
export const YIELDED = 'xstate.supervisor.yielded';

/**
 * Actor logic that sends {@link YIELDED} to its parent on the event loop's next turn (after
 * pending I/O callbacks; `setImmediate` in Node, a `MessageChannel` task in browsers), and
 * cancels that when stopped first.
 *
 * @example
 *
 * ```ts
 * // inside a machine
 * invoke: { src: yieldToEventLoop },
 * on: { [YIELDED]: 'next' },
 * ```
 */
export const yieldToEventLoop = fromCallback(({ sendBack }) =>
  onNextTurn(() => sendBack(markOwn({ type: YIELDED }))),
);

/**
 * Calls `fn` on the event loop's next turn (after pending I/O callbacks: `setImmediate` in
 * Node, a `MessageChannel` task in browsers); returns a function that cancels it.
 *
 * @example
 *
 * ```ts
 * const cancel = onNextTurn(() => restart());
 * ```
 */
export function onNextTurn(fn: () => void): () => void {
  let cancelled = false;
  const done = () => {
    if (!cancelled) fn();
  };
  if (typeof setImmediate === 'function') {
    const handle = setImmediate(done);
    return () => {
      cancelled = true;
      clearImmediate(handle);
    };
  }
  // Browsers: a message posts a task, which runs after pending input and timers.
  const channel = new MessageChannel();
  channel.port1.addEventListener('message', done);
  channel.port1.start();
  channel.port2.postMessage(null);
  return () => {
    cancelled = true;
    channel.port1.close();
  };
}
