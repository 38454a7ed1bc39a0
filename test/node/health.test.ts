import { afterEach, describe, expect, it } from 'vitest';
import { createActor, fromPromise, SimulatedClock } from 'xstate';
import { createProcessGroup, idle } from '../../src/index.js';
import { type HealthServer, healthReport, startHealthServer } from '../../src/node/health.js';
import { parseExposition, seriesValue } from '../support/prometheus.js';

const settle = () => new Promise((resolve) => setImmediate(resolve));
let server: HealthServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function get(path: string, method = 'GET') {
  const response = await fetch(`${server!.url}${path}`, { method });
  return { status: response.status, body: method === 'HEAD' ? '' : await response.text() };
}

describe('startHealthServer', () => {
  it('answers live and ready while every child runs, on loopback', async () => {
    const actor = createActor(
      createProcessGroup({
        id: 'app',
        children: [
          { id: 'api', logic: idle },
          { id: 'db', logic: idle },
        ],
      }),
    ).start();
    server = await startHealthServer(actor);
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await get('/livez')).toEqual({ status: 200, body: '{"live":true,"status":"active"}\n' });
    const ready = await get('/readyz');
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.body)).toEqual({
      ready: true,
      children: [
        { path: 'app', state: 'running' },
        { path: 'app/api', state: 'active' },
        { path: 'app/db', state: 'active' },
      ],
    });
    actor.send({ type: 'shutdown' });
    await settle();
    expect((await get('/livez')).status).toBe(503);
    expect((await get('/readyz')).status).toBe(503);
  });

  it('is not ready while a child backs off, and says which', async () => {
    const clock = new SimulatedClock();
    const failing = fromPromise(async () => {
      throw new Error('down');
    });
    const actor = createActor(
      createProcessGroup({
        id: 'app',
        strategy: 'one-for-one',
        children: [{ id: 'bad', logic: failing }],
      }),
      { clock },
    ).start();
    await settle();
    server = await startHealthServer(actor);
    const ready = await get('/readyz');
    expect(ready.status).toBe(503);
    expect(JSON.parse(ready.body).children).toContainEqual({
      path: 'app/bad',
      state: 'backingOff',
    });
    expect(healthReport(actor).live).toBe(true);
    actor.send({ type: 'shutdown' });
  });

  it('serves /metrics in the Prometheus text format: restarts, up, ready, failures, backoff and drops per child', async () => {
    const clock = new SimulatedClock();
    const failing = fromPromise(async () => {
      throw new Error('down');
    });
    const actor = createActor(
      createProcessGroup({
        id: 'app',
        strategy: 'one-for-one',
        backoff: { initialMs: 100, maxMs: 10_000, factor: 2 },
        children: [
          { id: 'api', logic: idle },
          { id: 'bad', logic: failing },
        ],
      }),
      { clock },
    ).start();
    await settle();
    for (let i = 0; i < 3; i++) {
      clock.increment(10_000);
      await settle();
    }
    actor.send({ type: 'API_KEY', secret: 'hunter2' } as never);
    server = await startHealthServer(actor);
    const response = await fetch(`${server.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await response.text();
    expect(text).not.toContain('hunter2');
    const families = parseExposition(text);
    const value = (name: string, path: string) =>
      seriesValue(families, `xstate_supervisor_${name}`, path);
    // bad: failed 4 times, restarted 3 times, waits 800 ms for its 4th restart.
    expect(value('child_restarts_total', 'app/bad')).toBe(3);
    expect(value('child_consecutive_failures', 'app/bad')).toBe(4);
    expect(value('child_backoff_seconds', 'app/bad')).toBe(0.8);
    expect(value('child_up', 'app/bad')).toBe(0);
    expect(value('child_ready', 'app/bad')).toBe(0);
    expect(value('child_up', 'app/api')).toBe(1);
    expect(value('child_ready', 'app/api')).toBe(1);
    expect(value('child_restarts_total', 'app/api')).toBe(0);
    // The message reached api; bad keeps it for its next run: nothing dropped yet.
    expect(value('dropped_messages_total', 'app')).toBe(0);
    for (let i = 0; i < 101; i++) actor.send({ type: 'ping' } as never);
    const again = parseExposition(await (await fetch(`${server.url}/metrics`)).text());
    expect(seriesValue(again, 'xstate_supervisor_dropped_messages_total', 'app')).toBe(2);
    const head = await fetch(`${server.url}/metrics`, { method: 'HEAD' });
    expect([head.status, await head.text()]).toEqual([200, '']);
    actor.send({ type: 'shutdown' });
  });

  it('answers 404 for other paths, 405 for other methods, and HEAD without a body', async () => {
    const actor = createActor(createProcessGroup({ id: 'app', children: [idle] })).start();
    server = await startHealthServer(actor);
    expect(await get('/nope')).toEqual({
      status: 404,
      body: '{"error":"no such endpoint: /nope; try /livez, /readyz or /metrics"}\n',
    });
    expect((await get('/metrics', 'POST')).status).toBe(405);
    expect((await get('/livez', 'POST')).status).toBe(405);
    expect(await get('/livez', 'HEAD')).toEqual({ status: 200, body: '' });
    actor.send({ type: 'shutdown' });
  });

  it('refuses a bad port with a clear error', async () => {
    const actor = createActor(createProcessGroup({ children: [idle] })).start();
    await expect(startHealthServer(actor, { port: 70_000 })).rejects.toThrow(
      'startHealthServer: option "port" must be a whole number from 0 to 65535; got 70000',
    );
    actor.send({ type: 'shutdown' });
  });
});
