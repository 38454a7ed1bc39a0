/**
 * Live view of a supervision tree in the Stately inspector.
 *
 * {@link startInspector} starts a relay server (an HTTP page that embeds the inspector, and a
 * WebSocket relay behind it) and a WebSocket inspector connected to it, and returns the
 * `inspect` observer to give to `createActor` (or to `runMain`). Every actor of the tree then
 * shows up in the inspector under its id, with its state, context and events.
 *
 * What it relays is the tree's inner life (contexts, events, error messages with stderr
 * tails), so the relay listens on 127.0.0.1 unless told otherwise (`host`, with a warning),
 * and refuses WebSocket connections from web pages other than its own (the `Origin` check
 * that stops any site open in the same browser from reading it). The browser is opened only
 * when asked. `@statelyai/inspect` is an optional peer dependency: install it to use this;
 * the relay uses the `ws` package it brings.
 */
import { execFile } from 'node:child_process';
import { createServer, type IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import { isIP } from 'node:net';
import { hostname, platform } from 'node:os';
import type { Duplex } from 'node:stream';
import type { InspectionEvent, Observer } from 'xstate';
import { checkOptions, invalidOption } from '../policy/options.js';
import { isLoopback, listen } from './ports.js';

/** Options of {@link startInspector}. */
export interface InspectorOptions {
  /** The relay server's port. Default 8080. */
  port?: number;
  /**
   * The address the relay listens on. Default `'127.0.0.1'` (this machine only). Anything
   * else (`'0.0.0.0'`, a LAN address) lets other machines read the whole tree: a warning is
   * emitted (`process.emitWarning`, type `InspectorExposedWarning`).
   */
  host?: string;
  /** Opens the inspector in the default browser. Default false. */
  open?: boolean;
  /** The inspector UI to embed. Default the Stately inspector. */
  url?: string;
}

const INSPECTOR_OPTION_KEYS = ['port', 'host', 'open', 'url'] as const;

/** A running inspector. */
export interface Inspector {
  /** Give this to `createActor(logic, { inspect })` or `runMain(logic, { inspect })`. */
  inspect: Observer<InspectionEvent>;
  /** The page that shows the inspector, e.g. `http://127.0.0.1:8080`. */
  url: string;
  /** The WebSocket relay other tools can listen on, e.g. `ws://127.0.0.1:8080`. */
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

/** Messages kept for a page that connects later (as `@statelyai/inspect`'s own relay does). */
const KEPT_MESSAGES = 200;

interface WsSocket {
  readyState: number;
  send(data: string): void;
  on(event: 'message', listener: (data: { toString(): string }) => void): void;
  terminate(): void;
}
interface WsServer {
  clients: Set<WsSocket>;
  handleUpgrade(
    request: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    done: (ws: WsSocket) => void,
  ): void;
  close(): void;
}
interface WsModule {
  WebSocketServer: new (options: { noServer: true }) => WsServer;
  OPEN: number;
}

/**
 * Starts the inspector relay server on `host:port` and connects a WebSocket inspector to it.
 *
 * - Listens on `127.0.0.1` by default; another `host` emits an `InspectorExposedWarning`.
 * - A WebSocket upgrade is accepted without an `Origin` (programs: the inspector itself,
 *   `createWebSocketReceiver`) or from the relay's own page (`Origin` equal to
 *   `http://<Host>` with a `Host` that is `localhost`, an IP address, this machine's name or
 *   `host`); any other page gets 403, so a site open in the same browser cannot read the tree
 *   (nor can DNS rebinding).
 * - A port in use rejects with a `ListenError` whose message says so in one line.
 *
 * @example
 *
 * ```ts
 * import { createActor } from 'xstate';
 * import { createSupervisor, startInspector } from 'xstate-supervisor/node';
 *
 * const inspector = await startInspector({ port: 8080, open: true });
 * const actor = createActor(createSupervisor(worker), { inspect: inspector.inspect }).start();
 * // … open http://127.0.0.1:8080 …
 * await inspector.stop();
 * ```
 */
export async function startInspector(options: InspectorOptions = {}): Promise<Inspector> {
  const owner = 'startInspector';
  const given = checkOptions(owner, 'options', options, INSPECTOR_OPTION_KEYS);
  const port = given.port ?? 8080;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65_535) {
    invalidOption(owner, 'port', port, 'a whole number from 1 to 65535');
  }
  const host = given.host ?? '127.0.0.1';
  if (typeof host !== 'string' || host === '' || /[\s/]/.test(host)) {
    invalidOption(owner, 'host', host, 'a host name or IP address, e.g. "127.0.0.1"');
  }
  const open = given.open ?? false;
  if (typeof open !== 'boolean') invalidOption(owner, 'open', open, 'true or false');
  const page = given.url ?? 'https://stately.ai/inspect';
  if (typeof page !== 'string' || !/^https?:\/\/[^\s"'<>]+$/.test(page)) {
    invalidOption(owner, 'url', page, 'an http(s) URL without quotes or spaces');
  }

  let inspectModule: typeof import('@statelyai/inspect');
  let ws: WsModule;
  try {
    inspectModule = await import('@statelyai/inspect');
    // The `ws` that @statelyai/inspect depends on, found from where it is installed.
    const require = createRequire(import.meta.url);
    ws = createRequire(require.resolve('@statelyai/inspect/server'))('ws') as WsModule;
  } catch (error) {
    throw new InspectorUnavailableError(error);
  }

  const wildcard = host === '0.0.0.0' || host === '::';
  const urlHost = wildcard ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const url = `http://${urlHost}:${port}`;
  const relayUrl = `ws://${urlHost}:${port}`;

  const server = createServer((request, response) => {
    response.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'x-frame-options': 'DENY',
    });
    response.end(request.method === 'HEAD' ? undefined : bridgePage(page));
  });
  const relay = new ws.WebSocketServer({ noServer: true });
  const kept: string[] = [];
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (!originAllowed(request, host)) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    relay.handleUpgrade(request, socket, head, (client) => {
      for (const message of kept) client.send(message);
      client.on('message', (data) => {
        const message = data.toString();
        kept.push(message);
        if (kept.length > KEPT_MESSAGES) kept.shift();
        for (const other of relay.clients) {
          if (other !== client && other.readyState === ws.OPEN) other.send(message);
        }
      });
    });
  });
  await listen(server, port, host, 'the inspector relay');
  if (!isLoopback(host)) {
    process.emitWarning(
      `the inspector relay listens on ${host}:${port}, beyond this machine: anyone who can reach it sees the whole tree (contexts, events, errors); use the default host 127.0.0.1 unless that is intended`,
      'InspectorExposedWarning',
    );
  }
  if (open) openBrowser(url);

  const inspector = inspectModule.createWebSocketInspector({ url: relayUrl });
  return {
    inspect: inspector.inspect as Observer<InspectionEvent>,
    url,
    relayUrl,
    async stop() {
      // The inspector converts events on a zero-delay timer; let those go out first.
      await new Promise((resolve) => setTimeout(resolve, 20));
      inspector.stop();
      for (const client of relay.clients) client.terminate();
      relay.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/**
 * Whether a WebSocket upgrade may connect: no `Origin` (not a browser page), or the relay's own
 * page, reached under a name that cannot be rebound to another site.
 */
function originAllowed(request: IncomingMessage, host: string): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  const requestHost = request.headers.host;
  if (requestHost === undefined || origin !== `http://${requestHost}`) return false;
  const name = requestHost
    .replace(/:\d+$/, '')
    .replace(/^\[(.*)\]$/, '$1')
    .toLowerCase();
  return (
    name === 'localhost' ||
    isIP(name) !== 0 ||
    name === host.toLowerCase() ||
    name === hostname().toLowerCase()
  );
}

function openBrowser(url: string): void {
  const command =
    platform() === 'darwin' ? 'open' : platform() === 'win32' ? 'explorer' : 'xdg-open';
  execFile(command, [url], () => {
    // No browser to open (a server, a container): the URL is printed anyway.
  });
}

/** The page that embeds the inspector and feeds it from the relay on the same address. */
function bridgePage(inspectorUrl: string): string {
  return `<!DOCTYPE html>
<html>
<head>
  <title>Stately Inspector</title>
  <style>
    * { margin: 0; padding: 0; }
    html, body { height: 100%; }
    iframe { width: 100%; height: 100%; border: none; }
  </style>
</head>
<body>
  <iframe id="inspector" src="${inspectorUrl}"></iframe>
  <script>
    const iframe = document.getElementById('inspector');
    const target = new URL(${JSON.stringify(inspectorUrl)}).origin;
    const buffer = [];
    let connected = false;
    window.addEventListener('message', (e) => {
      if (e.origin === target && e.data && e.data.type === '@statelyai.connected') {
        connected = true;
        for (const event of buffer) iframe.contentWindow.postMessage(event, target);
        buffer.length = 0;
      }
    });
    const ws = new WebSocket('ws://' + location.host);
    ws.onmessage = (event) => {
      const data = JSON.parse(event.data);
      if (connected) iframe.contentWindow.postMessage(data, target);
      else buffer.push(data);
    };
  </script>
</body>
</html>`;
}
