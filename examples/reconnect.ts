/**
 * Example: a WebSocket client that reconnects with backoff, and starts its backoff over once
 * it is connected again.
 *
 * Each run of `socketClient` is one connection. It says `healthy()` once the connection is
 * open, so the supervisor resets its failure count, and fails when the connection drops, so
 * the supervisor connects again: 100 ms after a drop, then 200, 400… up to 5 s while the server
 * stays away, and 100 ms again after the next drop of a connection that worked. Messages sent
 * to the supervisor go out on the socket; what the server sends is emitted as `received`,
 * whichever connection it came on.
 */
import { WebSocket } from 'ws';
import { createSupervisor, fromProcess } from '../src/index.js';

/** What the client connects to. */
export interface SocketClientInput {
  url: string;
}

/** What the supervisor emits for each message from the server. */
export interface ReceivedEvent {
  type: 'received';
  data: string;
}

/** One connection: healthy once open, failed when it drops, done after `shutdown`. */
export const socketClient = fromProcess<void, SocketClientInput, ReceivedEvent>(
  ({ input, signal, healthy, onMessage, emit }) =>
    new Promise<void>((resolve, reject) => {
      const socket = new WebSocket(input.url);
      let failure: Error | undefined;
      socket.on('open', () => {
        healthy();
        // Registered once open: what is sent before waits, for this run or the next one.
        onMessage((event) => socket.send(JSON.stringify(event)));
      });
      socket.on('message', (data) => emit({ type: 'received', data: String(data) }));
      socket.on('error', (error) => {
        failure = error;
      });
      socket.on('close', (code) => {
        if (signal.aborted) resolve();
        else reject(failure ?? new Error(`connection to ${input.url} closed (code ${code})`));
      });
      signal.addEventListener('abort', () => socket.close(1000), { once: true });
    }),
);

/** The client under a supervisor: `createActor(reconnecting, { input: { url } })`. */
export const reconnecting = createSupervisor(socketClient, {
  id: 'socket',
  childId: 'client',
  input: ({ input }: { input: SocketClientInput }) => input,
  backoff: { initialMs: 100, maxMs: 5_000 },
});
