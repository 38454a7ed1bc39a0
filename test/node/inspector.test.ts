import { createServer } from 'node:net';
import { createWebSocketReceiver } from '@statelyai/inspect';
import { describe, expect, it } from 'vitest';
import { createActor, fromPromise, SimulatedClock } from 'xstate';
import { createSupervisor } from '../../src/index.js';
import { startInspector } from '../../src/node/inspector.js';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

interface Received {
  type: string;
  name?: string;
  sessionId: string;
  parentId?: string;
  snapshot?: { value?: unknown; status?: string; context?: Record<string, unknown> };
  event?: { type: string };
}

describe('startInspector (end to end over loopback)', () => {
  it('streams the supervisor tree by name and its running → backingOff → running → stopped sequence', async () => {
    const port = await freePort();
    const inspector = await startInspector({ port });
    const received: Received[] = [];
    const receiver = createWebSocketReceiver({ server: inspector.relayUrl });
    receiver.subscribe((event: Received) => received.push(event));

    let runs = 0;
    const flaky = fromPromise(async () => {
      runs++;
      if (runs <= 2) throw new Error(`failure ${runs}`);
      return 'done';
    });
    const clock = new SimulatedClock();
    const actor = createActor(
      createSupervisor(flaky, { id: 'flaky', backoff: { initialMs: 100, maxMs: 1_000 } }),
      { clock, inspect: inspector.inspect },
    );
    actor.start();
    await settle();
    clock.increment(100);
    await settle();
    clock.increment(200);
    await settle();
    expect(actor.getSnapshot().status).toBe('done');

    const deadline = Date.now() + 10_000;
    const supervisorId = () =>
      received.find((e) => e.type === '@xstate.actor' && e.name === 'flaky')?.sessionId;
    const states = () =>
      received
        .filter((e) => e.type === '@xstate.snapshot' && e.sessionId === supervisorId())
        .map((e) => e.snapshot);
    while (Date.now() < deadline && !states().some((s) => s?.status === 'done')) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await inspector.stop();

    const root = received.find((e) => e.type === '@xstate.actor' && e.name === 'flaky');
    expect(root).toBeDefined();
    const children = received.filter(
      (e) => e.type === '@xstate.actor' && e.parentId === root!.sessionId,
    );
    // One actor per run of the child, right under the supervisor, named after it.
    const childRuns = children;
    expect(childRuns.map((c) => c.name)).toEqual(['flaky', 'flaky', 'flaky']);

    const sequence: string[] = [];
    for (const snapshot of states()) {
      const value = snapshot?.value;
      const top = typeof value === 'string' ? value : Object.keys(value as object)[0]!;
      if (sequence.at(-1) !== top) sequence.push(top);
    }
    expect(sequence).toEqual([
      'running',
      'backingOff',
      'running',
      'backingOff',
      'running',
      'stopped',
    ]);
    const delays = states()
      .filter((s) => s?.value && typeof s.value === 'object' && 'backingOff' in s.value)
      .map((s) => s?.context?.nextDelayMs);
    expect([...new Set(delays)]).toEqual([100, 200]);
    const lastError = states().at(-1)?.context?.lastError;
    expect(lastError).toEqual({ name: 'Error', message: 'failure 2' });
  });

  it('refuses a bad port with a clear error', async () => {
    await expect(startInspector({ port: 0 })).rejects.toThrow(
      'startInspector: option "port" must be a whole number from 1 to 65535; got 0',
    );
  });
});
