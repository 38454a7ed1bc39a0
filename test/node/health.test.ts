import { afterEach, describe, expect, it } from 'vitest';
import { createActor, fromPromise, SimulatedClock } from 'xstate';
import { createProcessGroup, idle } from '../../src/index.js';
import { type HealthServer, healthReport, startHealthServer } from '../../src/node/health.js';

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

  it('answers 404 for other paths, 405 for other methods, and HEAD without a body', async () => {
    const actor = createActor(createProcessGroup({ id: 'app', children: [idle] })).start();
    server = await startHealthServer(actor);
    expect((await get('/nope')).status).toBe(404);
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
