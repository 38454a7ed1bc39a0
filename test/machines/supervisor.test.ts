/**
 * Tests of the supervisor machine: the seed's supervisor scenarios, restart types, the restart
 * limit and its escalation, nesting, failure-count reset, graceful and forced stops, reload and
 * custom messages, context, lifecycle events, bad events, the event loop, and one test for each
 * XState pitfall the design has to avoid. All timing runs on a `SimulatedClock`, except the one
 * test about starving the real event loop.
 */

import { describe, expect, it, onTestFinished, vi } from 'vitest';
import {
  type AnyActorLogic,
  type AnyActorRef,
  assign,
  createActor,
  createMachine,
  fromCallback,
  fromPromise,
  SimulatedClock,
  setup,
} from 'xstate';
import { fromProcess } from '../../src/actors/fromProcess.js';
import { idle } from '../../src/actors/idle.js';
import { markShutdownAware } from '../../src/actors/shutdownAware.js';
import { SupervisorError } from '../../src/errors.js';
import type { LifecycleEvent } from '../../src/lifecycle.js';
import {
  createSupervisor,
  IMMEDIATE_RESTARTS_BEFORE_YIELD,
  MAX_PENDING_MESSAGES,
  type SupervisorEvent,
  type SupervisorOptions,
  type SupervisorOutput,
} from '../../src/machines/supervisor.js';
import { childOf, childSetMembers } from '../../src/runtime/reach.js';
import { advance, processProbe, settle } from '../support/probe.js';

/** Every actor under `actor` that is still active (none may be, once a supervisor has ended). */
function liveActors(actor: AnyActorRef): string[] {
  const live: string[] = [];
  const walk = (ref: AnyActorRef, path: string) => {
    const snapshot = ref.getSnapshot() as {
      status?: string;
      children?: Record<string, AnyActorRef | undefined>;
    };
    for (const [id, child] of Object.entries(snapshot.children ?? {})) {
      if (!child) continue;
      if (child.getSnapshot()?.status === 'active') live.push(`${path}/${id}`);
      walk(child, `${path}/${id}`);
    }
  };
  walk(actor, actor.id);
  return live;
}

/** Starts a supervisor on a simulated clock, recording its lifecycle events and its error. */
function supervise(child: AnyActorLogic, options: SupervisorOptions = {}, input?: unknown) {
  const clock = new SimulatedClock();
  const actor = createActor(createSupervisor(child, options), { clock, input });
  const errors: unknown[] = [];
  const events: LifecycleEvent[] = [];
  actor.subscribe({ error: (error) => errors.push(error) });
  actor.on('*', (event) => events.push(event as LifecycleEvent));
  actor.start();
  return {
    actor,
    clock,
    errors,
    events,
    /** Types of the lifecycle events emitted so far. */
    eventTypes: () => events.map((event) => event.type),
    advance: (ms: number) => advance(clock, ms),
    output: () => actor.getSnapshot().output as SupervisorOutput | undefined,
    send: (event: SupervisorEvent) => actor.send(event),
  };
}

const failAtOnce =
  (count = Number.POSITIVE_INFINITY) =>
  (run: { index: number; fail(error: unknown): void }) => {
    if (run.index < count) run.fail(new Error(`failure ${run.index + 1}`));
  };

describe('supervisor: the seed scenarios', () => {
  it('runs a single child and stops it on shutdown (scenario 1)', async () => {
    const probe = processProbe();
    const s = supervise(probe.logic);
    await settle();
    expect(s.actor.getSnapshot().matches({ running: 'active' })).toBe(true);
    expect(probe.live()).toHaveLength(1);
    s.send({ type: 'shutdown' });
    await settle();
    expect(s.actor.getSnapshot().status).toBe('done');
    expect(s.actor.getSnapshot().matches('stopped')).toBe(true);
    expect(s.output()).toEqual({
      reason: 'shutdown',
      restarts: 0,
      failures: 0,
      lastError: null,
      forced: [],
      droppedMessages: 0,
      output: 'drained',
    });
    expect(probe.last.signal.aborted).toBe(true);
    expect(probe.live()).toEqual([]);
  });

  it('runs idle until shutdown (scenario 1 with the idle process)', async () => {
    const s = supervise(idle);
    await s.advance(60_000);
    expect(s.actor.getSnapshot().matches({ running: 'active' })).toBe(true);
    s.send({ type: 'shutdown' });
    await settle();
    expect(s.output()?.reason).toBe('shutdown');
  });

  it('passes a reload to the running child, counted once, then stops on shutdown (scenario 3)', async () => {
    const probe = processProbe();
    const s = supervise(probe.logic);
    await settle();
    s.send({ type: 'reload' });
    await settle();
    expect(probe.last.reloads).toEqual([{ type: 'reload' }]);
    s.send({ type: 'shutdown' });
    await settle();
    expect(s.output()?.reason).toBe('shutdown');
    expect(probe.runs).toHaveLength(1);
  });

  it('waits for a child that takes 300 ms to stop before stopping (scenario 4)', async () => {
    const slowStopper = createMachine({
      initial: 'working',
      states: {
        working: { on: { shutdown: 'draining' } },
        draining: { after: { 300: 'drained' } },
        drained: { type: 'final' },
      },
      output: 'drained after 300 ms',
    });
    const s = supervise(slowStopper);
    s.send({ type: 'shutdown' });
    expect(s.actor.getSnapshot().matches({ running: 'stopping' })).toBe(true);
    await s.advance(299);
    expect(s.actor.getSnapshot().matches({ running: 'stopping' })).toBe(true);
    await s.advance(1);
    expect(s.actor.getSnapshot().status).toBe('done');
    expect(s.output()?.reason).toBe('shutdown');
    expect(s.output()?.output).toBe('drained after 300 ms');
  });

  it('delivers a message sent between two runs to the next run (scenario 6)', async () => {
    const probe = processProbe({ onStart: failAtOnce(1) });
    const s = supervise(probe.logic, { backoff: { initialMs: 100 } });
    await settle();
    expect(s.actor.getSnapshot().matches('backingOff')).toBe(true);
    s.send({ type: 'reload' });
    s.send({ type: 'rotate', payload: 42 });
    await s.advance(100);
    expect(probe.runs).toHaveLength(2);
    expect(probe.runs[1]?.reloads).toEqual([{ type: 'reload' }]);
    expect(probe.runs[1]?.messages).toEqual([{ type: 'rotate', payload: 42 }]);
    expect(probe.runs[0]?.reloads).toEqual([]);
  });

  it('starts a child that fails twice 3 times with 60/200/2 backoff, waiting 60 + 120 ms, and ends successfully (scenario 9)', async () => {
    const startedAt: number[] = [];
    let clock: SimulatedClock | undefined;
    const probe = processProbe({
      onStart: (run) => {
        startedAt.push(clock?.now() ?? 0);
        failAtOnce(2)(run);
      },
    });
    const s = supervise(probe.logic, { backoff: { initialMs: 60, maxMs: 200, factor: 2 } });
    clock = s.clock;
    await s.advance(59);
    expect(probe.runs).toHaveLength(1);
    await s.advance(1);
    expect(probe.runs).toHaveLength(2);
    await s.advance(119);
    expect(probe.runs).toHaveLength(2);
    await s.advance(1);
    expect(probe.runs).toHaveLength(3);
    expect(startedAt).toEqual([0, 60, 180]);
    expect(startedAt[2]).toBeGreaterThanOrEqual(150);
    probe.last.succeed('finished');
    await settle();
    expect(s.actor.getSnapshot().status).toBe('done');
    expect(s.output()).toEqual({
      reason: 'completed',
      restarts: 2,
      failures: 2,
      lastError: { name: 'Error', message: 'failure 2' },
      forced: [],
      droppedMessages: 0,
      output: 'finished',
    });
    expect(s.errors).toEqual([]);
  });

  it('ends at once on shutdown during a 5 s backoff wait, starting nothing more (scenario 10)', async () => {
    const probe = processProbe({ onStart: failAtOnce() });
    const s = supervise(probe.logic, { backoff: { initialMs: 5_000 } });
    await s.advance(1_000);
    expect(s.actor.getSnapshot().matches({ backingOff: 'waiting' })).toBe(true);
    s.send({ type: 'shutdown' });
    expect(s.actor.getSnapshot().status).toBe('done');
    expect(s.output()?.reason).toBe('shutdown');
    await s.advance(10_000);
    expect(probe.runs).toHaveLength(1);
  });

  it('stops a child that ignores shutdown by force after a 100 ms grace period (scenario 11)', async () => {
    const probe = processProbe({ onShutdown: 'ignore' });
    const s = supervise(probe.logic, { shutdownTimeoutMs: 100 });
    await settle();
    s.send({ type: 'shutdown' });
    await s.advance(99);
    expect(s.actor.getSnapshot().matches({ running: 'stopping' })).toBe(true);
    expect(probe.last.live).toBe(true);
    expect(probe.last.signal.aborted).toBe(true);
    await s.advance(1);
    expect(s.actor.getSnapshot().status).toBe('done');
    expect(s.output()?.reason).toBe('forced');
    expect(probe.live()).toEqual([]);
    expect(s.eventTypes()).toContain('child.forced');
  });
});

