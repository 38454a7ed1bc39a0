/**
 * A supervised child is the child itself, only harder to kill: the findings of issue 9, each as
 * a user meets it (an app machine around the supervisor, events from strangers, a failed start),
 * under simulated time.
 */
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import {
  type AnyActorLogic,
  type AnyActorRef,
  assign,
  createActor,
  createMachine,
  fromPromise,
  SimulatedClock,
  sendParent,
  setup,
} from 'xstate';
import { fromProcess } from '../../src/actors/fromProcess.js';
import { idle } from '../../src/actors/idle.js';
import { SupervisorError } from '../../src/errors.js';
import type { LifecycleEvent } from '../../src/lifecycle.js';
import { createProcessGroup } from '../../src/machines/group.js';
import { createSupervisor, type SupervisorOutput } from '../../src/machines/supervisor.js';
import { observeLifecycle } from '../../src/observe.js';
import { childSetMembers } from '../../src/runtime/reach.js';
import { describeTree, isTreeReady } from '../../src/tree.js';
import { viewsOf } from '../support/children.js';
import { advance, processProbe, settle } from '../support/probe.js';

/** Every actor below `actor` that is still active. */
function liveActors(actor: AnyActorRef): string[] {
  const live: string[] = [];
  const stack: [AnyActorRef, string][] = [[actor, actor.id]];
  for (let next = stack.pop(); next; next = stack.pop()) {
    const [ref, path] = next;
    const snapshot = ref.getSnapshot() as { children?: Record<string, AnyActorRef | undefined> };
    for (const [id, child] of Object.entries(snapshot.children ?? {})) {
      if (!child) continue;
      if (child.getSnapshot()?.status === 'active') live.push(`${path}/${id}`);
      stack.push([child, `${path}/${id}`]);
    }
  }
  return live;
}

/** An app machine that invokes `logic` and records every event it hears. */
function app(logic: AnyActorLogic) {
  const heard: unknown[] = [];
  const machine = setup({ actors: { logic } }).createMachine({
    invoke: { id: 'sup', src: 'logic' },
    on: { '*': { actions: ({ event }) => heard.push(event) } },
  });
  const clock = new SimulatedClock();
  const actor = createActor(machine, { clock }).start();
  return { actor, heard, clock, sup: () => actor.getSnapshot().children.sup as AnyActorRef };
}

describe('1. up: what the child sends its parent reaches the supervisor’s parent', () => {
  it('passes sendParent up exactly once, unchanged, and never back down (no loop)', async () => {
    let pongsSeen = 0;
    const child = setup({}).createMachine({
      entry: sendParent({ type: 'pong', n: 1 }),
      on: {
        pong: { actions: () => pongsSeen++ },
      },
    });
    const { heard, actor } = app(createSupervisor(child, { id: 's' }));
    await settle();
    expect(heard.filter((e) => (e as { type: string }).type === 'pong')).toEqual([
      { type: 'pong', n: 1 },
    ]);
    expect(pongsSeen).toBe(0);
    actor.stop();
  });

  it('is transparent through supervisor → group → supervisor → leaf', async () => {
    const leaf = setup({}).createMachine({ entry: sendParent({ type: 'leaf.hello' }) });
    const inner = createSupervisor(leaf, { id: 'inner', childId: 'leaf' });
    const group = createProcessGroup({ id: 'g', children: [{ id: 'inner', logic: inner }] });
    const outer = createSupervisor(group, { id: 'outer', childId: 'g' });
    const { heard, actor } = app(outer);
    await settle();
    expect(heard).toContainEqual({ type: 'leaf.hello' });
    expect(heard.filter((e) => (e as { type: string }).type === 'leaf.hello')).toHaveLength(1);
    actor.stop();
  });

  it('still handles the layer’s own events sent up by a child (shutdown)', async () => {
    const child = setup({}).createMachine({ entry: sendParent({ type: 'shutdown' }) });
    const actor = createActor(createSupervisor(child)).start();
    await settle();
    expect(actor.getSnapshot().status).toBe('done');
  });

  it('emits what the child emits, across restarts, without re-subscribing', async () => {
    let run = 0;
    const child = fromProcess<void, unknown, { type: 'progress'; run: number }>(
      async ({ emit }) => {
        emit({ type: 'progress', run: ++run });
        await Promise.resolve();
        if (run < 3) throw new Error('again');
        await new Promise(() => {});
      },
    );
    const clock = new SimulatedClock();
    const actor = createActor(createSupervisor(child, { backoff: { initialMs: 10 } }), { clock });
    const progress: number[] = [];
    actor.on('progress', (event) => progress.push(event.run));
    actor.start();
    await advance(clock, 100);
    expect(progress).toEqual([1, 2, 3]);
    actor.stop();
  });
});

