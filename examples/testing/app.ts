/**
 * A user's app, as docs/testing.md shows it: a dashboard that keeps a live connection to a
 * flaky API under a supervisor, and shows "offline" once the supervisor gives up. It is built
 * from the client it is given, so a test can give it a test child instead.
 */
import { type AnyActorLogic, sendTo, setup } from 'xstate';
import { createSupervisor, fromProcess, type SupervisorOptions } from '../../src/index.js';

/** How the API client is supervised; the tests build their model from the same options. */
export const apiSupervision = {
  id: 'api',
  backoff: { initialMs: 500, maxMs: 4_000 },
  maxRestarts: { count: 3, withinMs: 60_000 },
  shutdownTimeoutMs: 2_000,
} satisfies SupervisorOptions;

/** The real client: streams updates until the connection drops (a failure) or it is shut down. */
export const apiClient = fromProcess<void, { url: string }>(async ({ input, signal }) => {
  const response = await fetch(input.url, { signal });
  if (!response.ok || !response.body) throw new Error(`GET ${input.url}: ${response.status}`);
  for await (const chunk of response.body) console.log('update', chunk.byteLength, 'bytes');
  if (!signal.aborted) throw new Error('the connection dropped');
});

/** The app around a client: `online` while the API is supervised, `offline` once it gave up. */
export function createApp(client: AnyActorLogic = apiClient) {
  const api = createSupervisor(client, {
    ...apiSupervision,
    input: { url: 'https://api.example.com/updates' },
  });
  return setup({ actors: { api } }).createMachine({
    id: 'app',
    initial: 'online',
    states: {
      online: {
        invoke: { id: 'api', src: 'api', onError: 'offline', onDone: 'closed' },
        on: { close: { actions: sendTo('api', { type: 'shutdown' }) } },
      },
      offline: {},
      closed: { type: 'final' },
    },
  });
}