describe('supervisor: restart types', () => {
  it('transient (the default) restarts after an error but ends after completion', async () => {
    const probe = processProbe({ onStart: failAtOnce(1) });
    const s = supervise(probe.logic, { backoff: { initialMs: 10 } });
    await s.advance(10);
    expect(probe.runs).toHaveLength(2);
    probe.last.succeed(7);
    await s.advance(1_000);
    expect(probe.runs).toHaveLength(2);
    expect(s.output()).toMatchObject({ reason: 'completed', restarts: 1, output: 7 });
  });

  it('permanent restarts after completion too, with backoff', async () => {
    const probe = processProbe();
    const s = supervise(probe.logic, { restart: 'permanent', backoff: { initialMs: 50 } });
    await settle();
    probe.last.succeed('first');
    await settle();
    expect(s.actor.getSnapshot().matches('backingOff')).toBe(true);
    expect(s.eventTypes()).toEqual(['child.started', 'child.completed', 'restart.scheduled']);
    await s.advance(49);
    expect(probe.runs).toHaveLength(1);
    await s.advance(1);
    expect(probe.runs).toHaveLength(2);
    probe.last.fail(new Error('then failed'));
    await settle();
    expect(s.actor.getSnapshot().context.nextDelayMs).toBe(100);
    await s.advance(100);
    expect(probe.runs).toHaveLength(3);
    expect(s.actor.getSnapshot().status).toBe('active');
  });

  it('temporary never restarts: a failure makes the supervisor fail with that error as cause', async () => {
    const probe = processProbe();
    const s = supervise(probe.logic, { restart: 'temporary' });
    await settle();
    const boom = new Error('once only');
    probe.last.fail(boom);
    await s.advance(60_000);
    expect(probe.runs).toHaveLength(1);
    expect(s.actor.getSnapshot().status).toBe('error');
    expect(s.errors).toHaveLength(1);
    const error = s.errors[0] as SupervisorError;
    expect(error).toBeInstanceOf(SupervisorError);
    expect(error.reason).toBe('temporary');
    expect(error.cause).toBe(boom);
  });

  it('temporary ends as completed when the child completes', async () => {
    const probe = processProbe();
    const s = supervise(probe.logic, { restart: 'temporary' });
    await settle();
    probe.last.succeed('ok');
    await settle();
    expect(s.output()).toMatchObject({ reason: 'completed', output: 'ok' });
  });
});

