/**
 * Readiness as an app meets it: a child that says when it is connected, a timeout that counts
 * as a failure, children started in order, and restarts the app asks for, rolling or not.
 */
import { describe, expect, it } from 'vitest';
import {
  type AnyActorRef,
  assign,
  createActor,
  fromCallback,
  SimulatedClock,
  sendParent,
  setup,
} from 'xstate';
import { fromProcess } from '../../src/actors/fromProcess.js';
import { markSignalsReady } from '../../src/actors/readiness.js';
import type { LifecycleEvent } from '../../src/lifecycle.js';
import { createProcessGroup } from '../../src/machines/group.js';
import { createSupervisor } from '../../src/machines/supervisor.js';
import { childOf } from '../../src/runtime/reach.js';
import { describeTree, isTreeReady } from '../../src/tree.js';
import { viewsOf } from '../support/children.js';
import { advance, settle } from '../support/probe.js';

/** A client: connecting until told `connected`, then it says it is ready; `crash` fails it. */
const client = setup({
  types: { events: {} as { type: 'connected' } | { type: 'crash' } | { type: 'shutdown' } },
}).createMachine({
  initial: 'connecting',
  states: {
    connecting: {
      on: { connected: { target: 'open', actions: sendParent({ type: 'supervisor.ready' }) } },
    },
    open: {},
  },
  on: {
    crash: {
      actions: () => {
        throw new Error('dropped');
      },
    },
  },
});

/** Lifecycle events of `actor` as short lines. */
function record(actor: AnyActorRef): string[] {
  const lines: string[] = [];
  actor.on('*', (event: LifecycleEvent) => {
    if (event.type === 'message.dropped') lines.push(`${event.type} ${event.reason}`);
    else lines.push(`${event.type} ${event.childId}`);
  });
  return lines;
}

describe('readiness: a supervised child that says when it is ready', () => {
  it('is started but not ready until it signals, then ready in the context, the tree and an event', () => {
    const app = createActor(createSupervisor(client, { id: 'api', signalsReady: true })).start();
    const lines = record(app);
    expect(app.getSnapshot().context.ready).toBe(false);
    expect(describeTree(app).children[0]).toMatchObject({ id: 'api', ready: false });
    expect(isTreeReady(describeTree(app))).toBe(false);

    childOf(app)!.send({ type: 'connected' });
    expect(app.getSnapshot().context.ready).toBe(true);
    expect(isTreeReady(describeTree(app))).toBe(true);
    expect(lines).toEqual(['child.ready api']);
    // A second signal changes nothing and is not reported again.
    childOf(app)!.send({ type: 'connected' });
    expect(lines).toEqual(['child.ready api']);
    app.stop();
  });

  it('a child not declared to signal is ready once started, and its signal changes nothing', () => {
    const app = createActor(createSupervisor(client, { id: 'api' })).start();
    const lines = record(app);
    expect(app.getSnapshot().context.ready).toBe(true);
    expect(isTreeReady(describeTree(app))).toBe(true);
    childOf(app)!.send({ type: 'connected' });
    expect(lines).toEqual([]);
    app.stop();
  });

  it('past readyTimeoutMs the run is stopped and fails like any other: counted, backed off, restarted', async () => {
    const clock = new SimulatedClock();
    let stopped = 0;
    const slow = fromCallback(() => () => {
      stopped++;
    });
    const app = createActor(
      createSupervisor(slow, {
        id: 'db',
        signalsReady: true,
        readyTimeoutMs: 3_000,
        backoff: { initialMs: 500 },
      }),
      { clock },
    ).start();
    const failures: LifecycleEvent[] = [];
    app.on('child.failed', (event) => failures.push(event));
    await advance(clock, 2_999);
    expect(app.getSnapshot().matches('running')).toBe(true);
    await advance(clock, 1);
    expect(stopped).toBe(1);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({
      childId: 'db',
      failures: 1,
      error: { name: 'ReadyTimeoutError' },
    });
    expect((failures[0] as { error: { message: string } }).error.message).toContain(
      'readyTimeoutMs (3000 ms)',
    );
    expect(app.getSnapshot().matches('backingOff')).toBe(true);
    expect(app.getSnapshot().context).toMatchObject({ failures: 1, ready: false });
    await advance(clock, 500);
    expect(app.getSnapshot().matches('running')).toBe(true);
    expect(app.getSnapshot().context).toMatchObject({ restarts: 1, ready: false });
    app.stop();
    expect(stopped).toBe(2);
  });

  it('a restarted child is not ready again until its new run signals', async () => {
    const clock = new SimulatedClock();
    const app = createActor(
      createSupervisor(client, { id: 'api', signalsReady: true, backoff: { initialMs: 100 } }),
      { clock },
    ).start();
    childOf(app)!.send({ type: 'connected' });
    expect(app.getSnapshot().context.ready).toBe(true);
    childOf(app)!.send({ type: 'crash' });
    expect(app.getSnapshot().context.ready).toBe(false);
    await advance(clock, 100);
    expect(app.getSnapshot().context).toMatchObject({ restarts: 1, ready: false });
    childOf(app)!.send({ type: 'connected' });
    expect(app.getSnapshot().context.ready).toBe(true);
    app.stop();
  });

  it('fromProcess says so with ready(), and logic marked with markSignalsReady is waited for', async () => {
    const db = markSignalsReady(
      fromProcess(async ({ ready, signal }) => {
        await Promise.resolve();
        ready();
        await new Promise((resolve) => signal.addEventListener('abort', resolve));
      }),
    );
    const app = createActor(createSupervisor(db, { id: 'db' })).start();
    expect(app.getSnapshot().context.ready).toBe(false);
    await settle();
    expect(app.getSnapshot().context.ready).toBe(true);
    app.stop();
  });

  it('a stranger sending supervisor.ready to the supervisor is refused and counted', () => {
    const app = createActor(createSupervisor(client, { id: 'api', signalsReady: true })).start();
    const lines = record(app);
    app.send({ type: 'supervisor.ready' } as never);
    expect(app.getSnapshot().context.ready).toBe(false);
    expect(lines).toEqual(['message.dropped reserved']);
    app.stop();
  });

  it('refuses readiness options that cannot work, naming the option, the value and what is allowed', () => {
    expect(() => createSupervisor(client, { readyTimeoutMs: 10 })).toThrow(
      /readyTimeoutMs.*left out.*signalsReady: true.*got 10/,
    );
    expect(() => createSupervisor(client, { signalsReady: true, readyTimeoutMs: 0 })).toThrow(
      /readyTimeoutMs.*milliseconds from 1.*got 0/,
    );
    expect(() => createSupervisor(client, { signalsReady: 'yes' as unknown as boolean })).toThrow(
      /signalsReady.*true or false.*"yes"/,
    );
  });
});

