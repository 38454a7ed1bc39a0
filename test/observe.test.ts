import { describe, expect, it, vi } from 'vitest';
import { createActor, fromPromise, SimulatedClock } from 'xstate';
import { createProcessGroup, createSupervisor, type LifecycleEvent } from '../src/index.js';
import {
  createLifecycleLogger,
  isLifecycleEvent,
  lifecycleLevel,
  observeLifecycle,
} from '../src/observe.js';

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('observeLifecycle', () => {
  it('hears lifecycle events of nested supervisors and groups, not only the root', async () => {
    const clock = new SimulatedClock();
    let runs = 0;
    const flaky = fromPromise(async () => {
      runs++;
      if (runs === 1) throw new Error('first run fails');
      await new Promise(() => {});
    });
    const tree = createSupervisor(
      createProcessGroup({
        id: 'app',
        strategy: 'one-for-one',
        children: [{ id: 'flaky', logic: createSupervisor(flaky, { id: 'flakySup' }) }],
      }),
      { id: 'root' },
    );
    const actor = createActor(tree, { clock });
    const seen: string[] = [];
    const sub = observeLifecycle(actor, (event) =>
      seen.push(`${event.supervisorId}/${event.childId} ${event.type}`),
    );
    actor.start();
    await settle();
    clock.increment(200);
    await settle();
    expect(seen).toEqual([
      'flakySup/flaky child.started',
      'app/flaky child.started',
      'root/root child.started',
      'flakySup/flaky child.failed',
      'flakySup/flaky restart.scheduled',
      'flakySup/flaky child.started',
    ]);
    sub.unsubscribe();
    actor.send({ type: 'shutdown' });
    await settle();
    expect(seen).toHaveLength(6);
  });

  it('ignores emitted events that are not lifecycle events', () => {
    expect(isLifecycleEvent({ type: 'child.started' })).toBe(false);
    expect(isLifecycleEvent({ type: 'custom', supervisorId: 'x' })).toBe(false);
    expect(
      isLifecycleEvent({ type: 'child.started', supervisorId: 'x', childId: 'y', restarts: 0 }),
    ).toBe(true);
  });
});

describe('createLifecycleLogger', () => {
  const failed: LifecycleEvent = {
    type: 'child.failed',
    supervisorId: 'api',
    childId: 'child',
    error: { name: 'Error', message: 'boom' },
    failures: 2,
  };

  it('writes one readable line per event by default', () => {
    const lines: string[] = [];
    createLifecycleLogger({ stream: { write: (chunk) => lines.push(chunk) } })(failed);
    expect(lines).toEqual(['api/child: failed (failure 2): Error: boom\n']);
  });

  it('writes JSON lines with time and level in json format', () => {
    const lines: string[] = [];
    const log = createLifecycleLogger({
      format: 'json',
      stream: { write: (chunk) => lines.push(chunk) },
      now: () => new Date('2026-01-02T03:04:05.000Z'),
    });
    log(failed);
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toEqual({
      time: '2026-01-02T03:04:05.000Z',
      level: 'warn',
      ...failed,
    });
  });

  it('calls a console- or pino-like logger at the level of the event', () => {
    const logger = { info: vi.fn(), warn: vi.fn(), error: vi.fn() };
    const log = createLifecycleLogger({ format: logger });
    log(failed);
    log({
      type: 'supervisor.gaveUp',
      supervisorId: 'api',
      childId: 'child',
      reason: 'max-restarts',
      error: null,
    });
    log({ type: 'child.started', supervisorId: 'api', childId: 'child', restarts: 0 });
    expect(logger.warn).toHaveBeenCalledWith(failed, 'api/child: failed (failure 2): Error: boom');
    expect(logger.error).toHaveBeenCalledTimes(1);
    expect(logger.info).toHaveBeenCalledTimes(1);
  });

  it('writes nothing when silent', () => {
    const write = vi.fn();
    createLifecycleLogger({ silent: true, stream: { write } })(failed);
    expect(write).not.toHaveBeenCalled();
  });

  it('logs giving up as an error and restarts as information', () => {
    expect(
      lifecycleLevel({
        type: 'restart.scheduled',
        supervisorId: 'a',
        childId: 'b',
        delayMs: 1,
        failures: 1,
      }),
    ).toBe('info');
    expect(
      lifecycleLevel({
        type: 'child.forced',
        supervisorId: 'a',
        childId: 'b',
        shutdownTimeoutMs: 1,
        cause: 'grace-period',
      }),
    ).toBe('warn');
  });
});