describe('supervisor: restart limit', () => {
  it('gives up after more than maxRestarts.count restarts, failing with the last error as cause', async () => {
    const errors: Error[] = [];
    const probe = processProbe({
      onStart: (run) => {
        const error = new Error(`failure ${run.index + 1}`);
        errors.push(error);
        run.fail(error);
      },
    });
    const s = supervise(probe.logic, {
      id: 'api',
      backoff: { initialMs: 10 },
      maxRestarts: { count: 2, withinMs: 10_000 },
    });
    await s.advance(1_000);
    expect(probe.runs).toHaveLength(3);
    expect(s.actor.getSnapshot().status).toBe('error');
    expect(s.errors).toHaveLength(1);
    const error = s.errors[0] as SupervisorError;
    expect(error).toBeInstanceOf(SupervisorError);
    expect(error.name).toBe('SupervisorError');
    expect(error.reason).toBe('max-restarts');
    expect(error.cause).toBe(errors[2]);
    expect(error.supervisorId).toBe('api');
    expect(error.restarts).toBe(2);
    expect(error.failures).toBe(3);
    expect(error.message).toContain('more than 2 restarts within 10000 ms');
    expect(error.message).toContain('failure 3');
    expect(s.eventTypes().at(-1)).toBe('supervisor.gaveUp');
  });

  it('gives up at the first failure with maxRestarts.count 0', async () => {
    const probe = processProbe({ onStart: failAtOnce() });
    const s = supervise(probe.logic, { maxRestarts: { count: 0, withinMs: 1 } });
    await s.advance(1_000);
    expect(probe.runs).toHaveLength(1);
    expect((s.errors[0] as SupervisorError).reason).toBe('max-restarts');
  });

  it('gives up when the restarts within the window exceed the count', async () => {
    const probe = processProbe({ onStart: failAtOnce(1) });
    const s = supervise(probe.logic, {
      backoff: { initialMs: 10 },
      maxRestarts: { count: 1, withinMs: 1_000 },
      resetAfterMs: false,
    });
    await s.advance(500);
    expect(probe.runs).toHaveLength(2);
    probe.last.fail(new Error('again within the window'));
    await s.advance(100);
    expect(s.actor.getSnapshot().status).toBe('error');
    expect(probe.runs).toHaveLength(2);
  });

  it('no longer counts restarts that left the window', async () => {
    const probe = processProbe({ onStart: failAtOnce(1) });
    const s = supervise(probe.logic, {
      backoff: { initialMs: 10 },
      maxRestarts: { count: 1, withinMs: 1_000 },
      resetAfterMs: false,
    });
    await s.advance(1_100);
    probe.last.fail(new Error('after the window'));
    await s.advance(100);
    expect(s.actor.getSnapshot().status).toBe('active');
    expect(probe.runs).toHaveLength(3);
  });

  it('counts restarts after completion of a permanent child toward the limit', async () => {
    const probe = processProbe();
    const s = supervise(probe.logic, {
      restart: 'permanent',
      backoff: { initialMs: 10 },
      maxRestarts: { count: 1, withinMs: 10_000 },
    });
    await settle();
    probe.last.succeed();
    await s.advance(10);
    expect(probe.runs).toHaveLength(2);
    probe.last.succeed();
    await s.advance(1_000);
    expect(probe.runs).toHaveLength(2);
    expect(s.actor.getSnapshot().status).toBe('error');
    expect((s.errors[0] as SupervisorError).reason).toBe('max-restarts');
  });

  it('escalates to a parent machine: its onError gets a SupervisorError caused by the child’s last error', async () => {
    const last = new Error('database unreachable');
    const probe = processProbe({
      onStart: (run) => run.fail(run.index < 2 ? new Error('flaky') : last),
    });
    const parent = setup({
      types: { context: {} as { error: unknown } },
      actors: {
        supervisor: createSupervisor(probe.logic, {
          backoff: { initialMs: 10 },
          maxRestarts: { count: 2, withinMs: 60_000 },
        }),
      },
    }).createMachine({
      context: { error: undefined },
      initial: 'supervising',
      states: {
        supervising: {
          invoke: {
            src: 'supervisor',
            onError: {
              target: 'supervisorFailed',
              actions: assign({ error: ({ event }) => event.error }),
            },
            onDone: 'supervisorDone',
          },
        },
        supervisorFailed: {},
        supervisorDone: {},
      },
    });
    const clock = new SimulatedClock();
    const actor = createActor(parent, { clock });
    const parentErrors: unknown[] = [];
    actor.subscribe({ error: (error) => parentErrors.push(error) });
    actor.start();
    await advance(clock, 1_000);
    expect(actor.getSnapshot().value).toBe('supervisorFailed');
    expect(actor.getSnapshot().status).toBe('active');
    expect(parentErrors).toEqual([]);
    const error = actor.getSnapshot().context.error as SupervisorError;
    expect(error).toBeInstanceOf(SupervisorError);
    expect(error.cause).toBe(last);
    expect(probe.runs).toHaveLength(3);
    expect(probe.live()).toEqual([]);
  });
});

describe('supervisor: nested supervisors', () => {
  const nested = (outerOptions: SupervisorOptions = {}) => {
    const probe = processProbe();
    const inner = createSupervisor(probe.logic, {
      id: 'inner',
      backoff: { initialMs: 10 },
      maxRestarts: { count: 0, withinMs: 1_000 },
    });
    const s = supervise(inner, { id: 'outer', backoff: { initialMs: 100 }, ...outerOptions });
    return { probe, s };
  };

  it('restarts an inner supervisor that gave up, with a fresh child', async () => {
    const { probe, s } = nested();
    await settle();
    probe.last.fail(new Error('inner child failed'));
    await settle();
    expect(s.actor.getSnapshot().matches('backingOff')).toBe(true);
    expect(s.actor.getSnapshot().context.lastError).toMatchObject({
      name: 'SupervisorError',
      cause: { name: 'Error', message: 'inner child failed' },
    });
    await s.advance(100);
    expect(probe.runs).toHaveLength(2);
    expect(probe.last.live).toBe(true);
    expect(probe.runs[0]?.live).toBe(false);
  });

  it('fails the outer supervisor with a cause chain down to the child’s error when both give up', async () => {
    const { probe, s } = nested({ maxRestarts: { count: 0, withinMs: 1_000 } });
    await settle();
    const boom = new Error('root cause');
    probe.last.fail(boom);
    await settle();
    const outerError = s.errors[0] as SupervisorError;
    expect(outerError).toBeInstanceOf(SupervisorError);
    expect(outerError.supervisorId).toBe('outer');
    const innerError = outerError.cause as SupervisorError;
    expect(innerError).toBeInstanceOf(SupervisorError);
    expect(innerError.supervisorId).toBe('inner');
    expect(innerError.cause).toBe(boom);
  });

  it('drains the whole tree on shutdown of the outer supervisor', async () => {
    const { probe, s } = nested();
    await settle();
    s.send({ type: 'shutdown' });
    await settle();
    expect(probe.last.signal.aborted).toBe(true);
    expect(s.actor.getSnapshot().status).toBe('done');
    expect(s.output()?.reason).toBe('shutdown');
    expect(s.output()?.output).toMatchObject({ reason: 'shutdown', output: 'drained' });
  });

  it('passes reload and custom messages through to the innermost child', async () => {
    const { probe, s } = nested();
    await settle();
    s.send({ type: 'reload' });
    s.send({ type: 'rotate', n: 1 });
    await settle();
    expect(probe.last.reloads).toEqual([{ type: 'reload' }]);
    expect(probe.last.messages).toEqual([{ type: 'rotate', n: 1 }]);
  });
});

