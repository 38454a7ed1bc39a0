import { describe, expect, it } from 'vitest';
import { createActor, createMachine } from 'xstate';
import { acceptsShutdown } from '../../src/actors/shutdownAware.js';
import { createSupervisor } from '../../src/machines/supervisor.js';
import { createTestChild, TestClock } from '../../src/testing.js';

describe('createTestChild', () => {
  it('records each run: input, start and end times, how it ended, what it received', async () => {
    const clock = new TestClock();
    const child = createTestChild({ clock, runs: { 1: { start: 'fail' } } });
    const actor = createActor(
      createSupervisor(child.logic, { input: { url: 'db' }, backoff: { initialMs: 100 } }),
      { clock },
    ).start();
    await clock.settle();
    expect(child.runs.map((run) => run.ending)).toEqual(['failed']);
    actor.send({ type: 'reload' });
    actor.send({ type: 'rotate', n: 1 });
    await clock.advance(100);
    const second = child.run(2);
    expect(second).toMatchObject({ number: 2, input: { url: 'db' }, startedAt: 100, live: true });
    expect(second.reloads).toBe(1);
    expect(second.messages).toEqual([{ type: 'rotate', n: 1 }]);
    await clock.advance(50);
    actor.send({ type: 'shutdown' });
    await clock.settle();
    expect(second).toMatchObject({ ending: 'shut down', endedAt: 150, askedToShutDown: true });
    expect(actor.getSnapshot().output).toMatchObject({ reason: 'shutdown', restarts: 1 });
  });

  it('hangs on shutdown when planned so, until the grace period forces it', async () => {
    const clock = new TestClock();
    const child = createTestChild({ clock, runs: () => ({ shutdown: 'hang' }) });
    const actor = createActor(createSupervisor(child.logic, { shutdownTimeoutMs: 300 }), {
      clock,
    }).start();
    actor.send({ type: 'shutdown' });
    await clock.advance(299);
    expect(child.last?.live).toBe(true);
    await clock.advance(1);
    expect(child.last?.ending).toBe('stopped');
    expect(actor.getSnapshot().output).toMatchObject({ reason: 'forced' });
  });

  it('fails, completes and finishes a hanging shutdown when the test says so', async () => {
    const clock = new TestClock();
    const child = createTestChild({ clock, runs: { 2: { shutdown: 'hang' } } });
    const actor = createActor(
      createSupervisor(child.logic, { restart: 'permanent', backoff: { initialMs: 10 } }),
      { clock },
    ).start();
    child.run(1).complete('first');
    await clock.advance(10);
    expect(child.run(1).ending).toBe('completed');
    actor.send({ type: 'shutdown' });
    await clock.settle();
    expect(child.run(2).live).toBe(true);
    child.run(2).finishShutdown('drained');
    await clock.settle();
    expect(actor.getSnapshot().output).toMatchObject({ reason: 'shutdown', output: 'drained' });
    // A run that has ended ignores what it is told.
    child.run(1).fail();
    expect(child.run(1).ending).toBe('completed');
  });

  it('reports healthy to its parent, at start when planned or when told', async () => {
    const clock = new TestClock();
    const child = createTestChild({ runs: { 1: { start: 'healthy' } } });
    const seen: string[] = [];
    const parent = createMachine({
      invoke: { id: 'child', src: child.logic },
      on: { '*': { actions: ({ event }) => seen.push(event.type) } },
    });
    createActor(parent, { clock }).start();
    await clock.settle();
    child.run(1).reportHealthy();
    expect(seen).toEqual(['supervisor.healthy', 'supervisor.healthy']);
  });

  it('says it is ready to its supervisor, at start when planned or when told, and records when', async () => {
    const clock = new TestClock();
    const child = createTestChild({ clock, runs: { 2: { start: 'ready' } } });
    const actor = createActor(
      createSupervisor(child.logic, {
        signalsReady: true,
        readyTimeoutMs: 1_000,
        backoff: { initialMs: 100 },
      }),
      { clock },
    ).start();
    const readyAt: number[] = [];
    actor.on('child.ready', () => readyAt.push(clock.now()));
    await clock.advance(40);
    expect(actor.getSnapshot().context.ready).toBe(false);
    expect(child.run(1)).toMatchObject({ signalledReady: false, readyAt: undefined });
    child.run(1).ready();
    expect(actor.getSnapshot().context.ready).toBe(true);
    expect(child.run(1)).toMatchObject({ signalledReady: true, readyAt: 40 });
    // A second signal keeps the first time, and the supervisor does not report it again.
    await clock.advance(10);
    child.run(1).ready();
    expect(child.run(1).readyAt).toBe(40);
    child.run(1).fail();
    await clock.settle();
    expect(actor.getSnapshot().context.ready).toBe(false);
    // Run 2 is planned to say it is ready as soon as it starts.
    await clock.advance(100);
    expect(child.run(2)).toMatchObject({ startedAt: 150, signalledReady: true, readyAt: 150 });
    expect(actor.getSnapshot().context).toMatchObject({ ready: true, restarts: 1 });
    expect(readyAt).toEqual([40, 150]);
    // A run that has ended says nothing any more.
    child.run(1).ready();
    expect(readyAt).toEqual([40, 150]);
    actor.stop();
  });

  it('is stopped gracefully by supervisors and groups, and says which run it lacks', () => {
    const child = createTestChild();
    expect(acceptsShutdown(child.logic)).toBe(true);
    expect(child.last).toBeUndefined();
    expect(() => child.run(1)).toThrow('test child: run 1 has not started (0 runs so far)');
    createActor(child.logic).start();
    expect(() => child.plan(1, { start: 'fail' })).toThrow(/already started/);
  });
});