/** A group child that signals readiness. */
const member = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  logic: client,
  signalsReady: true,
  ...extra,
});

describe('start order: each child once the ones it depends on are ready', () => {
  it("sequential: each child starts once the one before is ready (OTP's rule)", () => {
    const group = createActor(
      createProcessGroup({
        id: 'app',
        startOrder: 'sequential',
        children: [member('db'), member('cache'), { id: 'web', logic: client }],
      }),
    ).start();
    const lines = record(group);
    const status = () =>
      Object.fromEntries(Object.entries(viewsOf(group)).map(([id, v]) => [id, v.status]));
    expect(status()).toEqual({ db: 'running', cache: 'waiting', web: 'waiting' });
    expect(group.getSnapshot().context).toMatchObject({ running: 1, waiting: 2, ready: 0 });
    expect(isTreeReady(describeTree(group))).toBe(false);

    childOf(group, 'db')!.send({ type: 'connected' });
    expect(status()).toEqual({ db: 'running', cache: 'running', web: 'waiting' });
    childOf(group, 'cache')!.send({ type: 'connected' });
    // web does not signal: ready as soon as it starts.
    expect(status()).toEqual({ db: 'running', cache: 'running', web: 'running' });
    expect(group.getSnapshot().context).toMatchObject({ running: 3, waiting: 0, ready: 3 });
    expect(isTreeReady(describeTree(group))).toBe(true);
    expect(lines).toEqual([
      'child.ready db',
      'child.started cache',
      'child.ready cache',
      'child.started web',
    ]);
    group.stop();
  });

  it('dependsOn: a child waits only for the ones it names, and says which', () => {
    const group = createActor(
      createProcessGroup({
        id: 'app',
        children: [
          member('db'),
          member('queue'),
          { id: 'worker', logic: client, dependsOn: ['db'] },
        ],
      }),
    );
    const lines = record(group);
    group.start();
    expect(viewsOf(group).worker!.status).toBe('waiting');
    expect(lines).toContain('child.waiting worker');
    childOf(group, 'db')!.send({ type: 'connected' });
    expect(viewsOf(group).worker!.status).toBe('running');
    expect(viewsOf(group).queue!.ready).toBe(false);
    group.stop();
  });

  it('a restart round starts its children in the same order', async () => {
    const clock = new SimulatedClock();
    const group = createActor(
      createProcessGroup({
        id: 'app',
        strategy: 'one-for-all',
        startOrder: 'sequential',
        backoff: { initialMs: 100 },
        children: [member('db'), member('web')],
      }),
      { clock },
    ).start();
    childOf(group, 'db')!.send({ type: 'connected' });
    childOf(group, 'web')!.send({ type: 'connected' });
    childOf(group, 'web')!.send({ type: 'crash' });
    await advance(clock, 100);
    expect(viewsOf(group).db!.status).toBe('running');
    expect(viewsOf(group).web!.status).toBe('waiting');
    childOf(group, 'db')!.send({ type: 'connected' });
    expect(viewsOf(group).web).toMatchObject({ status: 'running', restarts: 1, ready: false });
    group.stop();
  });

  it('a dependency removed from the group holds nobody back', () => {
    const group = createActor(
      createProcessGroup({
        id: 'app',
        strategy: 'one-for-one',
        children: [member('db'), { id: 'web', logic: client, dependsOn: ['db'] }],
      }),
    ).start();
    expect(viewsOf(group).web!.status).toBe('waiting');
    group.send({ type: 'remove', id: 'db' });
    expect(viewsOf(group).web!.status).toBe('running');
    group.stop();
  });

  it('a shutdown stops waiting children at once, and nothing is left running', () => {
    const group = createActor(
      createProcessGroup({
        id: 'app',
        startOrder: 'sequential',
        children: [member('db'), member('web')],
      }),
    ).start();
    group.send({ type: 'shutdown' });
    expect(group.getSnapshot().status).toBe('done');
    expect(group.getSnapshot().output).toMatchObject({ reason: 'shutdown' });
  });

  it('a group giving up on a child does not start the children waiting for it', () => {
    const group = createActor(
      createProcessGroup({
        id: 'app',
        strategy: 'fail-fast',
        children: [member('db'), { id: 'web', logic: client, dependsOn: ['db'] }],
      }),
    );
    const started: string[] = [];
    group.on('child.started', (event) => started.push(event.childId));
    group.subscribe({ error: () => {} });
    group.start();
    childOf(group, 'db')!.send({ type: 'crash' });
    expect(started).toEqual(['db']);
    expect(group.getSnapshot().status).toBe('active'); // failing a microtask later, nothing runs
    expect(viewsOf(group)).toEqual({});
  });

  it('refuses dependencies that cannot be met: an unknown id, itself, a cycle', () => {
    expect(() =>
      createProcessGroup({ children: [{ id: 'a', logic: client, dependsOn: ['b'] }] }),
    ).toThrow(/children\[0\]\.dependsOn\[0\].*another child of the group.*"b"/);
    expect(() =>
      createProcessGroup({ children: [{ id: 'a', logic: client, dependsOn: ['a'] }] }),
    ).toThrow(/dependsOn\[0\].*not its own.*"a"/);
    expect(() =>
      createProcessGroup({
        children: [
          { id: 'a', logic: client, dependsOn: ['b'] },
          { id: 'b', logic: client, dependsOn: ['a'] },
        ],
      }),
    ).toThrow(/no cycle of dependencies \(a → b → a\)/);
    expect(() =>
      createProcessGroup({ startOrder: 'one-by-one' as 'sequential', children: [] }),
    ).toThrow(/startOrder.*"together", "sequential".*"one-by-one"/);
  });

  it('an added child that depends on an unknown one is refused; the group keeps running', () => {
    const group = createActor(createProcessGroup({ id: 'app', children: [member('db')] })).start();
    group.send({ type: 'add', child: { id: 'web', logic: client, dependsOn: ['nope'] } });
    expect(group.getSnapshot().context.refusals.at(-1)).toMatchObject({
      request: 'add',
      id: 'web',
      reason: expect.stringContaining('dependsOn names "nope"'),
    });
    expect(group.getSnapshot().value).toEqual({ running: 'active' });
    group.stop();
  });
});