describe('supervisor: failure count reset after a stable run', () => {
  const setupReset = (options: SupervisorOptions) => {
    const probe = processProbe({ onStart: failAtOnce(2) });
    const s = supervise(probe.logic, { backoff: { initialMs: 100, factor: 2 }, ...options });
    return { probe, s };
  };

  it('resets the failure count after resetAfterMs of running, so the next failure waits initialMs', async () => {
    const { probe, s } = setupReset({ resetAfterMs: 1_000 });
    await s.advance(300); // two failures: 100 + 200 ms
    expect(probe.runs).toHaveLength(3);
    expect(s.actor.getSnapshot().context.failures).toBe(2);
    await s.advance(999);
    expect(s.actor.getSnapshot().context.failures).toBe(2);
    await s.advance(1);
    expect(s.actor.getSnapshot().context.failures).toBe(0);
    probe.last.fail(new Error('much later'));
    await settle();
    expect(s.actor.getSnapshot().context.failures).toBe(1);
    expect(s.actor.getSnapshot().context.nextDelayMs).toBe(100);
    await s.advance(99);
    expect(probe.runs).toHaveLength(3);
    await s.advance(1);
    expect(probe.runs).toHaveLength(4);
  });

  it('keeps counting failures of a run shorter than resetAfterMs', async () => {
    const { probe, s } = setupReset({ resetAfterMs: 1_000 });
    await s.advance(300 + 999);
    probe.last.fail(new Error('too soon'));
    await settle();
    expect(s.actor.getSnapshot().context.failures).toBe(3);
    expect(s.actor.getSnapshot().context.nextDelayMs).toBe(400);
  });

  it('never resets with resetAfterMs false', async () => {
    const { probe, s } = setupReset({ resetAfterMs: false });
    await s.advance(300 + 3_600_000);
    probe.last.fail(new Error('an hour later'));
    await settle();
    expect(s.actor.getSnapshot().context.failures).toBe(3);
    expect(s.actor.getSnapshot().context.nextDelayMs).toBe(400);
  });

  it('resets after twice backoff.maxMs by default', async () => {
    const { s } = setupReset({ backoff: { initialMs: 100, maxMs: 1_000 } });
    await s.advance(300 + 1_999);
    expect(s.actor.getSnapshot().context.failures).toBe(2);
    await s.advance(1);
    expect(s.actor.getSnapshot().context.failures).toBe(0);
  });
});

describe('supervisor: shouldRestart', () => {
  it('fails at once, without a restart, when shouldRestart returns false', async () => {
    const probe = processProbe();
    const shouldRestart = vi.fn(() => false);
    const s = supervise(probe.logic, { shouldRestart });
    await settle();
    const fatal = new Error('bad configuration');
    probe.last.fail(fatal);
    await s.advance(60_000);
    expect(probe.runs).toHaveLength(1);
    expect(shouldRestart).toHaveBeenCalledWith(fatal, 1);
    const error = s.errors[0] as SupervisorError;
    expect(error).toBeInstanceOf(SupervisorError);
    expect(error.reason).toBe('not-restartable');
    expect(error.cause).toBe(fatal);
  });

  it('is asked with the failure count, this failure included, and restarts while it says true', async () => {
    const probe = processProbe({ onStart: failAtOnce() });
    const calls: number[] = [];
    const s = supervise(probe.logic, {
      backoff: { initialMs: 10 },
      shouldRestart: (_error, failures) => {
        calls.push(failures);
        return failures < 3;
      },
    });
    await s.advance(1_000);
    expect(probe.runs).toHaveLength(3);
    expect(calls.slice(0, 3)).toEqual([1, 2, 3]);
    expect((s.errors[0] as SupervisorError).reason).toBe('not-restartable');
  });

  it('treats a shouldRestart that throws as false', async () => {
    const probe = processProbe({ onStart: failAtOnce() });
    const s = supervise(probe.logic, {
      shouldRestart: () => {
        throw new Error('predicate bug');
      },
    });
    await s.advance(1_000);
    expect(probe.runs).toHaveLength(1);
    expect((s.errors[0] as SupervisorError).reason).toBe('not-restartable');
  });
});

describe('supervisor: graceful and forced stop', () => {
  it('ends with reason shutdown when the child stops within the grace period', async () => {
    const probe = processProbe({ onShutdown: 'ignore' });
    const s = supervise(probe.logic, { shutdownTimeoutMs: 100 });
    await settle();
    s.send({ type: 'shutdown' });
    await s.advance(50);
    expect(s.actor.getSnapshot().matches({ running: 'stopping' })).toBe(true);
    probe.last.succeed('flushed');
    await settle();
    expect(s.output()).toMatchObject({ reason: 'shutdown', output: 'flushed' });
    await s.advance(100);
    expect(s.output()?.reason).toBe('shutdown');
    expect(s.eventTypes()).toEqual(['child.started', 'shutdown.started', 'child.stopped']);
  });

  it('gives the child 30 s by default before forcing it', async () => {
    const probe = processProbe({ onShutdown: 'ignore' });
    const s = supervise(probe.logic);
    await settle();
    s.send({ type: 'shutdown' });
    await s.advance(29_999);
    expect(s.actor.getSnapshot().matches({ running: 'stopping' })).toBe(true);
    await s.advance(1);
    expect(s.output()?.reason).toBe('forced');
  });

  it('stops the child at once with reason forced on shutdown with force: true', async () => {
    const probe = processProbe({ onShutdown: 'ignore' });
    const s = supervise(probe.logic);
    await settle();
    s.send({ type: 'shutdown', force: true });
    expect(s.actor.getSnapshot().status).toBe('done');
    expect(s.output()?.reason).toBe('forced');
    expect(probe.last.live).toBe(false);
    expect(probe.last.signal.aborted).toBe(true);
  });

  it('forces a draining child at once on a second shutdown with force: true', async () => {
    const probe = processProbe({ onShutdown: 'ignore' });
    const s = supervise(probe.logic);
    await settle();
    s.send({ type: 'shutdown' });
    await s.advance(10);
    s.send({ type: 'shutdown', force: true });
    expect(s.output()?.reason).toBe('forced');
    expect(probe.last.live).toBe(false);
  });

  it('does not restart the grace period on a repeated plain shutdown', async () => {
    const probe = processProbe({ onShutdown: 'ignore' });
    const s = supervise(probe.logic, { shutdownTimeoutMs: 100 });
    await settle();
    s.send({ type: 'shutdown' });
    await s.advance(60);
    s.send({ type: 'shutdown' });
    await s.advance(40);
    expect(s.output()?.reason).toBe('forced');
  });

  it('does not restart a child that fails while draining; it ends with reason shutdown', async () => {
    const probe = processProbe({ onShutdown: 'ignore' });
    const s = supervise(probe.logic, { backoff: { initialMs: 10 } });
    await settle();
    s.send({ type: 'shutdown' });
    probe.last.fail(new Error('failed while flushing'));
    await s.advance(1_000);
    expect(probe.runs).toHaveLength(1);
    expect(s.output()).toMatchObject({
      reason: 'shutdown',
      lastError: { message: 'failed while flushing' },
    });
  });

  it('stops at once, with reason shutdown, on shutdown with force: true during backoff', async () => {
    const probe = processProbe({ onStart: failAtOnce() });
    const s = supervise(probe.logic);
    await settle();
    s.send({ type: 'shutdown', force: true });
    expect(s.output()?.reason).toBe('shutdown');
  });
});