describe('2. down: nothing sent is lost without a trace', () => {
  it('keeps messages for the first run that really starts, past a start that throws', async () => {
    let starts = 0;
    const received: string[] = [];
    const child = setup({}).createMachine({
      entry: () => {
        starts++;
        if (starts === 1 || starts === 2) throw new Error(`start ${starts} failed`);
      },
      on: { '*': { actions: ({ event }) => received.push(event.type) } },
    });
    const clock = new SimulatedClock();
    const actor = createActor(createSupervisor(child, { backoff: { initialMs: 100 } }), {
      clock,
    }).start();
    await settle();
    expect(actor.getSnapshot().matches('backingOff')).toBe(true);
    actor.send({ type: 'a' });
    actor.send({ type: 'b' });
    await advance(clock, 100); // start 2 throws at once
    expect(received).toEqual([]);
    await advance(clock, 200); // start 3 works
    expect(received).toEqual(['a', 'b']);
    expect(actor.getSnapshot().context.droppedMessages).toBe(0);
    actor.stop();
  });

  it('hands what a failed fromProcess run never handled to the next run', async () => {
    let run = 0;
    const handled: string[] = [];
    const child = fromProcess(async ({ onMessage }) => {
      run++;
      if (run === 1) {
        await Promise.resolve();
        throw new Error('could not connect');
      }
      onMessage((event) => {
        handled.push(event.type);
      });
      await new Promise(() => {});
    });
    const clock = new SimulatedClock();
    const actor = createActor(createSupervisor(child, { backoff: { initialMs: 50 } }), { clock });
    actor.start();
    actor.send({ type: 'early' });
    await advance(clock, 100);
    expect(handled).toEqual(['early']);
    expect(actor.getSnapshot().context.droppedMessages).toBe(0);
    actor.stop();
  });

  it('keeps messages and a reload for a group child waiting to restart', async () => {
    const probe = processProbe({
      onStart: (r) => {
        if (r.index === 0) r.fail(new Error('down'));
      },
    });
    const clock = new SimulatedClock();
    const actor = createActor(
      createProcessGroup({
        strategy: 'one-for-one',
        backoff: { initialMs: 100 },
        children: [{ id: 'w', logic: probe.logic }],
      }),
      { clock },
    ).start();
    await settle();
    actor.send({ type: 'reload' });
    actor.send({ type: 'job', n: 1 });
    await advance(clock, 100);
    expect(probe.runs).toHaveLength(2);
    expect(probe.runs[1]?.reloads).toHaveLength(1);
    expect(probe.runs[1]?.messages).toEqual([{ type: 'job', n: 1 }]);
    actor.stop();
  });

  it('reports every dropped message with its count and reason, and counts them in the output', async () => {
    const probe = processProbe({
      onShutdown: 'ignore',
      onStart: (r) => {
        if (r.index === 0) r.fail(new Error('down'));
      },
    });
    const clock = new SimulatedClock();
    const actor = createActor(createSupervisor(probe.logic, { backoff: { initialMs: 100 } }), {
      clock,
    });
    const dropped: LifecycleEvent[] = [];
    actor.on('message.dropped', (event) => dropped.push(event));
    actor.start();
    await settle();
    for (let n = 0; n < 103; n++) actor.send({ type: 'tick', n });
    expect(dropped.every((e) => e.type === 'message.dropped' && e.reason === 'overflow')).toBe(
      true,
    );
    expect(dropped.reduce((sum, e) => sum + (e.type === 'message.dropped' ? e.count : 0), 0)).toBe(
      3,
    );
    await advance(clock, 100);
    actor.send({ type: 'shutdown' });
    actor.send({ type: 'reload' });
    expect(dropped.at(-1)).toMatchObject({ count: 1, reason: 'shutting-down' });
    await advance(clock, 31_000);
    const output = actor.getSnapshot().output as SupervisorOutput;
    expect(output.droppedMessages).toBe(4);
  });

  it('emits reload.sent only when a running child got the reload', async () => {
    const probe = processProbe({
      onStart: (r) => {
        if (r.index === 0) r.fail(new Error('down'));
      },
    });
    const clock = new SimulatedClock();
    const actor = createActor(createSupervisor(probe.logic, { backoff: { initialMs: 100 } }), {
      clock,
    });
    const types: string[] = [];
    actor.on('*', (event) => types.push(event.type));
    actor.start();
    await settle();
    actor.send({ type: 'reload' });
    expect(types).not.toContain('reload.sent');
    await advance(clock, 100);
    expect(types.filter((t) => t === 'reload.sent')).toHaveLength(1);
    actor.stop();
  });
});