describe('restartChildren: restarts the app asks for', () => {
  /** A web instance that counts its runs, ready when told. */
  const webGroup = (clock: SimulatedClock) =>
    createActor(
      createProcessGroup({
        id: 'web',
        strategy: 'one-for-one',
        children: ['web.1', 'web.2', 'web.3'].map((id) => member(id)),
      }),
      { clock },
    ).start();

  const readyAll = (group: AnyActorRef) => {
    for (const id of ['web.1', 'web.2', 'web.3']) {
      childOf(group, id)?.send({ type: 'connected' });
    }
  };

  it('rolling: one at a time, each replacement ready before the next goes, all but one serving', () => {
    const clock = new SimulatedClock();
    const group = webGroup(clock);
    readyAll(group);
    const before = ['web.1', 'web.2', 'web.3'].map((id) => childOf(group, id));
    const lines = record(group);
    const readyCounts: number[] = [];
    group.subscribe((s) => readyCounts.push(s.context.ready));

    group.send({ type: 'restartChildren', rolling: true });
    // web.1 was stopped and started again: the other two still serve.
    expect(group.getSnapshot().context.ready).toBe(2);
    expect(viewsOf(group)['web.2']!.restarts).toBe(0);
    childOf(group, 'web.1')!.send({ type: 'connected' });
    expect(viewsOf(group)['web.2']!.restarts).toBe(1);
    expect(viewsOf(group)['web.3']!.restarts).toBe(0);
    childOf(group, 'web.2')!.send({ type: 'connected' });
    childOf(group, 'web.3')!.send({ type: 'connected' });

    const after = ['web.1', 'web.2', 'web.3'].map((id) => childOf(group, id));
    after.forEach((ref, i) => {
      expect(ref).not.toBe(before[i]);
    });
    expect(Math.min(...readyCounts)).toBeGreaterThanOrEqual(2);
    expect(group.getSnapshot().context).toMatchObject({ ready: 3, failures: 0, restarts: 3 });
    expect(lines.filter((l) => l.startsWith('restart.finished'))).toEqual(['restart.finished *']);
    expect(lines.indexOf('restart.finished *')).toBe(lines.length - 1);
    group.stop();
  });

  it('together: every child named is stopped and started again at once', () => {
    const clock = new SimulatedClock();
    const group = webGroup(clock);
    readyAll(group);
    group.send({ type: 'restartChildren', ids: ['web.1', 'web.3'] });
    expect(viewsOf(group)['web.1']!.restarts).toBe(1);
    expect(viewsOf(group)['web.2']!.restarts).toBe(0);
    expect(viewsOf(group)['web.3']!.restarts).toBe(1);
    expect(group.getSnapshot().context.ready).toBe(1);
    group.stop();
  });

  it('waits through a replacement that fails, restarted by the usual rules', async () => {
    const clock = new SimulatedClock();
    const group = createActor(
      createProcessGroup({
        id: 'web',
        strategy: 'one-for-one',
        backoff: { initialMs: 100 },
        children: [member('a'), member('b')],
      }),
      { clock },
    ).start();
    readyAll(group);
    childOf(group, 'a')!.send({ type: 'connected' });
    childOf(group, 'b')!.send({ type: 'connected' });
    const lines = record(group);
    group.send({ type: 'restartChildren', rolling: true });
    childOf(group, 'a')!.send({ type: 'crash' });
    await advance(clock, 100);
    expect(viewsOf(group).b!.restarts).toBe(0);
    childOf(group, 'a')!.send({ type: 'connected' });
    expect(viewsOf(group).b!.restarts).toBe(1);
    childOf(group, 'b')!.send({ type: 'connected' });
    expect(lines.at(-1)).toBe('restart.finished *');
    group.stop();
  });

  it('a shutdown during a rolling restart ends it, and says so', () => {
    const clock = new SimulatedClock();
    const group = webGroup(clock);
    readyAll(group);
    const finished: LifecycleEvent[] = [];
    group.on('restart.finished', (event) => finished.push(event));
    group.send({ type: 'restartChildren', rolling: true });
    group.send({ type: 'shutdown' });
    expect(finished).toEqual([
      expect.objectContaining({ ids: ['web.1', 'web.2', 'web.3'], rolling: true, cancelled: true }),
    ]);
    expect(group.getSnapshot().status).toBe('done');
  });

  it('refuses what it cannot do, and the group keeps running', () => {
    const clock = new SimulatedClock();
    const group = webGroup(clock);
    group.send({ type: 'restartChildren', ids: ['web.9'] });
    group.send({ type: 'restartChildren', ids: 'web.1' } as never);
    group.send({ type: 'restartChildren', rolling: true });
    group.send({ type: 'restartChildren' });
    const reasons = group.getSnapshot().context.refusals.map((r) => r.reason);
    expect(reasons).toEqual([
      'no child with id "web.9"; its children: web.1, web.2, web.3',
      expect.stringContaining('"ids" as an array of child ids'),
      'a restart of web.1, web.2, web.3 is still going on',
    ]);
    expect(group.getSnapshot().value).toEqual({ running: 'active' });
    group.stop();
  });
});

describe('readiness state kept apart from the app', () => {
  it('the child keeps its own context: readiness lives in the supervisor', () => {
    const counter = setup({}).createMachine({
      context: { n: 0 },
      on: {
        go: {
          actions: [
            assign({ n: ({ context }) => context.n + 1 }),
            sendParent({ type: 'supervisor.ready' }),
          ],
        },
      },
    });
    const app = createActor(createSupervisor(counter, { id: 'c', signalsReady: true })).start();
    childOf(app)!.send({ type: 'go' });
    expect(childOf(app)!.getSnapshot().context).toEqual({ n: 1 });
    expect(app.getSnapshot().context.ready).toBe(true);
    app.stop();
  });
});