describe('supervisor: children that cannot receive events', () => {
  it('stops a fromPromise child at once on shutdown, aborting its signal, without a grace period', async () => {
    let signal: AbortSignal | undefined;
    const child = fromPromise(
      ({ signal: s }) =>
        new Promise<void>(() => {
          signal = s;
        }),
    );
    const s = supervise(child, { shutdownTimeoutMs: 30_000 });
    await settle();
    s.send({ type: 'shutdown' });
    expect(s.actor.getSnapshot().status).toBe('done');
    expect(s.output()?.reason).toBe('shutdown');
    expect(signal?.aborted).toBe(true);
    expect(liveActors(s.actor)).toEqual([]);
  });

  it('stops a fromCallback child at once on shutdown, running its clean-up', async () => {
    const cleanup = vi.fn();
    const s = supervise(fromCallback(() => cleanup));
    s.send({ type: 'shutdown' });
    expect(cleanup).toHaveBeenCalledOnce();
    expect(s.output()?.reason).toBe('shutdown');
  });

  it('stops a machine child without a shutdown transition at once', async () => {
    const s = supervise(createMachine({ initial: 'on', states: { on: {} } }));
    s.send({ type: 'shutdown' });
    expect(s.output()?.reason).toBe('shutdown');
  });

  it('waits for a callback child marked shutdown-aware, which receives shutdown', async () => {
    const cleanup = vi.fn();
    const received: string[] = [];
    const child = markShutdownAware(
      fromCallback(({ receive }) => {
        receive((event) => received.push(event.type));
        return cleanup;
      }),
    );
    const s = supervise(child, { shutdownTimeoutMs: 100 });
    s.send({ type: 'shutdown' });
    expect(received).toEqual(['shutdown']);
    expect(s.actor.getSnapshot().matches({ running: 'stopping' })).toBe(true);
    expect(cleanup).not.toHaveBeenCalled();
    await s.advance(100);
    expect(s.output()?.reason).toBe('forced');
    expect(cleanup).toHaveBeenCalledOnce();
  });

  it("waits out the grace period for a fromPromise child with childShutdown 'graceful'", async () => {
    const s = supervise(
      fromPromise(() => new Promise<void>(() => {})),
      { childShutdown: 'graceful', shutdownTimeoutMs: 100 },
    );
    s.send({ type: 'shutdown' });
    await s.advance(99);
    expect(s.actor.getSnapshot().matches({ running: 'stopping' })).toBe(true);
    await s.advance(1);
    expect(s.output()?.reason).toBe('forced');
  });

  it("stops a fromProcess child at once with childShutdown 'immediate'", async () => {
    const probe = processProbe({ onShutdown: 'ignore' });
    const s = supervise(probe.logic, { childShutdown: 'immediate' });
    await settle();
    s.send({ type: 'shutdown' });
    expect(s.output()?.reason).toBe('shutdown');
    expect(probe.last.live).toBe(false);
    expect(probe.last.signal.aborted).toBe(true);
  });
});

describe('supervisor: reload and custom messages', () => {
  it('passes reload to the running child and emits reload.sent', async () => {
    const probe = processProbe();
    const s = supervise(probe.logic);
    await settle();
    s.send({ type: 'reload' });
    s.send({ type: 'reload' });
    await settle();
    expect(probe.last.reloads).toHaveLength(2);
    expect(s.eventTypes().filter((type) => type === 'reload.sent')).toHaveLength(2);
  });

  it('passes any other event to the running child unchanged: its fields, read once', async () => {
    const probe = processProbe();
    const s = supervise(probe.logic);
    await settle();
    const message = { type: 'set-level', level: 'debug', tags: ['a', 'b'], nested: { n: 42 } };
    s.send(message);
    await settle();
    expect(probe.last.messages).toEqual([message]);
    // A copy of its own fields, made once as it arrived; what they hold is shared, not copied.
    expect((probe.last.messages[0] as typeof message).nested).toBe(message.nested);
  });

  it('delivers a reload sent during backoff once, when the child next starts', async () => {
    const probe = processProbe({ onStart: failAtOnce(1) });
    const s = supervise(probe.logic, { backoff: { initialMs: 100 } });
    await settle();
    s.send({ type: 'reload' });
    await settle();
    expect(s.actor.getSnapshot().context.pendingMessages).toBe(1);
    await s.advance(100);
    expect(probe.runs[1]?.reloads).toEqual([{ type: 'reload' }]);
    expect(s.actor.getSnapshot().context.pendingMessages).toBe(0);
    await s.advance(1_000);
    expect(probe.runs[1]?.reloads).toHaveLength(1);
  });

  it('delivers several reloads sent during one backoff wait as one reload', async () => {
    const probe = processProbe({ onStart: failAtOnce(1) });
    const s = supervise(probe.logic, { backoff: { initialMs: 100 } });
    await settle();
    for (let i = 0; i < 5; i++) s.send({ type: 'reload' });
    await s.advance(100);
    expect(probe.runs[1]?.reloads).toEqual([{ type: 'reload' }]);
    expect(s.eventTypes().filter((type) => type === 'reload.sent')).toHaveLength(1);
  });

  it('delivers no reload to a restarted child when none was sent during backoff', async () => {
    const probe = processProbe({ onStart: failAtOnce(1) });
    const s = supervise(probe.logic, { backoff: { initialMs: 100 } });
    await s.advance(100);
    expect(probe.runs).toHaveLength(2);
    expect(probe.runs[1]?.reloads).toEqual([]);
    expect(probe.runs[1]?.messages).toEqual([]);
  });

  it('delivers every custom message sent during backoff, in order, on restart', async () => {
    const probe = processProbe({ onStart: failAtOnce(1) });
    const s = supervise(probe.logic, { backoff: { initialMs: 100 } });
    await settle();
    s.send({ type: 'a', n: 1 });
    s.send({ type: 'b', n: 2 });
    s.send({ type: 'a', n: 3 });
    await s.advance(100);
    expect(probe.runs[1]?.messages).toEqual([
      { type: 'a', n: 1 },
      { type: 'b', n: 2 },
      { type: 'a', n: 3 },
    ]);
    expect(s.actor.getSnapshot().context.pendingMessages).toBe(0);
  });

  it(`keeps the latest ${MAX_PENDING_MESSAGES} messages sent during backoff and counts the dropped`, async () => {
    const probe = processProbe({ onStart: failAtOnce(1) });
    const s = supervise(probe.logic, { backoff: { initialMs: 100 } });
    await settle();
    for (let n = 0; n < MAX_PENDING_MESSAGES + 3; n++) s.send({ type: 'tick', n });
    expect(s.actor.getSnapshot().context.droppedMessages).toBe(3);
    await s.advance(100);
    const received = probe.runs[1]?.messages.map((m) => (m as unknown as { n: number }).n);
    expect(received).toHaveLength(MAX_PENDING_MESSAGES);
    expect(received?.[0]).toBe(3);
  });

  it('passes custom messages to a draining child', async () => {
    const probe = processProbe({ onShutdown: 'ignore' });
    const s = supervise(probe.logic);
    await settle();
    s.send({ type: 'shutdown' });
    s.send({ type: 'status?' });
    await settle();
    expect(probe.last.messages).toEqual([{ type: 'status?' }]);
  });
});

