/**
 * The reconnecting WebSocket example (`examples/reconnect.ts`) against a real `ws` server on
 * loopback, in real time: a connection that worked starts the backoff over, and a shutdown
 * leaves nothing open. Also checks that docs/supervisor.md shows the example as it is.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type WebSocket, WebSocketServer } from 'ws';
import { createActor } from 'xstate';
import { reconnecting } from '../../examples/reconnect.js';
import type { LifecycleEvent } from '../../src/lifecycle.js';
import type { SupervisorOutput } from '../../src/machines/supervisor.js';

const ROOT = resolve(import.meta.dirname, '../..');

/** A `ws` server on 127.0.0.1 that can refuse handshakes and drop connections. */
async function startServer() {
  let refuse = 0;
  const sockets: WebSocket[] = [];
  const received: unknown[] = [];
  const waiters: Array<() => void> = [];
  const wss = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    verifyClient: (_info, accept) => {
      if (refuse > 0) {
        refuse--;
        accept(false, 503);
      } else accept(true);
    },
  });
  await new Promise<void>((ready) => wss.once('listening', ready));
  wss.on('connection', (socket) => {
    sockets.push(socket);
    socket.on('message', (data) => received.push(JSON.parse(String(data))));
    socket.send('hello');
    for (const wake of waiters.splice(0)) wake();
  });
  const { port } = wss.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}`,
    received,
    /** Refuses the next `n` handshakes. */
    refuseNext(n: number) {
      refuse = n;
    },
    /** Resolves once `n` connections have been accepted in all. */
    connections(n: number) {
      return new Promise<void>((ready) => {
        const check = () => (sockets.length >= n ? ready() : waiters.push(check));
        check();
      });
    },
    /** Drops the latest connection from the server side, without a close handshake. */
    dropLatest() {
      sockets.at(-1)?.terminate();
    },
    close: () => new Promise<void>((done) => wss.close(() => done())),
    clients: () => wss.clients.size,
  };
}

/** Resolves once `condition` holds (polled every 5 ms), or fails after `timeoutMs`. */
function waitFor(condition: () => boolean, timeoutMs = 3_000): Promise<void> {
  return new Promise((done, fail) => {
    const started = Date.now();
    const poll = () => {
      if (condition()) return done();
      if (Date.now() - started > timeoutMs) return fail(new Error(`timed out: ${condition}`));
      setTimeout(poll, 5);
    };
    poll();
  });
}

const TCP_HANDLES = new Set(['TCPWrap', 'TCPServerWrap', 'TCPSocketWrap']);
const tcpHandles = () =>
  process.getActiveResourcesInfo().filter((resource) => TCP_HANDLES.has(resource));

describe('examples/reconnect.ts: a reconnecting WebSocket client', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('reconnects with backoff, starts over after a connection that worked, and leaves nothing open', async () => {
    const before = tcpHandles().length;
    const server = await startServer();
    cleanups.push(server.close);
    const actor = createActor(reconnecting, { input: { url: server.url } });
    cleanups.push(() => {
      if (actor.getSnapshot().status === 'active') actor.stop();
    });
    const events: LifecycleEvent[] = [];
    actor.on('*', (event) => {
      if (event.type !== 'received') events.push(event as LifecycleEvent);
    });
    const greetings: string[] = [];
    actor.on('received', (event) => greetings.push(event.data));
    const done = new Promise<SupervisorOutput>((finish, fail) =>
      actor.subscribe({
        complete: () => finish(actor.getSnapshot().output as SupervisorOutput),
        error: fail,
      }),
    );
    const delays = () =>
      events.flatMap((event) => (event.type === 'restart.scheduled' ? [event.delayMs] : []));
    const healthy = () => events.filter((event) => event.type === 'child.healthy').length;

    actor.start();
    await server.connections(1);
    await waitFor(() => healthy() === 1);

    // The connection drops, and the server refuses the next two attempts: 100, 200, 400 ms.
    server.refuseNext(2);
    server.dropLatest();
    await server.connections(2);
    await waitFor(() => healthy() === 2);
    expect(delays()).toEqual([100, 200, 400]);
    expect(actor.getSnapshot().context.failures).toBe(0);

    // A message sent while the connection is down reaches the server on the next one.
    server.dropLatest();
    await waitFor(() => delays().length === 4);
    actor.send({ type: 'subscribe', topic: 'prices' });
    await server.connections(3);
    await waitFor(() => healthy() === 3);
    // The connection worked, so the next drop waits initialMs again, not 800 ms.
    expect(delays()).toEqual([100, 200, 400, 100]);
    await waitFor(() => server.received.length === 1);
    expect(server.received).toEqual([{ type: 'subscribe', topic: 'prices' }]);

    server.dropLatest();
    await server.connections(4);
    await waitFor(() => healthy() === 4);
    expect(delays()).toEqual([100, 200, 400, 100, 100]);
    // What the server said on each connection, heard on the supervisor without re-subscribing.
    await waitFor(() => greetings.length === 4);
    expect(greetings).toEqual(['hello', 'hello', 'hello', 'hello']);

    actor.send({ type: 'shutdown' });
    const output = await done;
    expect(output).toMatchObject({ reason: 'shutdown', forced: [], droppedMessages: 0 });
    expect(output.restarts).toBe(5);
    await waitFor(() => server.clients() === 0);
    await server.close();
    cleanups.length = 0;
    expect(actor.system.getSnapshot()._scheduledEvents).toEqual({});
    await waitFor(() => tcpHandles().length === before);
  });

  it('lets Node exit on its own after a shutdown: no handle is left open', async () => {
    const script = resolve(ROOT, 'test/fixtures/reconnect.ts');
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 8_000);
    const code = await new Promise<number | null>((done) => child.on('exit', done));
    clearTimeout(timer);
    expect(stderr).toBe('');
    expect(code, 'the process stayed alive: a handle was left open').toBe(0);
    expect(stdout).toMatch(/^shutdown \{"reason":"shutdown".*"restarts":1/m);
  });
});

describe('docs/supervisor.md shows the reconnect example as it is', () => {
  it('the example region equals examples/reconnect.ts (imported from the package)', () => {
    const doc = readFileSync(resolve(ROOT, 'docs/supervisor.md'), 'utf8');
    const start = '<!-- example:reconnect:start -->';
    const end = '<!-- example:reconnect:end -->';
    const from = doc.indexOf(start);
    const to = doc.indexOf(end);
    expect(from, `docs/supervisor.md needs "${start}" … "${end}"`).toBeGreaterThanOrEqual(0);
    expect(to).toBeGreaterThan(from);
    const region = doc.slice(from + start.length, to);
    const fenced = /^\s*```ts\n([\s\S]*?)```\s*$/.exec(region);
    expect(fenced, 'the region holds one ```ts block').not.toBeNull();
    const example = readFileSync(resolve(ROOT, 'examples/reconnect.ts'), 'utf8').replace(
      "from '../src/index.js'",
      "from 'xstate-supervisor'",
    );
    expect(
      fenced?.[1],
      'the example in docs/supervisor.md differs from examples/reconnect.ts; copy the file into the region',
    ).toBe(example);
  });
});
