/**
 * The `port` readiness check: tries to connect to a TCP port until a connection is accepted.
 * One try at a time, the next `intervalMs` after the last one failed; stopping it clears the
 * timer and destroys the try in flight, so nothing is left to keep Node running.
 */
import { connect, type Socket } from 'node:net';

/** How long one try may wait for its connection at least (ms): a refused one fails at once. */
const TRY_TIMEOUT_MS = 1_000;

/**
 * Polls `host:port` and calls `onOpen` once a connection is accepted (then stops by itself).
 * Returns the function that stops it.
 *
 * @example
 *
 * ```ts
 * const stop = pollPort({ host: '127.0.0.1', port: 8080, intervalMs: 100 }, () => console.log('up'));
 * // when the process ends first:
 * stop();
 * ```
 */
export function pollPort(
  target: { host: string; port: number; intervalMs: number },
  onOpen: () => void,
): () => void {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let socket: Socket | undefined;
  const attempt = () => {
    timer = undefined;
    if (stopped) return;
    const current = connect({ host: target.host, port: target.port });
    socket = current;
    let settled = false;
    const retry = () => {
      if (settled) return;
      settled = true;
      current.destroy();
      socket = undefined;
      if (!stopped) timer = setTimeout(attempt, target.intervalMs);
    };
    current.setTimeout(Math.max(TRY_TIMEOUT_MS, target.intervalMs), retry);
    current.once('error', retry);
    current.once('connect', () => {
      if (settled) return;
      settled = true;
      current.destroy();
      socket = undefined;
      if (stopped) return;
      stopped = true;
      onOpen();
    });
  };
  attempt();
  return () => {
    stopped = true;
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    socket?.destroy();
    socket = undefined;
  };
}