describe('supervisor: context and input', () => {
  it('counts failures and restarts and shows the next delay and last error', async () => {
    const probe = processProbe({ onStart: failAtOnce(2) });
    const s = supervise(probe.logic, { backoff: { initialMs: 100, factor: 3 } });
    await settle();
    expect(s.actor.getSnapshot().context).toMatchObject({
      failures: 1,
      restarts: 0,
      nextDelayMs: 100,
      lastError: { name: 'Error', message: 'failure 1' },
    });
    await s.advance(100);
    expect(s.actor.getSnapshot().context).toMatchObject({
      failures: 2,
      restarts: 1,
      nextDelayMs: 300,
      lastError: { name: 'Error', message: 'failure 2' },
    });
    await s.advance(300);
    expect(s.actor.getSnapshot().context).toMatchObject({ failures: 2, restarts: 2 });
  });

  it('keeps a serializable context: JSON round-trips it unchanged, error causes and codes included', async () => {
    const probe = processProbe();
    const s = supervise(probe.logic, { input: { port: 8080 } }, { region: 'eu' });
    await settle();
    const error = Object.assign(new Error('listen failed', { cause: new TypeError('bad port') }), {
      code: 'EADDRINUSE',
      socket: { self: null as unknown },
    });
    error.socket.self = error;
    probe.last.fail(error);
    await settle();
    s.send({ type: 'custom', at: 1 });
    s.send({ type: 'reload' });
    const context = s.actor.getSnapshot().context;
    expect(context.lastError).toEqual({
      name: 'Error',
      message: 'listen failed',
      code: 'EADDRINUSE',
      cause: { name: 'TypeError', message: 'bad port' },
    });
    expect(JSON.parse(JSON.stringify(context))).toEqual(context);
  });

  it('summarizes a non-Error failure in lastError', async () => {
    const s = supervise(
      fromPromise(async () => {
        throw 'plain string';
      }),
    );
    await settle();
    expect(s.actor.getSnapshot().context.lastError).toEqual({
      name: 'string',
      message: 'plain string',
    });
  });

  it('summarizes a non-Error value thrown by a fromProcess child as a ThrownValueError', async () => {
    const s = supervise(
      fromProcess(async () => {
        throw { code: 3 };
      }),
    );
    await settle();
    expect(s.actor.getSnapshot().context.lastError).toEqual({
      name: 'ThrownValueError',
      message: 'a non-Error value was thrown: {"code":3}',
      cause: { name: 'object', message: '{"code":3}' },
    });
  });

  it('passes the input option to every run, computing it from the supervisor input at each start', async () => {
    const probe = processProbe({ onStart: failAtOnce(1) });
    let calls = 0;
    const s = supervise(
      probe.logic,
      {
        backoff: { initialMs: 10 },
        input: ({ input }: { input: { queue: string } }) => ({ queue: input.queue, call: ++calls }),
      },
      { queue: 'emails' },
    );
    await s.advance(10);
    expect(probe.runs.map((run) => run.input)).toEqual([
      { queue: 'emails', call: 1 },
      { queue: 'emails', call: 2 },
    ]);
  });

  it('passes a plain input value to the child', async () => {
    const probe = processProbe();
    supervise(probe.logic, { input: { fixed: true } });
    await settle();
    expect(probe.last.input).toEqual({ fixed: true });
  });

  it('waits the jittered delay drawn from the random option', async () => {
    const probe = processProbe({ onStart: failAtOnce(1) });
    const s = supervise(probe.logic, {
      backoff: { initialMs: 1_000, jitter: 'full' },
      random: () => 0.25,
    });
    await settle();
    expect(s.actor.getSnapshot().context.nextDelayMs).toBe(250);
    await s.advance(249);
    expect(probe.runs).toHaveLength(1);
    await s.advance(1);
    expect(probe.runs).toHaveLength(2);
  });
});

describe('supervisor: lifecycle events', () => {
  it('emits started, failed, scheduled, started, reload, shutdown, stopped in order', async () => {
    const probe = processProbe({ onStart: failAtOnce(1) });
    const s = supervise(probe.logic, { id: 'api', backoff: { initialMs: 100 } });
    await s.advance(100);
    s.send({ type: 'reload' });
    s.send({ type: 'shutdown' });
    await settle();
    expect(s.events).toEqual([
      { type: 'child.started', supervisorId: 'api', childId: 'api', restarts: 0 },
      {
        type: 'child.failed',
        supervisorId: 'api',
        childId: 'api',
        error: { name: 'Error', message: 'failure 1' },
        failures: 1,
      },
      {
        type: 'restart.scheduled',
        supervisorId: 'api',
        childId: 'api',
        delayMs: 100,
        failures: 1,
      },
      { type: 'child.started', supervisorId: 'api', childId: 'api', restarts: 1 },
      { type: 'reload.sent', supervisorId: 'api', childId: 'api' },
      { type: 'shutdown.started', supervisorId: 'api', childId: 'api' },
      { type: 'child.stopped', supervisorId: 'api', childId: 'api' },
    ]);
  });

  it('emits failed and gaveUp when it gives up', async () => {
    const probe = processProbe({ onStart: failAtOnce() });
    const s = supervise(probe.logic, { childId: 'db', restart: 'temporary' });
    await settle();
    expect(s.events).toEqual([
      { type: 'child.started', supervisorId: 'supervisor', childId: 'db', restarts: 0 },
      {
        type: 'child.failed',
        supervisorId: 'supervisor',
        childId: 'db',
        error: { name: 'Error', message: 'failure 1' },
        failures: 1,
      },
      {
        type: 'supervisor.gaveUp',
        supervisorId: 'supervisor',
        childId: 'db',
        reason: 'temporary',
        error: { name: 'Error', message: 'failure 1' },
      },
    ]);
  });

  it('emits forced with the grace period when the child is stopped by force', async () => {
    const probe = processProbe({ onShutdown: 'ignore' });
    const s = supervise(probe.logic, { shutdownTimeoutMs: 100 });
    await settle();
    s.send({ type: 'shutdown' });
    await s.advance(100);
    expect(s.events.at(-1)).toEqual({
      type: 'child.forced',
      supervisorId: 'supervisor',
      childId: 'supervisor',
      shutdownTimeoutMs: 100,
      cause: 'grace-period',
    });
  });

  it('says a forced shutdown, not a missed grace period, when shutdown had force: true', async () => {
    const probe = processProbe({ onShutdown: 'ignore' });
    const s = supervise(probe.logic, { shutdownTimeoutMs: 100 });
    await settle();
    s.send({ type: 'shutdown', force: true });
    expect(s.events.at(-1)).toMatchObject({ type: 'child.forced', cause: 'forced-shutdown' });
  });
});

