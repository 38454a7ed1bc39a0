/**
 * Live view of a supervision tree in the Stately inspector.
 *
 * {@link startInspector} starts the `@statelyai/inspect` relay server and a WebSocket inspector
 * connected to it, and returns the `inspect` observer to give to `createActor` (or to
 * `runMain`). Every actor of the tree then shows up in the inspector under its id, with its
 * state, context and events. The browser is opened only when asked. `@statelyai/inspect` is an
 * optional peer dependency: install it to use this.
 */
import type { InspectionEvent, Observer } from 'xstate';
import { invalidOption } from '../policy/options.js';

/** Options of {@link startInspector}. */
export interface InspectorOptions {
  /** The relay server's port. Default 8080. */
  port?: number;
  /** Opens the inspector in the default browser. Default false. */
  open?: boolean;
  /** The inspector UI to embed. Default the Stately inspector. */
  url?: string;
}

/** A running inspector. */
export interface Inspector {
  /** Give this to `createActor(logic, { inspect })` or `runMain(logic, { inspect })`. */
  inspect: Observer<InspectionEvent>;
  /** The page that shows the inspector, e.g. `http://localhost:8080`. */
  url: string;
  /** The WebSocket relay other tools can listen on, e.g. `ws://localhost:8080`. */
  relayUrl: string;
  /** Sends what is still queued, then closes the connection and the server. */
  stop(): Promise<void>;
}

/** The optional package this needs is not installed. */
export class InspectorUnavailableError extends Error {
  override readonly name = 'InspectorUnavailableError';
  constructor(cause: unknown) {
    super(
      'inspecting needs the optional package @statelyai/inspect: npm install @statelyai/inspect',
      {
        cause,
      },
    );
  }
}

/**
 * Starts the inspector relay server on `port` and connects a WebSocket inspector to it.
 *
 * @example
 *
 * ```ts
 * import { createActor } from 'xstate';
 * import { createSupervisor, startInspector } from 'xstate-supervisor/node';
 *
 * const inspector = await startInspector({ port: 8080, open: true });
 * const actor = createActor(createSupervisor(worker), { inspect: inspector.inspect }).start();
 * // … open http://localhost:8080 …
 * await inspector.stop();
 * ```
 */
export async function startInspector(options: InspectorOptions = {}): Promise<Inspector> {
  const port = options.port ?? 8080;
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    invalidOption('startInspector', 'port', port, 'a whole number from 1 to 65535');
  }
  let inspectModule: typeof import('@statelyai/inspect');
  let serverModule: typeof import('@statelyai/inspect/server');
  try {
    [inspectModule, serverModule] = await Promise.all([
      import('@statelyai/inspect'),
      import('@statelyai/inspect/server'),
    ]);
  } catch (error) {
    throw new InspectorUnavailableError(error);
  }
  const server = serverModule.createInspectorServer({
    port,
    autoOpen: options.open === true,
    ...(options.url ? { url: options.url } : {}),
  });
  const relayUrl = `ws://localhost:${port}`;
  const inspector = inspectModule.createWebSocketInspector({ url: relayUrl });
  return {
    inspect: inspector.inspect as Observer<InspectionEvent>,
    url: `http://localhost:${port}`,
    relayUrl,
    async stop() {
      // The inspector converts events on a zero-delay timer; let those go out first.
      await new Promise((resolve) => setTimeout(resolve, 20));
      inspector.stop();
      server.stop();
    },
  };
}