describe('3. nothing a stranger sends can break it', () => {
  const strangers: unknown[] = [
    undefined,
    null,
    42,
    'shutdown',
    {},
    { type: 5 },
    { type: '' },
    { type: 'xstate.error.actor.children', error: new Error('spoof') },
    { type: 'xstate.done.actor.children', output: 1 },
    { type: 'xstate.error.actor.child', error: new Error('spoof') },
    { type: 'xstate.supervision.failed', reason: 'max-restarts' },
    { type: 'xstate.supervision.empty' },
    { type: 'xstate.supervision.wait', delayMs: 0 },
    { type: 'xstate.supervision.report', events: [], counts: {} },
    { type: 'xstate.stop' },
    { type: 'supervisor.healthy' },
    { type: 'x'.repeat(100_000), payload: 'y'.repeat(1_000_000) },
  ];

  it('a running supervisor ignores malformed and spoofed events; its child runs on', async () => {
    const probe = processProbe();
    const actor = createActor(createSupervisor(probe.logic)).start();
    await settle();
    for (const event of strangers) {
      try {
        actor.send(event as never);
      } catch {
        // XState itself refuses a string event with an exception to the sender.
      }
    }
    await settle();
    expect(actor.getSnapshot().status).toBe('active');
    expect(actor.getSnapshot().matches({ running: 'active' })).toBe(true);
    expect(probe.runs).toHaveLength(1);
    expect(probe.live()).toHaveLength(1);
    actor.send({ type: 'after' });
    await settle();
    expect(probe.last.messages.at(-1)).toEqual({ type: 'after' });
    actor.send({ type: 'shutdown' });
    await settle();
    expect(actor.getSnapshot().status).toBe('done');
  });

  it('a spoofed backoff timer or restart-window expiry does not cut a wait short', async () => {
    const probe = processProbe({ onStart: (r) => r.fail(new Error('down')) });
    const clock = new SimulatedClock();
    const actor = createActor(
      createSupervisor(probe.logic, {
        id: 'sup',
        backoff: { initialMs: 1_000 },
        maxRestarts: { count: 3, withinMs: 60_000 },
      }),
      { clock },
    );
    actor.subscribe({ error: () => {} });
    actor.start();
    await settle();
    for (let i = 0; i < 50; i++) {
      actor.send({ type: 'xstate.after.backoff.supervisor-waiting' });
      actor.send({ type: 'xstate.supervision.windowExpired', count: 1 });
    }
    await settle();
    expect(probe.runs).toHaveLength(1);
    await advance(clock, 10_000);
    expect(actor.getSnapshot().status).toBe('error'); // the limit still holds
    expect(probe.runs).toHaveLength(4);
  });

  it('a running group ignores them too, including a spoofed child-set failure', async () => {
    const probe = processProbe();
    const actor = createActor(
      createProcessGroup({ strategy: 'one-for-one', children: [{ id: 'w', logic: probe.logic }] }),
    ).start();
    await settle();
    for (const event of strangers) {
      try {
        actor.send(event as never);
      } catch {}
    }
    actor.send({ type: 'xstate.error.actor.w', error: new Error('spoof') });
    await settle();
    expect(actor.getSnapshot().status).toBe('active');
    expect(probe.live()).toHaveLength(1);
    actor.send({ type: 'shutdown' });
    await settle();
    expect(actor.getSnapshot().status).toBe('done');
  });

  it('a throwing listener never fails the tree; the error is reported once', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    const probe = processProbe({
      onStart: (r) => {
        if (r.index < 2) r.fail(new Error('down'));
      },
    });
    const clock = new SimulatedClock();
    const actor = createActor(createSupervisor(probe.logic, { backoff: { initialMs: 10 } }), {
      clock,
    });
    actor.on('*', () => {
      throw new Error('listener bug');
    });
    observeLifecycle(actor, () => {
      throw new Error('observer bug');
    });
    actor.start();
    await advance(clock, 100);
    expect(actor.getSnapshot().status).toBe('active');
    expect(probe.runs).toHaveLength(3);
    expect(errors).toHaveBeenCalledTimes(2); // one per listener, once each
    errors.mockRestore();
    actor.stop();
  });

  it('leaves no actor running after any mix of random events and faults (fuzz)', async () => {
    const event = fc.oneof(
      fc.constantFrom<unknown>(undefined, null, 7, {}, { type: 3 }),
      fc.record({ type: fc.constantFrom('shutdown', 'reload', 'job', 'supervisor.healthy') }),
      fc.record({
        type: fc.constantFrom(
          'xstate.error.actor.children',
          'xstate.done.actor.children',
          'xstate.error.actor.child',
          'xstate.stop',
          'xstate.supervision.failed',
          'xstate.supervision.drained',
        ),
      }),
      fc.record({ type: fc.string() }),
    );
    const step = fc.oneof(
      event.map((e) => ({ kind: 'send' as const, e })),
      fc.constantFrom(
        { kind: 'fail' as const },
        { kind: 'complete' as const },
        { kind: 'tick' as const },
      ),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 25 }), fc.boolean(), async (steps, group) => {
        const probe = processProbe();
        const clock = new SimulatedClock();
        const sup = createSupervisor(probe.logic, {
          backoff: { initialMs: 10 },
          maxRestarts: { count: 2, withinMs: 1_000 },
          shutdownTimeoutMs: 50,
        });
        const logic = group
          ? createProcessGroup({
              strategy: 'one-for-all',
              shutdownTimeoutMs: 50,
              maxRestarts: { count: 2, withinMs: 1_000 },
              children: [
                { id: 's', logic: sup },
                { id: 'i', logic: idle },
              ],
            })
          : sup;
        const actor = createActor(logic, { clock });
        actor.subscribe({ error: () => {} });
        actor.start();
        await settle(1);
        // Events sent after the root has ended draw XState's own warning; nothing else may.
        const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
        let sentAfterEnd = 0;
        try {
          for (const s of steps) {
            if (s.kind === 'send') {
              if (actor.getSnapshot().status !== 'active') sentAfterEnd++;
              try {
                actor.send(s.e as never);
              } catch {}
            } else if (s.kind === 'fail') probe.live()[0]?.fail(new Error('fault'));
            else if (s.kind === 'complete') probe.live()[0]?.succeed('done');
            else await advance(clock, 20);
            await settle(1);
          }
          if (actor.getSnapshot().status !== 'active') sentAfterEnd++;
          actor.send({ type: 'shutdown' });
          await advance(clock, 200);
          const warnings = warn.mock.calls.map((args) => String(args[0]));
          expect(warnings.every((line) => /was sent to stopped actor/.test(line))).toBe(true);
          expect(warnings.length).toBeLessThanOrEqual(sentAfterEnd);
        } finally {
          warn.mockRestore();
        }
        const status = actor.getSnapshot().status;
        if (status === 'active') actor.stop();
        expect(liveActors(actor)).toEqual([]);
        expect(probe.live()).toEqual([]);
      }),
      { numRuns: 60 },
    );
  });

  it('escalates through 1,000 nested supervisors with the original error at the bottom', async () => {
    const original = new Error('the root cause');
    let logic: AnyActorLogic = fromPromise(async () => {
      throw original;
    });
    for (let i = 0; i < 1_000; i++)
      logic = createSupervisor(logic, { id: `s${i}`, restart: 'temporary' });
    const actor = createActor(logic);
    const failed = new Promise<unknown>((resolve) => actor.subscribe({ error: resolve }));
    actor.start();
    const error = await failed;
    let bottom = error as { cause?: unknown };
    let depth = 0;
    while (bottom instanceof SupervisorError) {
      bottom = bottom.cause as { cause?: unknown };
      depth++;
    }
    expect(bottom).toBe(original);
    expect(depth).toBe(1_000);
  });

  it('sees a node backing off at any depth (readiness)', async () => {
    let logic: AnyActorLogic = createSupervisor(
      fromPromise(async () => {
        throw new Error('down');
      }),
      { id: 'leaf', backoff: { initialMs: 60_000 } },
    );
    for (let i = 0; i < 100; i++) logic = createSupervisor(logic, { id: `s${i}` });
    const actor = createActor(logic, { clock: new SimulatedClock() }).start();
    await settle();
    expect(isTreeReady(describeTree(actor))).toBe(false);
    actor.stop();
  });
});