describe('supervisor: malformed events', () => {
  /** Events with a string type but odd or missing fields, shutdown aside. */
  const malformed: SupervisorEvent[] = [
    { type: 'reload', extra: 1 },
    { type: 'whatever' },
    { type: '' },
    { type: 'reload', type2: { deep: [null] } },
    { type: 'xstate.supervisor.escalate' },
    { type: 'xstate.supervisor.restartExpired' },
    { type: 'xstate.supervisor.yielded' },
  ];
  const oddShutdowns: SupervisorEvent[] = [
    { type: 'shutdown', force: 'yes' },
    { type: 'shutdown', force: null },
    { type: 'shutdown', force: 1 },
  ];

  it.each(oddShutdowns)(
    'treats $type with force $force as a graceful shutdown while running',
    async (event) => {
      const probe = processProbe({ onShutdown: 'ignore' });
      const s = supervise(probe.logic);
      await settle();
      s.send(event);
      expect(s.actor.getSnapshot().matches({ running: 'stopping' })).toBe(true);
      expect(probe.last.live).toBe(true);
      for (const again of oddShutdowns) s.send(again);
      expect(s.actor.getSnapshot().matches({ running: 'stopping' })).toBe(true);
      probe.last.succeed();
      await settle();
      expect(s.output()?.reason).toBe('shutdown');
      expect(s.errors).toEqual([]);
    },
  );

  it.each(oddShutdowns)('stops on $type with force $force during backoff', async (event) => {
    const probe = processProbe({ onStart: failAtOnce() });
    const s = supervise(probe.logic);
    await settle();
    s.send(event);
    expect(s.output()?.reason).toBe('shutdown');
  });

  it('passes a reload with extra fields on as a reload', async () => {
    const probe = processProbe();
    const s = supervise(probe.logic);
    await settle();
    s.send({ type: 'reload', extra: 1 });
    await settle();
    expect(probe.last.reloads).toHaveLength(1);
  });

  it('never crashes while running, stopping or backing off', async () => {
    const probe = processProbe({ onShutdown: 'ignore', onStart: failAtOnce(1) });
    const s = supervise(probe.logic, { backoff: { initialMs: 100 } });
    await settle();
    expect(s.actor.getSnapshot().matches('backingOff')).toBe(true);
    for (const event of malformed) s.send(event);
    await settle();
    expect(s.actor.getSnapshot().status).toBe('active');
    await s.advance(100);
    expect(s.actor.getSnapshot().matches({ running: 'active' })).toBe(true);
    for (const event of malformed) s.send(event);
    await settle();
    expect(s.actor.getSnapshot().status).toBe('active');
    expect(s.actor.getSnapshot().matches({ running: 'active' })).toBe(true);
    s.send({ type: 'shutdown' });
    expect(s.actor.getSnapshot().matches({ running: 'stopping' })).toBe(true);
    for (const event of malformed) s.send(event);
    await settle();
    expect(s.actor.getSnapshot().status).toBe('active');
    expect(s.errors).toEqual([]);
  });
});

describe('supervisor: the event loop', () => {
  it('restarts at once, without any timer, when the backoff is zero', async () => {
    const probe = processProbe({ onStart: failAtOnce(5) });
    const s = supervise(probe.logic, { backoff: { initialMs: 0 } });
    await settle();
    // The simulated clock never moves: a restart that needed a timer would not happen.
    expect(s.clock.now()).toBe(0);
    expect(probe.runs).toHaveLength(6);
    expect(s.actor.getSnapshot().matches({ running: 'active' })).toBe(true);
    expect(s.actor.getSnapshot().context).toMatchObject({ restarts: 5, failures: 5 });
  });

  it(`yields to the event loop once after ${IMMEDIATE_RESTARTS_BEFORE_YIELD} immediate restarts in a row`, async () => {
    const total = IMMEDIATE_RESTARTS_BEFORE_YIELD + 20;
    const probe = processProbe({ onStart: failAtOnce(total) });
    const clock = new SimulatedClock();
    const actor = createActor(createSupervisor(probe.logic, { backoff: { initialMs: 0 } }), {
      clock,
    });
    let yielded = 0;
    let left = false;
    actor.subscribe({
      next: (snapshot) => {
        // The supervisor stays in running; its child waits one turn of the event loop.
        if (!snapshot.matches('running')) left = true;
        if (childSetMembers(actor)?.[0]?.status === 'backingOff') yielded++;
      },
      error: () => {},
    });
    actor.start();
    for (let i = 0; i < 20 && probe.runs.length <= total; i++) await settle();
    expect(probe.runs).toHaveLength(total + 1);
    expect(yielded).toBe(1);
    expect(left).toBe(false);
    expect(actor.getSnapshot().matches({ running: 'active' })).toBe(true);
    expect(actor.getSnapshot().context.restarts).toBe(total);
  });

  it('honours a shutdown sent from a real timer while a child fails instantly forever with zero backoff', async () => {
    const child = fromProcess(() => {
      throw new Error('instant failure');
    });
    const actor = createActor(createSupervisor(child, { backoff: { initialMs: 0 } }));
    const ended = new Promise<void>((resolve, reject) => {
      actor.subscribe({ complete: () => resolve(), error: reject });
    });
    const startedAt = Date.now();
    actor.start();
    const timer = setTimeout(() => actor.send({ type: 'shutdown' }), 20);
    const outcome = await Promise.race([
      ended.then(() => 'stopped'),
      new Promise<string>((resolve) => setTimeout(() => resolve('starved'), 5_000).unref()),
    ]);
    clearTimeout(timer);
    actor.stop();
    expect(outcome).toBe('stopped');
    expect(Date.now() - startedAt).toBeLessThan(5_000);
    expect(actor.getSnapshot().output).toMatchObject({ reason: 'shutdown' });
    // It did fail and restart in a loop, and the shutdown got in at a yield.
    expect((actor.getSnapshot().output as SupervisorOutput).restarts).toBeGreaterThanOrEqual(
      IMMEDIATE_RESTARTS_BEFORE_YIELD,
    );
  });
});

