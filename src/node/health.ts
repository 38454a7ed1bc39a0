/**
 * Health endpoints for orchestrators: `/livez`, `/readyz` and `/metrics` over HTTP.
 *
 * Liveness says the root actor has not stopped or failed; readiness says every supervisor,
 * group and child in the tree is running (none backing off or stopping). Kubernetes probes,
 * load balancers and systemd watchdogs read them; Prometheus scrapes `/metrics`. The server
 * listens on loopback by default.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AnyActorRef } from 'xstate';
import { checkOptions, invalidOption } from '../policy/options.js';
import { describeTree, isTreeReady, type TreeNode } from '../tree.js';
import { METRICS_CONTENT_TYPE, renderMetrics } from './metrics.js';
import { listen } from './ports.js';

/** Options of {@link startHealthServer}. */
export interface HealthServerOptions {
  /** The TCP port; 0 picks a free one. Default 0. */
  port?: number;
  /** The address to listen on. Default `'127.0.0.1'` (loopback only). */
  host?: string;
}

/** A running health server. */
export interface HealthServer {
  /** The port it listens on. */
  port: number;
  /** Its base URL, e.g. `http://127.0.0.1:8081`. */
  url: string;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

/** One line of the `/readyz` body. */
export interface HealthEntry {
  path: string;
  state: TreeNode['state'];
}

/**
 * Serves `/livez`, `/readyz` and `/metrics` for the tree under `actor`.
 *
 * - `GET /livez`: 200 while the root actor is active; 503 once it has stopped or failed.
 * - `GET /readyz`: 200 when every node of the tree is running and ready; 503 while any is
 *   backing off, stopping, stopped or failed, or has not yet signalled readiness (a child
 *   declared to signal it, such as a `fromChildProcess` with a `ready` check). The JSON body lists each node's path and state, nothing else
 *   (no context, input, error message or environment).
 * - `GET /metrics`: 200 with the tree's numbers in the Prometheus text format (see
 *   {@link renderMetrics}): restarts, up, ready, failures in a row, backoff delay and dropped
 *   messages, one series per supervised child labelled by its path.
 * - A port in use rejects with a `ListenError` whose message says so in one line.
 *
 * @example
 *
 * ```ts
 * const actor = createActor(app).start();
 * const health = await startHealthServer(actor, { port: 8081 });
 * // curl http://127.0.0.1:8081/readyz
 * // {"ready":true,"children":[{"path":"app","state":"running"},{"path":"app/api","state":"running"}]}
 * // curl http://127.0.0.1:8081/metrics
 * // xstate_supervisor_child_restarts_total{path="app/api"} 0 …
 * await health.close();
 * ```
 */
export async function startHealthServer(
  actor: AnyActorRef,
  options: HealthServerOptions = {},
): Promise<HealthServer> {
  const owner = 'startHealthServer';
  if (
    typeof actor !== 'object' ||
    actor === null ||
    typeof (actor as { getSnapshot?: unknown }).getSnapshot !== 'function' ||
    typeof (actor as { system?: unknown }).system !== 'object'
  ) {
    invalidOption(owner, 'actor', actor, 'an actor (the result of createActor)');
  }
  const given = checkOptions(owner, 'options', options, ['port', 'host']);
  const port = given.port ?? 0;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65_535) {
    invalidOption(owner, 'port', port, 'a whole number from 0 to 65535');
  }
  const host = given.host ?? '127.0.0.1';
  if (typeof host !== 'string' || host === '' || /[\s/]/.test(host))
    invalidOption(owner, 'host', host, 'a host name or address');

  const server = createServer((request, response) => respond(actor, request, response));
  await listen(server, port, host, 'the health endpoints');
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    port: actualPort,
    url: `http://${urlHost}:${actualPort}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * The `/readyz` verdict and body for the tree under `actor`, without a server.
 *
 * @example
 *
 * ```ts
 * const { ready, children } = healthReport(actor);
 * ```
 */
export function healthReport(actor: AnyActorRef): {
  live: boolean;
  ready: boolean;
  children: HealthEntry[];
} {
  const live = actor.getSnapshot().status === 'active';
  const tree = describeTree(actor);
  const children: HealthEntry[] = [];
  // A node that says it is not ready (a child that signals readiness and has not yet) keeps
  // the tree not ready, whatever its state.
  let everyReady = true;
  const walk = (node: TreeNode) => {
    children.push({ path: node.path, state: node.state });
    if (node.ready === false) everyReady = false;
    for (const child of node.children) walk(child);
  };
  walk(tree);
  return { live, ready: live && everyReady && isTreeReady(tree), children };
}

function respond(actor: AnyActorRef, request: IncomingMessage, response: ServerResponse): void {
  const path = (request.url ?? '/').split('?')[0];
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    send(
      response,
      405,
      { error: `method ${request.method} not allowed; use GET` },
      { allow: 'GET, HEAD' },
    );
    return;
  }
  if (path === '/livez') {
    const { live } = healthReport(actor);
    send(response, live ? 200 : 503, { live, status: actor.getSnapshot().status });
    return;
  }
  if (path === '/readyz') {
    const report = healthReport(actor);
    send(response, report.ready ? 200 : 503, {
      ready: report.ready,
      children: report.children,
    });
    return;
  }
  if (path === '/metrics') {
    const text = renderMetrics(describeTree(actor));
    response.writeHead(200, {
      'content-type': METRICS_CONTENT_TYPE,
      'content-length': Buffer.byteLength(text),
      'cache-control': 'no-store',
    });
    response.end(request.method === 'HEAD' ? undefined : text);
    return;
  }
  send(response, 404, { error: `no such endpoint: ${path}; try /livez, /readyz or /metrics` });
}

function send(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = `${JSON.stringify(body)}\n`;
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...headers,
  });
  response.end(response.req.method === 'HEAD' ? undefined : text);
}
