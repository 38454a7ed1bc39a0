import { describe, expect, it } from 'vitest';
import { createActor, fromPromise, SimulatedClock } from 'xstate';
import { childSetMembers, createProcessGroup, createSupervisor, idle } from '../src/index.js';
import { describeTree, isTreeReady } from '../src/tree.js';

const settle = () => new Promise((resolve) => setImmediate(resolve));
const failing = fromPromise(async () => {
  throw new Error('nope');
});

function paths(node: ReturnType<typeof describeTree>): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (n: typeof node) => {
    out[n.path] = n.state;
    n.children.forEach(walk);
  };
  walk(node);
  return out;
}

describe('describeTree', () => {
  it('names the root after its machine and walks supervisors and groups down to the leaves', async () => {
    const app = createSupervisor(
      createProcessGroup({
        id: 'app',
        children: [
          { id: 'api', logic: createSupervisor(idle, { id: 'apiSupervisor' }) },
          { id: 'worker', logic: idle },
        ],
      }),
      { id: 'root' },
    );
    const actor = createActor(app).start();
    await settle();
    expect(paths(describeTree(actor))).toEqual({
      root: 'running',
      'root/root': 'running',
      'root/root/api': 'running',
      'root/root/api/api': 'active',
      'root/root/worker': 'active',
    });
    expect(isTreeReady(describeTree(actor))).toBe(true);
    actor.send({ type: 'shutdown' });
    await settle();
    expect(describeTree(actor).state).toBe('stopped');
  });

  it('shows a group child waiting to restart as backingOff, and the tree as not ready', async () => {
    const clock = new SimulatedClock();
    const group = createProcessGroup({
      id: 'g',
      strategy: 'one-for-one',
      children: [
        { id: 'ok', logic: idle },
        { id: 'bad', logic: failing },
      ],
    });
    const actor = createActor(group, { clock }).start();
    await settle();
    expect(paths(describeTree(actor))).toEqual({
      g: 'running',
      'g/ok': 'active',
      'g/bad': 'backingOff',
    });
    expect(isTreeReady(describeTree(actor))).toBe(false);
    actor.send({ type: 'shutdown' });
    await settle();
  });

  it('shows a supervisor in backoff as backingOff and hides its event-loop yield actor', async () => {
    const clock = new SimulatedClock();
    const actor = createActor(createSupervisor(failing, { id: 's' }), { clock }).start();
    await settle();
    expect(describeTree(actor)).toEqual({
      id: 's',
      path: 's',
      state: 'backingOff',
      ready: false,
      droppedMessages: 0,
      children: [
        {
          id: 's',
          path: 's/s',
          state: 'backingOff',
          ready: false,
          restarts: 0,
          failures: 1,
          delayMs: 200,
          children: [],
        },
      ],
    });
    const zero = createActor(createSupervisor(failing, { id: 'z', backoff: { initialMs: 0 } }), {
      clock,
    });
    let yielding = false;
    zero.subscribe(() => {
      if (childSetMembers(zero)?.[0]?.status === 'backingOff' && !yielding) {
        yielding = true;
        // Waiting one turn of the event loop between immediate restarts: the supervisor runs,
        // its child shows as waiting to restart.
        expect(describeTree(zero)).toMatchObject({
          state: 'running',
          children: [{ id: 'z', path: 'z/z', state: 'backingOff', children: [] }],
        });
      }
    });
    zero.start();
    for (let i = 0; i < 50 && !yielding; i++) await settle();
    expect(yielding).toBe(true);
    zero.send({ type: 'shutdown' });
    actor.send({ type: 'shutdown' });
  });

  it('gives each supervised child its restarts, failures and delay, and each supervisor and group its dropped messages', async () => {
    const clock = new SimulatedClock();
    let runs = 0;
    const flaky = fromPromise(async () => {
      runs += 1;
      if (runs <= 2) throw new Error('down');
      await new Promise(() => {});
    });
    const actor = createActor(
      createProcessGroup({
        id: 'app',
        strategy: 'one-for-one',
        backoff: { initialMs: 100, maxMs: 1_000, factor: 3 },
        children: [
          { id: 'ok', logic: idle },
          { id: 'flaky', logic: flaky },
          { id: 'nested', logic: createSupervisor(failing, { id: 'inner' }) },
        ],
      }),
      { clock },
    ).start();
    await settle();
    clock.increment(100);
    await settle();
    // flaky: failed twice, restarted once, waits 300 ms; nested's own supervisor waits 200 ms.
    // 105 messages for a child that waits: 100 are kept for its next run, 5 dropped, by the
    // group for flaky and by the nested supervisor for its own child.
    for (let i = 0; i < 105; i++) actor.send({ type: 'ping' } as never);
    await settle();
    const tree = describeTree(actor);
    expect(tree).toMatchObject({ path: 'app', ready: true, droppedMessages: 5 });
    expect(tree.restarts).toBeUndefined();
    const [ok, flakyNode, nested] = tree.children;
    expect(ok).toMatchObject({ path: 'app/ok', ready: true, restarts: 0, failures: 0, delayMs: 0 });
    expect(flakyNode).toMatchObject({
      path: 'app/flaky',
      state: 'backingOff',
      ready: false,
      restarts: 1,
      failures: 2,
      delayMs: 300,
    });
    expect(nested).toMatchObject({
      path: 'app/nested',
      state: 'backingOff',
      restarts: 0,
      droppedMessages: 5,
    });
    expect(nested!.children[0]).toMatchObject({
      path: 'app/nested/nested',
      failures: 1,
      delayMs: 200,
    });
    actor.send({ type: 'shutdown' });
    await settle();
  });

  it('reports a failed supervisor as failed', async () => {
    const actor = createActor(createSupervisor(failing, { id: 'f', restart: 'temporary' }));
    actor.subscribe({ error: () => {} });
    actor.start();
    await settle();
    await settle();
    expect(describeTree(actor).state).toBe('failed');
    expect(isTreeReady(describeTree(actor))).toBe(false);
  });
});