describe('supervisor: XState pitfalls', () => {
  it('restarts a child whose own child has a fixed systemId many times without "already exists"', async () => {
    for (const initialMs of [0, 10]) {
      const registry = processProbe();
      let runs = 0;
      const child = setup({
        actors: {
          registry: registry.logic,
          failing: fromPromise(async () => {
            runs++;
            if (runs <= 30) throw new Error(`fail ${runs}`);
            await new Promise<void>(() => {});
          }),
        },
      }).createMachine({
        invoke: [
          { src: 'registry', systemId: 'registry' },
          {
            src: 'failing',
            onError: {
              actions: ({ event }) => {
                throw event.error;
              },
            },
          },
        ],
      });
      const s = supervise(child, { backoff: { initialMs, factor: 1 } });
      await s.advance(1_000);
      expect(s.errors).toEqual([]);
      const failures = s.events.flatMap((event) =>
        event.type === 'child.failed' ? [event.error.message] : [],
      );
      expect(failures).toHaveLength(30);
      expect(failures.every((message) => /^fail \d+$/.test(message))).toBe(true);
      expect(s.actor.getSnapshot().matches({ running: 'active' })).toBe(true);
      expect(registry.runs).toHaveLength(31);
      expect(s.actor.system.get('registry')).toBe(registry.last.actor);
      expect(registry.live()).toEqual([registry.last]);
    }
  });

  it('leaves no live child behind when it gives up', async () => {
    const grandchild = processProbe();
    const child = setup({
      actors: {
        worker: grandchild.logic,
        failing: fromPromise(async () => {
          throw new Error('child gave out');
        }),
      },
    }).createMachine({
      invoke: [
        { src: 'worker' },
        {
          src: 'failing',
          onError: {
            actions: ({ event }) => {
              throw event.error;
            },
          },
        },
      ],
    });
    const s = supervise(child, { restart: 'temporary' });
    await settle();
    expect(s.actor.getSnapshot().status).toBe('error');
    expect(liveActors(s.actor)).toEqual([]);
    expect(grandchild.runs).toHaveLength(1);
    expect(grandchild.last.signal.aborted).toBe(true);
    expect(grandchild.live()).toEqual([]);
  });

  it('leaves no live child behind when the restart limit is reached', async () => {
    const probe = processProbe({ onStart: failAtOnce() });
    const s = supervise(probe.logic, {
      backoff: { initialMs: 0 },
      maxRestarts: { count: 3, withinMs: 1_000 },
    });
    await settle();
    expect(s.actor.getSnapshot().status).toBe('error');
    expect(liveActors(s.actor)).toEqual([]);
    expect(probe.runs.every((run) => run.signal.aborted && !run.live)).toBe(true);
  });

  it('stops what a failed machine child left running, so restarts do not pile up its children', async () => {
    const worker = processProbe();
    let runs = 0;
    const child = setup({
      actors: {
        worker: worker.logic,
        failing: fromPromise(async () => {
          runs++;
          if (runs <= 3) throw new Error(`run ${runs} failed`);
          await new Promise<void>(() => {});
        }),
      },
    }).createMachine({
      invoke: [
        { src: 'worker' },
        {
          src: 'failing',
          onError: {
            actions: ({ event }) => {
              throw event.error;
            },
          },
        },
      ],
    });
    const s = supervise(child, { backoff: { initialMs: 10, factor: 1 } });
    await s.advance(100);
    expect(worker.runs).toHaveLength(4);
    expect(worker.live()).toEqual([worker.last]);
    expect(worker.runs.slice(0, 3).every((run) => run.signal.aborted)).toBe(true);
  });

  it('replaces an errored child by a fresh actor on every restart', async () => {
    const probe = processProbe({ onStart: failAtOnce(3) });
    const s = supervise(probe.logic, { backoff: { initialMs: 10, factor: 1 } });
    await s.advance(100);
    const actors = probe.runs.map((run) => run.actor);
    expect(actors).toHaveLength(4);
    expect(new Set(actors).size).toBe(4);
    expect(childOf(s.actor)).toBe(probe.last.actor);
    s.send({ type: 'reload' });
    await settle();
    expect(probe.last.reloads).toHaveLength(1);
  });

  it('does not let the wildcard swallow the child’s error while custom messages are forwarded', async () => {
    const starts: number[] = [];
    let noise = 0;
    const child = setup({}).createMachine({
      entry: () => starts.push(starts.length),
      on: {
        noise: {
          actions: () => {
            noise++;
          },
        },
        explode: {
          actions: () => {
            throw new Error('exploded on message');
          },
        },
      },
    });
    const s = supervise(child, { backoff: { initialMs: 10 } });
    for (let i = 0; i < 5; i++) s.send({ type: 'noise', i });
    s.send({ type: 'explode' });
    for (let i = 0; i < 5; i++) s.send({ type: 'noise', i });
    expect(noise).toBe(5);
    expect(s.actor.getSnapshot().matches('backingOff')).toBe(true);
    expect(s.actor.getSnapshot().context.lastError?.message).toBe('exploded on message');
    await s.advance(10);
    expect(starts).toHaveLength(2);
    expect(s.actor.getSnapshot().matches({ running: 'active' })).toBe(true);
    // the five messages sent during the backoff wait reach the new child
    expect(noise).toBe(10);
  });

  it('never crashes sending reload or messages while the child is not live', async () => {
    const starts: number[] = [];
    const child = setup({}).createMachine({
      entry: () => starts.push(starts.length),
      on: {
        poison: {
          actions: () => {
            throw new Error('poisoned');
          },
        },
      },
    });
    // XState warns about the event sent to the child that has just errored; that is expected.
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    onTestFinished(() => warn.mockRestore());
    const s = supervise(child, { backoff: { initialMs: 100 } });
    s.send({ type: 'poison' });
    // backing off: no child
    s.send({ type: 'reload' });
    s.send({ type: 'poison' });
    s.send({ type: 'after-poison' });
    s.send({ type: 'reload' });
    expect(s.actor.getSnapshot().status).toBe('active');
    // on restart the queued poison kills the new child, and the queued messages after it are
    // sent to a child that has just errored
    await s.advance(100);
    expect(starts).toHaveLength(2);
    expect(s.actor.getSnapshot().status).toBe('active');
    expect(s.actor.getSnapshot().matches('backingOff')).toBe(true);
    expect(s.actor.getSnapshot().context.failures).toBe(2);
    s.send({ type: 'shutdown' });
    expect(s.output()?.reason).toBe('shutdown');
    expect(s.errors).toEqual([]);
  });

  it('never crashes when a message is sent right after the child errored', async () => {
    const probe = processProbe();
    const s = supervise(probe.logic, { backoff: { initialMs: 100 } });
    await settle();
    const run = probe.last;
    run.fail(new Error('gone'));
    await Promise.resolve();
    s.send({ type: 'reload' });
    s.send({ type: 'custom' });
    await settle();
    expect(s.actor.getSnapshot().status).toBe('active');
    expect(s.actor.getSnapshot().matches('backingOff')).toBe(true);
    await s.advance(100);
    expect(probe.runs).toHaveLength(2);
    expect(probe.last.reloads).toHaveLength(1);
    expect(probe.last.messages).toEqual([{ type: 'custom' }]);
  });
});