describe('4. restart limits mean what OTP means', () => {
  it('counts a restart at its failure: crashes 2.5 s apart never exceed 1 per second', async () => {
    const probe = processProbe();
    const clock = new SimulatedClock();
    const actor = createActor(
      createSupervisor(probe.logic, {
        backoff: { initialMs: 2_000, maxMs: 2_000 },
        maxRestarts: { count: 1, withinMs: 1_000 },
        resetAfterMs: false,
      }),
      { clock },
    ).start();
    for (let i = 0; i < 6; i++) {
      await advance(clock, 500);
      probe.last.fail(new Error(`crash ${i}`));
      await advance(clock, 2_000);
    }
    expect(actor.getSnapshot().status).toBe('active');
    expect(probe.runs).toHaveLength(7);
    actor.stop();
  });

  it('keeps the pending timers of a crash-looping supervisor bounded', async () => {
    let runs = 0;
    const child = fromPromise(async () => {
      runs++;
      throw new Error('crash');
    });
    const clock = new SimulatedClock();
    const actor = createActor(
      createSupervisor(child, {
        backoff: { initialMs: 0 },
        maxRestarts: { count: 1_000_000, withinMs: 60_000 },
      }),
      { clock },
    ).start();
    const pending = () => Object.keys(actor.system.getSnapshot()._scheduledEvents).length;
    let most = 0;
    for (let i = 0; i < 200 && runs < 5_000; i++) {
      await settle(2);
      most = Math.max(most, pending());
      clock.increment(20);
    }
    expect(runs).toBeGreaterThanOrEqual(5_000);
    expect(most).toBeLessThanOrEqual(70);
    actor.stop();
  });

  it('an idle supervisor holds no scheduled event', async () => {
    const actor = createActor(createSupervisor(idle)).start();
    await settle();
    expect(actor.system.getSnapshot()._scheduledEvents).toEqual({});
    actor.stop();
  });
});

describe('5. the child can say it is healthy', () => {
  it('fromProcess healthy() resets the failure count, so the next failure waits initialMs', async () => {
    let run = 0;
    const drops: Array<() => void> = [];
    const client = fromProcess(async ({ healthy }) => {
      run++;
      if (run <= 3) throw new Error('refused');
      healthy(); // connected
      await new Promise<void>((_, reject) => drops.push(() => reject(new Error('dropped'))));
    });
    const clock = new SimulatedClock();
    const actor = createActor(
      createSupervisor(client, { backoff: { initialMs: 100, maxMs: 5_000 } }),
      { clock },
    );
    const types: string[] = [];
    actor.on('*', (event) => types.push(event.type));
    actor.start();
    await advance(clock, 100 + 200 + 400);
    expect(run).toBe(4);
    expect(types).toContain('child.healthy');
    expect(actor.getSnapshot().context.failures).toBe(0);
    drops.shift()?.();
    await settle();
    expect(actor.getSnapshot().context.nextDelayMs).toBe(100);
    actor.stop();
  });

  it('a machine child says so with sendParent({ type: "supervisor.healthy" }), in a group too', async () => {
    let run = 0;
    const child = setup({}).createMachine({
      entry: [
        () => run++,
        () => {
          if (run < 3) throw new Error(`start ${run}`);
        },
        sendParent({ type: 'supervisor.healthy' }),
      ],
    });
    const clock = new SimulatedClock();
    const actor = createActor(
      createProcessGroup({
        strategy: 'one-for-one',
        backoff: { initialMs: 100 },
        children: [{ id: 'c', logic: child }],
      }),
      { clock },
    );
    const heard: string[] = [];
    actor.on('child.healthy', (event) => heard.push(event.childId));
    actor.start();
    await advance(clock, 300);
    expect(run).toBe(3);
    expect(heard).toEqual(['c']);
    expect(viewsOf(actor).c?.failures).toBe(0);
    actor.stop();
  });
});

describe('6. tree-wide shutdown report', () => {
  it('names every actor stopped by force below the root, by path, and says forced', async () => {
    const stubborn = processProbe({ onShutdown: 'ignore' });
    const service = createSupervisor(stubborn.logic, {
      id: 'Nested',
      childId: 'ServiceName',
      shutdownTimeoutMs: 100,
    });
    const root = createProcessGroup({
      id: 'root',
      shutdownTimeoutMs: 1_000,
      children: [
        { id: 'Nested', logic: service },
        { id: 'calm', logic: idle },
      ],
    });
    const clock = new SimulatedClock();
    const actor = createActor(root, { clock }).start();
    await settle();
    actor.send({ type: 'shutdown' });
    await advance(clock, 200);
    expect(actor.getSnapshot().status).toBe('done');
    expect(actor.getSnapshot().output).toMatchObject({
      reason: 'forced',
      forced: ['Nested/ServiceName'],
      stopped: expect.arrayContaining(['Nested', 'calm']),
    });
  });
});

it('keeps types happy at runtime: assign and createMachine are used by the user', () => {
  // A smoke test that ordinary machines still compose with supervisors.
  const counter = createMachine({
    context: { n: 0 },
    on: { inc: { actions: assign({ n: ({ context }) => context.n + 1 }) } },
  });
  const actor = createActor(createSupervisor(counter)).start();
  actor.send({ type: 'inc' });
  expect(actor.getSnapshot().status).toBe('active');
  actor.stop();
});

describe('the child host as seen from outside', () => {
  it('lists each child with its status, failures, restarts and delay', async () => {
    const probe = processProbe({ onStart: (r) => r.index === 0 && r.fail(new Error('down')) });
    const clock = new SimulatedClock();
    const actor = createActor(createSupervisor(probe.logic, { backoff: { initialMs: 300 } }), {
      clock,
    }).start();
    await settle();
    expect(childSetMembers(actor)).toEqual([
      {
        id: 'supervisor',
        status: 'backingOff',
        ref: null,
        failures: 1,
        restarts: 0,
        delayMs: 300,
        pending: 0,
        ready: false,
      },
    ]);
    await advance(clock, 300);
    expect(childSetMembers(actor)?.[0]).toMatchObject({ status: 'running', restarts: 1 });
    actor.stop();
  });
});

describe('bad options get a clear error at once', () => {
  it('refuses a Date, an array or a misspelled key as options, naming the key and the closest one', () => {
    expect(() => createSupervisor(idle, new Date() as never)).toThrow(
      /createSupervisor: option "options" must be an object/,
    );
    expect(() => createProcessGroup([] as never)).toThrow(/createProcessGroup: option "options"/);
    expect(() =>
      createSupervisor(idle, { maxRestart: { count: 1, withinMs: 1 } } as never),
    ).toThrow(/unknown option "maxRestart".*"maxRestarts"/);
    expect(() =>
      createProcessGroup({ children: [{ id: 'a', logic: idle, restrat: 'permanent' } as never] }),
    ).toThrow(/unknown option "children\[0\]\.restrat".*"children\[0\]\.restart"/);
  });
});

describe('a group shutting down', () => {
  it('passes custom messages to children still stopping and reports a reload it drops', async () => {
    const probe = processProbe({ onShutdown: 'ignore' });
    const clock = new SimulatedClock();
    const actor = createActor(
      createProcessGroup({ shutdownTimeoutMs: 1_000, children: [{ id: 'w', logic: probe.logic }] }),
      { clock },
    );
    const dropped: LifecycleEvent[] = [];
    actor.on('message.dropped', (event) => dropped.push(event));
    actor.start();
    await settle();
    actor.send({ type: 'shutdown' });
    actor.send({ type: 'status?' });
    actor.send({ type: 'reload' });
    await settle();
    expect(probe.last.messages).toEqual([{ type: 'status?' }]);
    expect(dropped).toEqual([
      expect.objectContaining({ reason: 'shutting-down', count: 1, eventType: 'reload' }),
    ]);
    await advance(clock, 1_000);
    expect(actor.getSnapshot().output).toMatchObject({ reason: 'forced', droppedMessages: 1 });
  });

  it('treats the reserved types sent by a stranger as reserved, not as messages for the child', async () => {
    const probe = processProbe();
    const actor = createActor(createSupervisor(probe.logic)).start();
    await settle();
    actor.send({ type: 'supervisor.messagesDropped', count: 1_000 });
    actor.send({ type: 'supervisor.healthy' });
    await settle();
    expect(probe.last.messages).toEqual([]);
    expect(actor.getSnapshot().context.droppedMessages).toBe(2);
    actor.stop();
  });
});
