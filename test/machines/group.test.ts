/**
 * Tests of the process group machine: the seed's group scenarios (flat and nested), option
 * checks, each strategy, restart types and limits with their escalation, shutdown order and
 * its report, forced stops, reload and message fan-out, dynamic add/remove and the refusal of
 * bad requests, malformed events, actor ids, and a 1,000-child group. All timing runs on a
 * `SimulatedClock`.
 */

import { describe, expect, it } from 'vitest';
import {
  type AnyActorLogic,
  type AnyActorRef,
  assign,
  createActor,
  fromPromise,
  type InspectionEvent,
  SimulatedClock,
  setup,
} from 'xstate';
import { idle } from '../../src/actors/idle.js';
import { GroupError, SupervisorError } from '../../src/errors.js';
import type { LifecycleEvent, RequestRefusedEvent } from '../../src/lifecycle.js';
import {
  createProcessGroup,
  type GroupEvent,
  type GroupOutput,
  MAX_REFUSALS_KEPT,
  type ProcessGroupOptions,
} from '../../src/machines/group.js';
import { createSupervisor } from '../../src/machines/supervisor.js';
import { MAX_TIMER_MS } from '../../src/policy/backoff.js';
import { childActorsOf, viewsOf } from '../support/children.js';
import { advance, type ProbeOptions, processProbe, settle } from '../support/probe.js';

/** Starts a group on a simulated clock, recording its lifecycle events and its error. */
function startGroup(options: ProcessGroupOptions, clock = new SimulatedClock()) {
  const actor = createActor(createProcessGroup(options), { clock });
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
    /** `type childId` of the lifecycle events emitted so far. */
    eventLines: () => events.map((event) => `${event.type} ${event.childId}`),
    advance: (ms: number) => advance(clock, ms),
    send: (event: GroupEvent) => actor.send(event),
    output: () => actor.getSnapshot().output as GroupOutput | undefined,
    /** What the child set shows of each child, by id. */
    views: () => viewsOf(actor),
    /** The group's live child actors, by id. */
    childActors: () => childActorsOf(actor),
  };
}

/** Named controllable children, one probe each. */
function probes<const Id extends string>(ids: readonly Id[], options: ProbeOptions = {}) {
  const map = Object.fromEntries(ids.map((id) => [id, processProbe(options)])) as Record<
    Id,
    ReturnType<typeof processProbe>
  >;
  const children = ids.map((id) => ({ id, logic: map[id].logic }));
  return { probes: map, children };
}

/**
 * A machine child that takes `stopMs` to finish after `shutdown` (and `reloadMs` to finish a
 * reload), writing `<name> <what> @<time>` to `log` as it goes.
 */
function slowChild(
  name: string,
  log: string[],
  clock: SimulatedClock,
  { stopMs = 0, reloadMs = 0 }: { stopMs?: number; reloadMs?: number } = {},
) {
  const note = (what: string) => () => log.push(`${name} ${what} @${clock.now()}`);
  return setup({
    actions: {
      asked: note('asked'),
      stopped: note('stopped'),
      reloading: note('reloading'),
      reloaded: note('reloaded'),
    },
  }).createMachine({
    initial: 'working',
    entry: note('started'),
    states: {
      working: {
        initial: 'ready',
        on: { shutdown: 'draining' },
        states: {
          ready: { on: { reload: 'reloading' } },
          reloading: {
            entry: 'reloading',
            after: { [reloadMs]: { target: 'ready', actions: 'reloaded' } },
          },
        },
      },
      draining: { entry: 'asked', after: { [stopMs]: 'drained' } },
      drained: { type: 'final', entry: 'stopped' },
    },
  });
}

/** A machine that runs `group` as its child and records how it ends. */
function parentOf(group: AnyActorLogic) {
  return setup({
    types: { context: {} as { error: unknown; output: unknown } },
    actors: { group },
  }).createMachine({
    context: { error: undefined, output: undefined },
    initial: 'running',
    states: {
      running: {
        invoke: {
          id: 'group',
          src: 'group',
          onError: {
            target: 'groupFailed',
            actions: assign({ error: ({ event }) => event.error }),
          },
          onDone: { target: 'groupDone', actions: assign({ output: ({ event }) => event.output }) },
        },
      },
      groupFailed: {},
      groupDone: {},
    },
  });
}

describe('group: options refused at creation (scenario 2)', () => {
  const DURATION = `a number of milliseconds from 0 to ${MAX_TIMER_MS}`;
  const cases: Array<{ options: unknown; message: string }> = [
    {
      options: {
        children: [
          { id: 'a', logic: idle },
          { id: 'a', logic: idle },
        ],
      },
      message:
        'createProcessGroup: option "children[1].id" must be unique within the group (it is used twice); got "a"',
    },
    {
      options: { strategy: 'one-for-some' },
      message:
        'createProcessGroup: option "strategy" must be one of "fail-fast", "one-for-one", "one-for-all", "rest-for-one"; got "one-for-some"',
    },
    {
      options: { shutdownOrder: 'random' },
      message:
        'createProcessGroup: option "shutdownOrder" must be one of "parallel", "reverse"; got "random"',
    },
    {
      options: { children: [() => 1] },
      message: 'createProcessGroup: option "children[0]" must be actor logic or {',
    },
    {
      options: { children: [{ id: 'a', logic: { run: true } }] },
      message:
        'createProcessGroup: option "children[0].logic" must be XState actor logic (a machine or a from* creator result); got {"run":true}',
    },
    {
      options: { children: [{ logic: idle }] },
      message:
        'createProcessGroup: option "children[0].id" must be a non-empty string; got undefined',
    },
    {
      options: { children: [{ id: 'a', logic: idle, restart: 'sometimes' }] },
      message:
        'createProcessGroup: option "children[0].restart" must be one of "transient", "permanent", "temporary"; got "sometimes"',
    },
    {
      options: { children: [{ id: 'a', logic: idle, shutdownTimeoutMs: -5 }] },
      message: `createProcessGroup: option "children[0].shutdownTimeoutMs" must be ${DURATION}; got -5`,
    },
    {
      options: { shutdownTimeoutMs: Number.NaN },
      message: `createProcessGroup: option "shutdownTimeoutMs" must be ${DURATION}; got NaN`,
    },
    {
      options: { backoff: { initialMs: 500, maxMs: 100 } },
      message:
        'createProcessGroup: option "backoff.maxMs" must be at least backoff.initialMs (500); got 100',
    },
    {
      options: { maxRestarts: { count: -1, withinMs: 1_000 } },
      message:
        'createProcessGroup: option "maxRestarts.count" must be a whole number, 0 or more; got -1',
    },
    {
      options: { children: idle },
      message: 'createProcessGroup: option "children" must be an array of children',
    },
    {
      options: { id: '' },
      message: 'createProcessGroup: option "id" must be a non-empty string; got ""',
    },
    {
      options: { random: 0.5 },
      message: 'createProcessGroup: option "random" must be a function returning [0, 1); got 0.5',
    },
  ];

  it.each(cases)('throws a TypeError naming the field: $message', ({ options, message }) => {
    expect(() => createProcessGroup(options as ProcessGroupOptions)).toThrow(TypeError);
    expect(() => createProcessGroup(options as ProcessGroupOptions)).toThrow(message);
  });

  it('accepts a bare actor logic as a child, with the id child-<index>', async () => {
    const g = startGroup({ children: [idle, { id: 'named', logic: idle }, idle] });
    await settle();
    expect(Object.keys(g.views())).toEqual(['child-0', 'named', 'child-2']);
  });
});

describe('group: the seed scenarios', () => {
  it('runs one child and stops it cleanly on shutdown (scenarios 1 and 12)', async () => {
    const { probes: p, children } = probes(['only']);
    const g = startGroup({ children });
    await settle();
    expect(g.actor.getSnapshot().matches({ running: 'active' })).toBe(true);
    expect(p.only.live()).toHaveLength(1);
    g.send({ type: 'shutdown' });
    await settle();
    expect(g.actor.getSnapshot().matches('stopped')).toBe(true);
    expect(g.output()).toEqual({
      reason: 'shutdown',
      stopped: ['only'],
      forced: [],
      restarts: 0,
      failures: 0,
      droppedMessages: 0,
    });
    expect(p.only.last.signal.aborted).toBe(true);
    expect(p.only.live()).toEqual([]);
    expect(g.errors).toEqual([]);
  });

  it('runs several children and stops them all cleanly on shutdown (scenario 12)', async () => {
    const { probes: p, children } = probes(['a', 'b', 'c']);
    const g = startGroup({ children });
    await settle();
    expect(g.actor.getSnapshot().context.running).toBe(3);
    g.send({ type: 'shutdown' });
    await settle();
    expect(g.output()).toMatchObject({ reason: 'shutdown', stopped: ['a', 'b', 'c'], forced: [] });
    for (const probe of Object.values(p)) expect(probe.live()).toEqual([]);
    expect(g.errors).toEqual([]);
  });

  it('runs nested groups and stops every leaf cleanly on shutdown of the outer one (scenario 12)', async () => {
    const { probes: p, children } = probes(['x', 'y', 'z']);
    const inner = createProcessGroup({ id: 'inner', children: children.slice(0, 2) });
    const innermost = createProcessGroup({
      id: 'innermost',
      children: [
        { id: 'deep', logic: createProcessGroup({ id: 'deeper', children: [children[2]!] }) },
      ],
    });
    const g = startGroup({
      id: 'outer',
      children: [
        { id: 'inner', logic: inner },
        { id: 'innermost', logic: innermost },
      ],
    });
    await settle();
    for (const probe of Object.values(p)) expect(probe.live()).toHaveLength(1);
    g.send({ type: 'shutdown' });
    await settle();
    expect(g.output()).toMatchObject({
      reason: 'shutdown',
      stopped: ['inner', 'innermost'],
      forced: [],
    });
    for (const probe of Object.values(p)) {
      expect(probe.last.signal.aborted).toBe(true);
      expect(probe.live()).toEqual([]);
    }
    expect(g.errors).toEqual([]);
  });

  it('waits for a child that takes 300 ms to stop before stopping (scenario 4)', async () => {
    const clock = new SimulatedClock();
    const log: string[] = [];
    const g = startGroup(
      {
        children: [
          { id: 'slow', logic: slowChild('slow', log, clock, { stopMs: 300 }) },
          { id: 'quick', logic: idle },
        ],
      },
      clock,
    );
    await settle();
    g.send({ type: 'shutdown' });
    await g.advance(299);
    expect(g.actor.getSnapshot().matches({ running: 'stopping' })).toBe(true);
    expect(g.actor.getSnapshot().context.stopping).toBe(1);
    await g.advance(1);
    expect(g.actor.getSnapshot().matches('stopped')).toBe(true);
    expect(log).toEqual(['slow started @0', 'slow asked @0', 'slow stopped @300']);
    expect(g.output()).toMatchObject({
      reason: 'shutdown',
      stopped: ['quick', 'slow'],
      forced: [],
    });
  });

  it('reloads two children that take 700 ms each in parallel, both done at 700 ms (scenario 8)', async () => {
    const clock = new SimulatedClock();
    const log: string[] = [];
    const g = startGroup(
      {
        children: ['one', 'two'].map((id) => ({
          id,
          logic: slowChild(id, log, clock, { reloadMs: 700 }),
        })),
      },
      clock,
    );
    await g.advance(100);
    g.send({ type: 'reload' });
    await g.advance(700);
    expect(log.filter((line) => line.includes('reload'))).toEqual([
      'one reloading @100',
      'two reloading @100',
      'one reloaded @800',
      'two reloaded @800',
    ]);
    expect(g.eventLines()).toContain('reload.sent *');
  });

  it('forces a child that ignores shutdown after its 100 ms grace period and reports it (scenario 11)', async () => {
    const stubborn = processProbe({ onShutdown: 'ignore' });
    const polite = processProbe();
    const g = startGroup({
      shutdownTimeoutMs: 100,
      children: [
        { id: 'stubborn', logic: stubborn.logic },
        { id: 'polite', logic: polite.logic },
      ],
    });
    await settle();
    g.send({ type: 'shutdown' });
    await g.advance(99);
    expect(g.actor.getSnapshot().matches({ running: 'stopping' })).toBe(true);
    expect(stubborn.last.live).toBe(true);
    expect(polite.last.live).toBe(false);
    await g.advance(1);
    expect(g.actor.getSnapshot().matches('stopped')).toBe(true);
    expect(stubborn.last.live).toBe(false);
    expect(g.output()).toEqual({
      reason: 'forced',
      stopped: ['polite'],
      forced: ['stubborn'],
      restarts: 0,
      failures: 0,
      droppedMessages: 0,
    });
    expect(g.events).toContainEqual({
      type: 'child.forced',
      supervisorId: 'group',
      childId: 'stubborn',
      shutdownTimeoutMs: 100,
      cause: 'grace-period',
    });
  });
});

describe('group: one child failing fails the group (scenario 13)', () => {
  it('shuts the others down and fails with a GroupError caused by the first error, ignoring later ones', async () => {
    const stubborn = processProbe({ onShutdown: 'ignore' });
    const { probes: p, children } = probes(['a', 'b']);
    const g = startGroup({
      id: 'app',
      children: [...children, { id: 'stubborn', logic: stubborn.logic }],
    });
    await settle();
    const first = new Error('first failure');
    p.a.last.fail(first);
    await settle();
    expect(g.actor.getSnapshot().matches({ running: 'failing' })).toBe(true);
    expect(p.b.last.signal.aborted).toBe(true);
    expect(p.b.live()).toEqual([]);
    expect(stubborn.last.signal.aborted).toBe(true);
    stubborn.last.fail(new Error('later failure'));
    await settle();
    expect(g.actor.getSnapshot().status).toBe('error');
    expect(g.errors).toHaveLength(1);
    const error = g.errors[0] as GroupError;
    expect(error).toBeInstanceOf(GroupError);
    expect(error.name).toBe('GroupError');
    expect(error.reason).toBe('child-failed');
    expect(error.groupId).toBe('app');
    expect(error.childId).toBe('a');
    expect(error.cause).toBe(first);
    expect(error.message).toBe('group "app" gave up (child "a" failed): Error: first failure');
    expect(g.eventTypes().at(-1)).toBe('supervisor.gaveUp');
  });

  it('ignores a child that fails while waiting its turn to stop in reverse order', async () => {
    const clock = new SimulatedClock();
    const log: string[] = [];
    const { probes: p } = probes(['a', 'b']);
    const g = startGroup(
      {
        id: 'app',
        shutdownOrder: 'reverse',
        children: [
          { id: 'a', logic: p.a.logic },
          { id: 'b', logic: p.b.logic },
          { id: 'slow', logic: slowChild('slow', log, clock, { stopMs: 100 }) },
        ],
      },
      clock,
    );
    await settle();
    const first = new Error('first failure');
    p.a.last.fail(first);
    await settle();
    expect(p.b.last.signal.aborted).toBe(false);
    p.b.last.fail(new Error('later failure'));
    await g.advance(100);
    const error = g.errors[0] as GroupError;
    expect(error.cause).toBe(first);
    expect(error.childId).toBe('a');
    expect(error.message).toBe('group "app" gave up (child "a" failed): Error: first failure');
  });

  it('fails when one child of a nested group fails, with the cause chain down to that error', async () => {
    const { probes: p, children } = probes(['leaf', 'sibling', 'other']);
    const inner = createProcessGroup({ id: 'inner', children: children.slice(0, 2) });
    const g = startGroup({
      id: 'outer',
      children: [{ id: 'inner', logic: inner }, children[2]!],
    });
    await settle();
    const boom = new Error('leaf broke');
    p.leaf.last.fail(boom);
    await settle();
    for (const probe of Object.values(p)) expect(probe.live()).toEqual([]);
    expect(p.sibling.last.signal.aborted).toBe(true);
    expect(p.other.last.signal.aborted).toBe(true);
    const outer = g.errors[0] as GroupError;
    expect(outer).toBeInstanceOf(GroupError);
    expect(outer.groupId).toBe('outer');
    expect(outer.childId).toBe('inner');
    const innerError = outer.cause as GroupError;
    expect(innerError).toBeInstanceOf(GroupError);
    expect(innerError.groupId).toBe('inner');
    expect(innerError.childId).toBe('leaf');
    expect(innerError.cause).toBe(boom);
  });

  it('reaches a parent machine through onError', async () => {
    const { probes: p, children } = probes(['a', 'b']);
    const clock = new SimulatedClock();
    const actor = createActor(parentOf(createProcessGroup({ children })), { clock });
    const errors: unknown[] = [];
    actor.subscribe({ error: (error) => errors.push(error) });
    actor.start();
    await settle();
    const boom = new Error('boom');
    p.b.last.fail(boom);
    await settle();
    expect(actor.getSnapshot().value).toBe('groupFailed');
    expect(errors).toEqual([]);
    const error = actor.getSnapshot().context.error as GroupError;
    expect(error).toBeInstanceOf(GroupError);
    expect(error.cause).toBe(boom);
    expect(p.a.live()).toEqual([]);
  });
});

describe('group: a child ending successfully (scenario 14)', () => {
  it('leaves the others running, and the group completes when no child is left', async () => {
    const { probes: p, children } = probes(['a', 'b']);
    const g = startGroup({ children });
    await settle();
    p.a.last.succeed('done');
    await settle();
    expect(g.actor.getSnapshot().matches({ running: 'active' })).toBe(true);
    expect(p.b.last.live).toBe(true);
    expect(p.b.last.signal.aborted).toBe(false);
    expect(Object.keys(g.views())).toEqual(['b']);
    expect(g.actor.getSnapshot().context.running).toBe(1);
    p.b.last.succeed();
    await settle();
    expect(g.actor.getSnapshot().status).toBe('done');
    expect(g.output()).toEqual({
      reason: 'completed',
      stopped: [],
      forced: [],
      restarts: 0,
      failures: 0,
      droppedMessages: 0,
    });
    expect(g.eventLines()).toEqual([
      'child.started a',
      'child.started b',
      'child.completed a',
      'child.completed b',
    ]);
  });

  it('leaves the others running when a nested group completes, and completes after them', async () => {
    const { probes: p, children } = probes(['leaf', 'other']);
    const inner = createProcessGroup({ id: 'inner', children: [children[0]!] });
    const g = startGroup({ children: [{ id: 'inner', logic: inner }, children[1]!] });
    await settle();
    p.leaf.last.succeed();
    await settle();
    expect(Object.keys(g.views())).toEqual(['other']);
    expect(p.other.last.live).toBe(true);
    expect(g.actor.getSnapshot().matches({ running: 'active' })).toBe(true);
    p.other.last.succeed();
    await settle();
    expect(g.output()?.reason).toBe('completed');
  });

  it('completes at once with no children, and stays up with idle', async () => {
    const empty = startGroup({});
    await settle();
    expect(empty.output()?.reason).toBe('completed');
    const kept = startGroup({ children: [idle] });
    await kept.advance(3_600_000);
    expect(kept.actor.getSnapshot().matches({ running: 'active' })).toBe(true);
  });
});

describe('group: strategies', () => {
  it('one-for-one restarts only the failed child, after the backoff delay', async () => {
    const { probes: p, children } = probes(['a', 'b', 'c']);
    const g = startGroup({ strategy: 'one-for-one', backoff: { initialMs: 100 }, children });
    await settle();
    p.b.last.fail(new Error('b failed'));
    await settle();
    expect(g.views().b?.status).toBe('backingOff');
    expect(g.actor.getSnapshot().context).toMatchObject({ running: 2, backingOff: 1, failures: 1 });
    await g.advance(99);
    expect(p.b.runs).toHaveLength(1);
    await g.advance(1);
    expect(p.b.runs).toHaveLength(2);
    expect(p.b.last.live).toBe(true);
    expect(p.a.runs).toHaveLength(1);
    expect(p.c.runs).toHaveLength(1);
    expect(p.a.last.signal.aborted).toBe(false);
    expect(p.c.last.signal.aborted).toBe(false);
    expect(g.views().b).toEqual({
      status: 'running',
      failures: 1,
      restarts: 1,
      delayMs: 100,
      pending: 0,
      ready: true,
    });
    expect(g.actor.getSnapshot().context).toMatchObject({ running: 3, restarts: 1 });
    expect(g.eventLines()).toEqual([
      'child.started a',
      'child.started b',
      'child.started c',
      'child.failed b',
      'restart.scheduled b',
      'child.started b',
    ]);
  });

  it('one-for-one doubles a child’s delay on its next failure', async () => {
    const { probes: p, children } = probes(['a']);
    const g = startGroup({ strategy: 'one-for-one', backoff: { initialMs: 100 }, children });
    await settle();
    p.a.last.fail(new Error('1'));
    await g.advance(100);
    p.a.last.fail(new Error('2'));
    await g.advance(199);
    expect(p.a.runs).toHaveLength(2);
    await g.advance(1);
    expect(p.a.runs).toHaveLength(3);
  });

  it('one-for-all stops the others gracefully, then restarts all in start order', async () => {
    const clock = new SimulatedClock();
    const log: string[] = [];
    const { probes: p } = probes(['a']);
    const g = startGroup(
      {
        strategy: 'one-for-all',
        backoff: { initialMs: 100 },
        children: [
          { id: 'a', logic: p.a.logic },
          { id: 'b', logic: slowChild('b', log, clock, { stopMs: 50 }) },
          { id: 'c', logic: slowChild('c', log, clock, { stopMs: 20 }) },
        ],
      },
      clock,
    );
    await settle();
    p.a.last.fail(new Error('a failed'));
    await settle();
    expect(g.views().b?.status).toBe('stopping');
    // The delay runs once every child of the round has stopped (b, at 50 ms).
    await g.advance(149);
    expect(p.a.runs).toHaveLength(1);
    await g.advance(1);
    expect(p.a.runs).toHaveLength(2);
    expect(log).toEqual([
      'b started @0',
      'c started @0',
      'b asked @0',
      'c asked @0',
      'c stopped @20',
      'b stopped @50',
      'b started @150',
      'c started @150',
    ]);
    expect(g.eventLines().filter((line) => line.startsWith('child.started'))).toEqual([
      'child.started a',
      'child.started b',
      'child.started c',
      'child.started a',
      'child.started b',
      'child.started c',
    ]);
    expect(g.actor.getSnapshot().context).toMatchObject({ running: 3, restarts: 3 });
  });

  it('rest-for-one restarts the failed child and those started after it, not those before', async () => {
    const { probes: p, children } = probes(['a', 'b', 'c', 'd']);
    const g = startGroup({ strategy: 'rest-for-one', backoff: { initialMs: 100 }, children });
    await settle();
    p.b.last.fail(new Error('b failed'));
    await settle();
    expect(p.c.last.signal.aborted).toBe(true);
    expect(p.d.last.signal.aborted).toBe(true);
    expect(p.a.last.signal.aborted).toBe(false);
    await g.advance(100);
    expect(p.a.runs).toHaveLength(1);
    expect(p.b.runs).toHaveLength(2);
    expect(p.c.runs).toHaveLength(2);
    expect(p.d.runs).toHaveLength(2);
    expect(p.a.last.live).toBe(true);
    for (const probe of [p.b, p.c, p.d]) expect(probe.last.live).toBe(true);
    expect(
      g
        .eventLines()
        .filter((line) => line.startsWith('child.started'))
        .slice(4),
    ).toEqual(['child.started b', 'child.started c', 'child.started d']);
  });

  it('fail-fast is the default', async () => {
    const { probes: p, children } = probes(['a', 'b']);
    const g = startGroup({ children });
    await settle();
    p.a.last.fail(new Error('x'));
    await g.advance(60_000);
    expect(p.a.runs).toHaveLength(1);
    expect(g.errors[0]).toBeInstanceOf(GroupError);
  });
});

describe('group: restart types', () => {
  it('drops a temporary child that fails under one-for-one; the others keep running', async () => {
    const temp = processProbe();
    const { probes: p, children } = probes(['a']);
    const g = startGroup({
      strategy: 'one-for-one',
      backoff: { initialMs: 10 },
      children: [...children, { id: 'temp', logic: temp.logic, restart: 'temporary' }],
    });
    await settle();
    temp.last.fail(new Error('once only'));
    await g.advance(1_000);
    expect(temp.runs).toHaveLength(1);
    expect(Object.keys(g.views())).toEqual(['a']);
    expect(p.a.last.live).toBe(true);
    expect(g.actor.getSnapshot().matches({ running: 'active' })).toBe(true);
    expect(g.errors).toEqual([]);
  });

  it('restarts a permanent child that completes, after the backoff delay', async () => {
    const perm = processProbe();
    const g = startGroup({
      strategy: 'one-for-one',
      backoff: { initialMs: 50 },
      children: [{ id: 'perm', logic: perm.logic, restart: 'permanent' }],
    });
    await settle();
    perm.last.succeed('round 1');
    await g.advance(49);
    expect(perm.runs).toHaveLength(1);
    expect(g.views().perm?.status).toBe('backingOff');
    await g.advance(1);
    expect(perm.runs).toHaveLength(2);
    expect(g.eventLines()).toEqual([
      'child.started perm',
      'child.completed perm',
      'restart.scheduled perm',
      'child.started perm',
    ]);
  });

  it('drops a transient child that completes, and restarts it when it fails', async () => {
    const t = processProbe();
    const { children } = probes(['keep']);
    const g = startGroup({
      strategy: 'one-for-one',
      backoff: { initialMs: 10 },
      children: [{ id: 't', logic: t.logic }, ...children],
    });
    await settle();
    t.last.fail(new Error('failed'));
    await g.advance(10);
    expect(t.runs).toHaveLength(2);
    t.last.succeed();
    await g.advance(1_000);
    expect(t.runs).toHaveLength(2);
    expect(Object.keys(g.views())).toEqual(['keep']);
  });
});

describe('group: restart limit and escalation', () => {
  it('gives up after more than maxRestarts.count restarts: stops everyone and fails with the last error', async () => {
    const errors: Error[] = [];
    const flaky = processProbe({
      onStart: (run) => {
        const error = new Error(`failure ${run.index + 1}`);
        errors.push(error);
        run.fail(error);
      },
    });
    const { probes: p, children } = probes(['steady']);
    const g = startGroup({
      id: 'app',
      strategy: 'one-for-one',
      backoff: { initialMs: 10 },
      maxRestarts: { count: 2, withinMs: 10_000 },
      children: [{ id: 'flaky', logic: flaky.logic }, ...children],
    });
    await g.advance(1_000);
    expect(flaky.runs).toHaveLength(3);
    expect(p.steady.last.signal.aborted).toBe(true);
    expect(p.steady.live()).toEqual([]);
    expect(g.actor.getSnapshot().status).toBe('error');
    const error = g.errors[0] as GroupError;
    expect(error).toBeInstanceOf(GroupError);
    expect(error.reason).toBe('max-restarts');
    expect(error.childId).toBe('flaky');
    expect(error.cause).toBe(errors[2]);
    expect(error.message).toBe(
      'group "app" gave up (more than 2 restarts within 10000 ms): Error: failure 3',
    );
    expect(g.events.at(-1)).toMatchObject({
      type: 'supervisor.gaveUp',
      childId: 'flaky',
      reason: 'max-restarts',
    });
  });

  it('counts restarts of every child together', async () => {
    const { probes: p, children } = probes(['a', 'b']);
    const g = startGroup({
      strategy: 'one-for-one',
      backoff: { initialMs: 10 },
      maxRestarts: { count: 1, withinMs: 10_000 },
      children,
    });
    await settle();
    p.a.last.fail(new Error('a'));
    await g.advance(10);
    expect(g.actor.getSnapshot().status).toBe('active');
    p.b.last.fail(new Error('b'));
    await g.advance(10);
    expect((g.errors[0] as GroupError).reason).toBe('max-restarts');
    expect((g.errors[0] as GroupError).childId).toBe('b');
  });

  it('no longer counts restarts that left the window', async () => {
    const { probes: p, children } = probes(['a']);
    const g = startGroup({
      strategy: 'one-for-one',
      backoff: { initialMs: 10 },
      maxRestarts: { count: 1, withinMs: 1_000 },
      resetAfterMs: false,
      children,
    });
    await settle();
    p.a.last.fail(new Error('1'));
    await g.advance(1_100);
    p.a.last.fail(new Error('2'));
    await g.advance(100);
    expect(g.actor.getSnapshot().status).toBe('active');
    expect(p.a.runs).toHaveLength(3);
  });

  it('resets a child’s failure count after resetAfterMs of running, so its next delay is initialMs', async () => {
    const { probes: p, children } = probes(['a']);
    const g = startGroup({
      strategy: 'one-for-one',
      backoff: { initialMs: 100 },
      resetAfterMs: 1_000,
      children,
    });
    await settle();
    p.a.last.fail(new Error('1'));
    await g.advance(100);
    p.a.last.fail(new Error('2'));
    await g.advance(200);
    expect(g.views().a?.failures).toBe(2);
    await g.advance(1_000);
    expect(g.views().a?.failures).toBe(0);
    p.a.last.fail(new Error('3'));
    await g.advance(100);
    expect(p.a.runs).toHaveLength(4);
  });

  it('a supervisor restarts a failed group as a whole, with backoff and fresh children', async () => {
    const { probes: p, children } = probes(['a', 'b']);
    const group = createProcessGroup({ id: 'inner', children });
    const clock = new SimulatedClock();
    const actor = createActor(createSupervisor(group, { id: 'top', backoff: { initialMs: 200 } }), {
      clock,
    });
    const errors: unknown[] = [];
    actor.subscribe({ error: (error) => errors.push(error) });
    actor.start();
    await settle();
    p.a.last.fail(new Error('a broke'));
    await settle();
    expect(actor.getSnapshot().matches('backingOff')).toBe(true);
    expect(actor.getSnapshot().context.lastError).toMatchObject({
      name: 'GroupError',
      cause: { message: 'a broke' },
    });
    expect(p.b.live()).toEqual([]);
    await advance(clock, 199);
    expect(p.a.runs).toHaveLength(1);
    await advance(clock, 1);
    expect(p.a.runs).toHaveLength(2);
    expect(p.b.runs).toHaveLength(2);
    expect(p.a.last.live).toBe(true);
    expect(p.b.last.live).toBe(true);
    actor.send({ type: 'shutdown' });
    await settle();
    expect(actor.getSnapshot().output).toMatchObject({
      reason: 'shutdown',
      output: { reason: 'shutdown', stopped: ['a', 'b'] },
    });
    expect(errors).toEqual([]);
  });

  it('supervisors inside a group restart their own child without disturbing the group', async () => {
    const { probes: p } = probes(['a', 'b']);
    const g = startGroup({
      children: [
        { id: 'a', logic: createSupervisor(p.a.logic, { id: 'a', backoff: { initialMs: 10 } }) },
        { id: 'b', logic: createSupervisor(p.b.logic, { id: 'b' }) },
      ],
    });
    await settle();
    p.a.last.fail(new Error('a broke'));
    await g.advance(10);
    expect(p.a.runs).toHaveLength(2);
    expect(p.b.runs).toHaveLength(1);
    expect(g.actor.getSnapshot().matches({ running: 'active' })).toBe(true);
    expect(g.actor.getSnapshot().context.failures).toBe(0);
    g.send({ type: 'shutdown' });
    await settle();
    expect(g.output()).toMatchObject({ reason: 'shutdown', stopped: ['a', 'b'], forced: [] });
    expect(p.a.live()).toEqual([]);
    expect(p.b.live()).toEqual([]);
  });

  it('a supervisor inside a group that gives up makes a fail-fast group fail', async () => {
    const { probes: p } = probes(['a', 'b']);
    const g = startGroup({
      children: [
        {
          id: 'a',
          logic: createSupervisor(p.a.logic, {
            id: 'a',
            backoff: { initialMs: 10 },
            maxRestarts: { count: 0, withinMs: 1_000 },
          }),
        },
        { id: 'b', logic: p.b.logic },
      ],
    });
    await settle();
    const boom = new Error('a broke');
    p.a.last.fail(boom);
    await settle();
    const error = g.errors[0] as GroupError;
    expect(error).toBeInstanceOf(GroupError);
    expect(error.cause).toBeInstanceOf(SupervisorError);
    expect((error.cause as SupervisorError).cause).toBe(boom);
    expect(p.b.live()).toEqual([]);
  });
});

describe('group: shutdown order and report', () => {
  const threeSlow = (shutdownOrder: 'parallel' | 'reverse') => {
    const clock = new SimulatedClock();
    const log: string[] = [];
    const g = startGroup(
      {
        shutdownOrder,
        children: ['a', 'b', 'c'].map((id) => ({
          id,
          logic: slowChild(id, log, clock, { stopMs: 100 }),
        })),
      },
      clock,
    );
    return { g, log: () => log.filter((line) => !line.includes('started')) };
  };

  it('reverse stops one child at a time, last started first', async () => {
    const { g, log } = threeSlow('reverse');
    await settle();
    g.send({ type: 'shutdown' });
    await g.advance(300);
    expect(log()).toEqual([
      'c asked @0',
      'c stopped @100',
      'b asked @100',
      'b stopped @200',
      'a asked @200',
      'a stopped @300',
    ]);
    expect(g.output()).toMatchObject({ reason: 'shutdown', stopped: ['c', 'b', 'a'], forced: [] });
  });

  it('parallel asks every child at once', async () => {
    const { g, log } = threeSlow('parallel');
    await settle();
    g.send({ type: 'shutdown' });
    await g.advance(100);
    expect(log()).toEqual([
      'a asked @0',
      'b asked @0',
      'c asked @0',
      'a stopped @100',
      'b stopped @100',
      'c stopped @100',
    ]);
    expect(g.output()).toMatchObject({ reason: 'shutdown', stopped: ['a', 'b', 'c'], forced: [] });
  });

  it('reverse forces a child that outlives its grace period, then goes on with the next', async () => {
    const stubborn = processProbe({ onShutdown: 'ignore' });
    const { probes: p, children } = probes(['first', 'last']);
    const g = startGroup({
      shutdownOrder: 'reverse',
      children: [
        children[0]!,
        { id: 'stubborn', logic: stubborn.logic, shutdownTimeoutMs: 500 },
        children[1]!,
      ],
    });
    await settle();
    g.send({ type: 'shutdown' });
    await settle();
    expect(p.last.live()).toEqual([]);
    expect(p.first.last.signal.aborted).toBe(false);
    await g.advance(499);
    expect(p.first.last.signal.aborted).toBe(false);
    await g.advance(1);
    expect(stubborn.live()).toEqual([]);
    expect(p.first.live()).toEqual([]);
    expect(g.output()).toMatchObject({
      reason: 'forced',
      stopped: ['last', 'first'],
      forced: ['stubborn'],
    });
  });

  it('gives each child its own grace period, the group’s by default', async () => {
    const quick = processProbe({ onShutdown: 'ignore' });
    const slow = processProbe({ onShutdown: 'ignore' });
    const g = startGroup({
      shutdownTimeoutMs: 1_000,
      children: [
        { id: 'quick', logic: quick.logic, shutdownTimeoutMs: 100 },
        { id: 'slow', logic: slow.logic },
      ],
    });
    await settle();
    g.send({ type: 'shutdown' });
    await g.advance(100);
    expect(quick.live()).toEqual([]);
    expect(slow.live()).toHaveLength(1);
    await g.advance(899);
    expect(slow.live()).toHaveLength(1);
    await g.advance(1);
    expect(g.output()).toMatchObject({ reason: 'forced', forced: ['quick', 'slow'] });
  });

  it('gives a child 30 s by default before forcing it', async () => {
    const stubborn = processProbe({ onShutdown: 'ignore' });
    const g = startGroup({ children: [{ id: 's', logic: stubborn.logic }] });
    await settle();
    g.send({ type: 'shutdown' });
    await g.advance(29_999);
    expect(stubborn.live()).toHaveLength(1);
    await g.advance(1);
    expect(g.output()?.forced).toEqual(['s']);
  });

  it('stops every child at once on shutdown with force: true, reporting them as forced', async () => {
    const { probes: p, children } = probes(['a', 'b'], { onShutdown: 'ignore' });
    const g = startGroup({ children });
    await settle();
    g.send({ type: 'shutdown', force: true });
    expect(g.actor.getSnapshot().matches('stopped')).toBe(true);
    expect(p.a.live()).toEqual([]);
    expect(p.b.live()).toEqual([]);
    expect(g.output()).toMatchObject({ reason: 'forced', stopped: [], forced: ['a', 'b'] });
  });

  it('forces the children still stopping on a second shutdown with force: true', async () => {
    const stubborn = processProbe({ onShutdown: 'ignore' });
    const { children } = probes(['polite']);
    const g = startGroup({ children: [...children, { id: 'stubborn', logic: stubborn.logic }] });
    await settle();
    g.send({ type: 'shutdown' });
    await settle();
    expect(g.actor.getSnapshot().matches({ running: 'stopping' })).toBe(true);
    g.send({ type: 'shutdown' });
    expect(g.actor.getSnapshot().matches({ running: 'stopping' })).toBe(true);
    g.send({ type: 'shutdown', force: true });
    expect(stubborn.live()).toEqual([]);
    expect(g.output()).toMatchObject({
      reason: 'forced',
      stopped: ['polite'],
      forced: ['stubborn'],
    });
  });

  it('forces the queued children too on shutdown with force: true during a reverse shutdown', async () => {
    const clock = new SimulatedClock();
    const log: string[] = [];
    const g = startGroup(
      {
        shutdownOrder: 'reverse',
        children: ['a', 'b'].map((id) => ({
          id,
          logic: slowChild(id, log, clock, { stopMs: 100 }),
        })),
      },
      clock,
    );
    await settle();
    g.send({ type: 'shutdown' });
    await g.advance(50);
    g.send({ type: 'shutdown', force: true });
    expect(g.output()).toMatchObject({ reason: 'forced', stopped: [] });
    expect([...(g.output()?.forced ?? [])].sort()).toEqual(['a', 'b']);
    await g.advance(1_000);
    expect(log.filter((line) => !line.includes('started'))).toEqual(['b asked @0']);
  });

  it('stops children that cannot receive events at once, as stopped in time', async () => {
    let aborted = false;
    const promise = fromPromise(
      ({ signal }) =>
        new Promise<void>(() => {
          signal.addEventListener('abort', () => {
            aborted = true;
          });
        }),
    );
    const g = startGroup({ children: [{ id: 'promise', logic: promise }] });
    await settle();
    g.send({ type: 'shutdown' });
    expect(aborted).toBe(true);
    expect(g.output()).toMatchObject({ reason: 'shutdown', stopped: ['promise'], forced: [] });
  });

  it('stops a child that is backing off at once, starting nothing more', async () => {
    const { probes: p, children } = probes(['a', 'b']);
    const g = startGroup({ strategy: 'one-for-one', backoff: { initialMs: 5_000 }, children });
    await settle();
    p.a.last.fail(new Error('a'));
    await g.advance(1_000);
    g.send({ type: 'shutdown' });
    await settle();
    expect(g.output()).toMatchObject({ reason: 'shutdown', stopped: ['a', 'b'], forced: [] });
    await g.advance(10_000);
    expect(p.a.runs).toHaveLength(1);
  });

  it('keeps its counts current when a shutdown drops a child that backs off', async () => {
    const stubborn = processProbe({ onShutdown: 'ignore' });
    const { probes: p } = probes(['b']);
    const g = startGroup({
      strategy: 'one-for-all',
      backoff: { initialMs: 1_000 },
      children: [
        { id: 's', logic: stubborn.logic },
        { id: 'b', logic: p.b.logic },
      ],
    });
    await settle();
    p.b.last.fail(new Error('b'));
    await settle();
    expect(g.actor.getSnapshot().context).toMatchObject({ stopping: 1, backingOff: 1 });
    g.send({ type: 'shutdown' });
    await settle();
    expect(g.actor.getSnapshot().matches({ running: 'stopping' })).toBe(true);
    expect(g.actor.getSnapshot().context).toMatchObject({ running: 0, stopping: 1, backingOff: 0 });
  });

  it('records a child that fails while stopping as stopped, and fails nothing', async () => {
    const stubborn = processProbe({ onShutdown: 'ignore' });
    const g = startGroup({ children: [{ id: 's', logic: stubborn.logic }] });
    await settle();
    g.send({ type: 'shutdown' });
    stubborn.last.fail(new Error('failed while stopping'));
    await settle();
    expect(g.output()).toMatchObject({ reason: 'shutdown', stopped: ['s'], forced: [] });
    expect(g.errors).toEqual([]);
  });

  it('emits shutdown.started, then each child’s stop', async () => {
    const { children } = probes(['a', 'b']);
    const g = startGroup({ children });
    await settle();
    g.send({ type: 'shutdown' });
    await settle();
    expect(g.eventLines().slice(2)).toEqual([
      'shutdown.started *',
      'shutdown.started a',
      'shutdown.started b',
      'child.stopped a',
      'child.stopped b',
    ]);
  });
});

describe('group: reload and custom messages', () => {
  it('passes reload to every running child, down to the leaves of nested groups', async () => {
    const { probes: p, children } = probes(['a', 'b', 'c']);
    const g = startGroup({
      children: [
        children[0]!,
        { id: 'inner', logic: createProcessGroup({ id: 'inner', children: children.slice(1) }) },
      ],
    });
    await settle();
    g.send({ type: 'reload' });
    await settle();
    for (const probe of Object.values(p)) expect(probe.last.reloads).toEqual([{ type: 'reload' }]);
  });

  it('passes any other event to every running child unchanged', async () => {
    const { probes: p, children } = probes(['a', 'b']);
    const g = startGroup({ children });
    await settle();
    g.send({ type: 'rotate', payload: 42 });
    await settle();
    for (const probe of Object.values(p)) {
      expect(probe.last.messages).toEqual([{ type: 'rotate', payload: 42 }]);
    }
  });

  it('passes reload through a supervisor child to its child', async () => {
    const inner = processProbe();
    const g = startGroup({ children: [{ id: 's', logic: createSupervisor(inner.logic) }] });
    await settle();
    g.send({ type: 'reload' });
    await settle();
    expect(inner.last.reloads).toEqual([{ type: 'reload' }]);
  });
});

describe('group: dynamic add and remove', () => {
  it('adds a child while running: it starts, gets reloads and is stopped on shutdown', async () => {
    const { children } = probes(['a']);
    const late = processProbe();
    const g = startGroup({ children });
    await settle();
    g.send({ type: 'add', child: { id: 'late', logic: late.logic, input: { n: 1 } } });
    await settle();
    expect(late.last.live).toBe(true);
    expect(late.last.input).toEqual({ n: 1 });
    expect(Object.keys(g.views())).toEqual(['a', 'late']);
    g.send({ type: 'reload' });
    await settle();
    expect(late.last.reloads).toHaveLength(1);
    g.send({ type: 'shutdown' });
    await settle();
    expect(g.output()?.stopped).toEqual(['a', 'late']);
  });

  it('removes one child gracefully, leaving the others running', async () => {
    const clock = new SimulatedClock();
    const log: string[] = [];
    const { probes: p, children } = probes(['a']);
    const g = startGroup(
      {
        children: [
          ...children,
          { id: 'slow', logic: slowChild('slow', log, clock, { stopMs: 50 }) },
        ],
      },
      clock,
    );
    await settle();
    g.send({ type: 'remove', id: 'slow' });
    await g.advance(49);
    expect(g.views().slow?.status).toBe('stopping');
    await g.advance(1);
    expect(Object.keys(g.views())).toEqual(['a']);
    expect(p.a.last.live).toBe(true);
    expect(g.actor.getSnapshot().matches({ running: 'active' })).toBe(true);
    expect(g.eventLines()).toContain('child.stopped slow');
  });

  it('completes the group when its last child is removed', async () => {
    const { children } = probes(['a']);
    const g = startGroup({ children });
    await settle();
    g.send({ type: 'remove', id: 'a' });
    await settle();
    expect(g.output()?.reason).toBe('completed');
  });

  it('cancels the restart of a child removed while it backs off', async () => {
    const { probes: p, children } = probes(['a', 'b']);
    const g = startGroup({ strategy: 'one-for-one', backoff: { initialMs: 100 }, children });
    await settle();
    p.a.last.fail(new Error('a'));
    await settle();
    g.send({ type: 'remove', id: 'a' });
    await g.advance(1_000);
    expect(p.a.runs).toHaveLength(1);
    expect(Object.keys(g.views())).toEqual(['b']);
    expect(g.actor.getSnapshot().context).toMatchObject({ running: 1, backingOff: 0 });
  });

  it('still restarts the rest of a one-for-all round when a child stopping for it is removed', async () => {
    const clock = new SimulatedClock();
    const log: string[] = [];
    const { probes: p } = probes(['a']);
    const g = startGroup(
      {
        strategy: 'one-for-all',
        backoff: { initialMs: 100 },
        children: [
          { id: 'a', logic: p.a.logic },
          { id: 'b', logic: slowChild('b', log, clock, { stopMs: 50 }) },
        ],
      },
      clock,
    );
    await settle();
    p.a.last.fail(new Error('a'));
    await settle();
    expect(g.views().b?.status).toBe('stopping');
    g.send({ type: 'remove', id: 'b' });
    await g.advance(150);
    expect(Object.keys(g.views())).toEqual(['a']);
    expect(p.a.runs).toHaveLength(2);
    expect(p.a.last.live).toBe(true);
    expect(g.actor.getSnapshot().context).toMatchObject({ running: 1, stopping: 0, backingOff: 0 });
  });

  it('refuses add and remove visibly while shutting down', async () => {
    const stubborn = processProbe({ onShutdown: 'ignore' });
    const late = processProbe();
    const g = startGroup({ children: [{ id: 's', logic: stubborn.logic }] });
    await settle();
    g.send({ type: 'shutdown' });
    g.send({ type: 'add', child: { id: 'late', logic: late.logic } });
    g.send({ type: 'remove', id: 's' });
    await settle();
    expect(late.runs).toEqual([]);
    expect(g.actor.getSnapshot().context.refusals).toEqual([
      { request: 'add', id: 'late', reason: 'the group is shutting down' },
      { request: 'remove', id: 's', reason: 'the group is shutting down' },
    ]);
    stubborn.last.succeed();
    await settle();
    expect(g.output()).toMatchObject({ reason: 'shutdown', stopped: ['s'] });
  });

  it('restarts an added child under the group’s strategy', async () => {
    const late = processProbe();
    const g = startGroup({
      strategy: 'one-for-one',
      backoff: { initialMs: 10 },
      children: [idle],
    });
    await settle();
    g.send({ type: 'add', child: { id: 'late', logic: late.logic } });
    await settle();
    late.last.fail(new Error('late failed'));
    await g.advance(10);
    expect(late.runs).toHaveLength(2);
  });
});

describe('group: refused requests', () => {
  const refusedCases: Array<{ name: string; event: GroupEvent; refusal: object }> = [
    {
      name: 'an add with a duplicate id',
      event: { type: 'add', child: { id: 'a', logic: idle } },
      refusal: { request: 'add', id: 'a', reason: 'a child with id "a" already exists' },
    },
    {
      name: 'a remove with an unknown id',
      event: { type: 'remove', id: 'nobody' },
      refusal: { request: 'remove', id: 'nobody', reason: 'no child with id "nobody"' },
    },
    {
      name: 'an add without a child',
      event: { type: 'add' },
      refusal: { request: 'add', id: null },
    },
    {
      name: 'an add whose child has no id',
      event: { type: 'add', child: { logic: idle } },
      refusal: { request: 'add', id: null },
    },
    {
      name: 'an add whose child is not actor logic',
      event: { type: 'add', child: { id: 'x', logic: () => 1 } },
      refusal: { request: 'add', id: 'x' },
    },
    {
      name: 'an add with bare actor logic',
      event: { type: 'add', child: idle },
      refusal: {
        request: 'add',
        id: null,
        reason: '"add" needs { id, logic }; got bare actor logic without an id',
      },
    },
    {
      name: 'an add with a bad restart type',
      event: { type: 'add', child: { id: 'x', logic: idle, restart: 'never' } },
      refusal: { request: 'add', id: 'x' },
    },
    {
      name: 'a remove without an id',
      event: { type: 'remove' },
      refusal: {
        request: 'remove',
        id: null,
        reason: '"remove" needs an "id" that is a non-empty string; got undefined',
      },
    },
    {
      name: 'a remove with a numeric id',
      event: { type: 'remove', id: 7 },
      refusal: { request: 'remove', id: null },
    },
  ];

  it.each(refusedCases)('refuses $name visibly, and keeps running', async ({ event, refusal }) => {
    const { probes: p, children } = probes(['a', 'b']);
    const g = startGroup({ id: 'app', children });
    const refused: RequestRefusedEvent[] = [];
    g.actor.on('request.refused', (e) => refused.push(e as RequestRefusedEvent));
    await settle();
    g.send(event);
    await settle();
    expect(g.actor.getSnapshot().context.refusals).toEqual([expect.objectContaining(refusal)]);
    expect(g.actor.getSnapshot().context.refusedCount).toBe(1);
    expect(refused).toHaveLength(1);
    const r = refusal as { request: string; id: string | null; reason?: string };
    expect(refused[0]).toMatchObject({
      type: 'request.refused',
      supervisorId: 'app',
      childId: r.id ?? '?',
      request: r.request,
    });
    expect(refused[0]?.reason).toBe(g.actor.getSnapshot().context.refusals[0]?.reason);
    expect(refused[0]?.reason.length).toBeGreaterThan(0);
    expect(g.actor.getSnapshot().matches({ running: 'active' })).toBe(true);
    expect(Object.keys(g.views())).toEqual(['a', 'b']);
    expect(p.a.runs).toHaveLength(1);
    expect(p.a.last.live).toBe(true);
    expect(p.b.last.live).toBe(true);
    g.send({ type: 'shutdown' });
    await settle();
    expect(g.output()).toMatchObject({ reason: 'shutdown', stopped: ['a', 'b'] });
    expect(g.errors).toEqual([]);
  });

  it(`keeps the latest ${MAX_REFUSALS_KEPT} refusals and counts them all`, async () => {
    const g = startGroup({ children: [idle] });
    await settle();
    for (let i = 0; i < MAX_REFUSALS_KEPT + 5; i++) g.send({ type: 'remove', id: `r${i}` });
    await settle();
    const { refusals, refusedCount } = g.actor.getSnapshot().context;
    expect(refusedCount).toBe(MAX_REFUSALS_KEPT + 5);
    expect(refusals).toHaveLength(MAX_REFUSALS_KEPT);
    expect(refusals[0]?.id).toBe('r5');
    expect(refusals.at(-1)?.id).toBe(`r${MAX_REFUSALS_KEPT + 4}`);
  });

  it('keeps a serializable context after refusals', async () => {
    const g = startGroup({ children: [idle] });
    await settle();
    g.send({ type: 'add', child: { id: 'x', logic: () => 1 } });
    g.send({ type: 'remove', id: 'y' });
    await settle();
    const { context } = g.actor.getSnapshot();
    expect(JSON.parse(JSON.stringify(context))).toEqual(context);
  });
});

describe('group: malformed events', () => {
  const malformed: GroupEvent[] = [
    { type: 'reload', extra: 1 },
    { type: 'whatever' },
    { type: '' },
    { type: 'add', child: null },
    { type: 'add', child: 'worker' },
    { type: 'add', child: { id: {}, logic: idle } },
    { type: 'remove', id: '' },
    { type: 'remove', id: { nested: true } },
    { type: 'xstate.group.escalate' },
    { type: 'xstate.group.report' },
    { type: 'xstate.group.report', events: 'nope', counts: null },
    { type: 'xstate.group.refused' },
    { type: 'xstate.group.drained' },
    { type: 'xstate.group.drained', stopped: 1 },
    { type: 'xstate.group.failed' },
    { type: 'xstate.group.empty' },
    { type: 'xstate.group.add' },
    { type: 'xstate.group.remove' },
    { type: 'xstate.group.drain' },
  ];

  it('never crash the group while running or stopping, and change nothing', async () => {
    const stubborn = processProbe({ onShutdown: 'ignore' });
    const { probes: p, children } = probes(['a', 'b']);
    const g = startGroup({ children: [...children, { id: 's', logic: stubborn.logic }] });
    await settle();
    for (const event of malformed) g.send(event);
    await settle();
    expect(g.actor.getSnapshot().status).toBe('active');
    expect(g.actor.getSnapshot().matches({ running: 'active' })).toBe(true);
    expect(Object.keys(g.views())).toEqual(['a', 'b', 's']);
    expect(p.a.last.reloads).toHaveLength(1);
    g.send({ type: 'shutdown' });
    await settle();
    for (const event of malformed) g.send(event);
    await settle();
    expect(g.actor.getSnapshot().matches({ running: 'stopping' })).toBe(true);
    expect(stubborn.last.live).toBe(true);
    stubborn.last.succeed();
    await settle();
    expect(g.output()).toMatchObject({ reason: 'shutdown', stopped: ['a', 'b', 's'], forced: [] });
    expect(g.errors).toEqual([]);
  });

  it.each([
    { type: 'shutdown', force: 'yes' },
    { type: 'shutdown', force: 1 },
    { type: 'shutdown', force: null },
  ])('treat a shutdown with force $force as a graceful shutdown', async (event) => {
    const stubborn = processProbe({ onShutdown: 'ignore' });
    const g = startGroup({ children: [{ id: 's', logic: stubborn.logic }] });
    await settle();
    g.send(event);
    await settle();
    expect(g.actor.getSnapshot().matches({ running: 'stopping' })).toBe(true);
    expect(stubborn.last.live).toBe(true);
    g.send(event);
    expect(stubborn.last.live).toBe(true);
    stubborn.last.succeed();
    await settle();
    expect(g.output()).toMatchObject({ reason: 'shutdown', stopped: ['s'], forced: [] });
  });

  it('never change how a failing group fails', async () => {
    const stubborn = processProbe({ onShutdown: 'ignore' });
    const { probes: p, children } = probes(['a']);
    const g = startGroup({ children: [...children, { id: 's', logic: stubborn.logic }] });
    await settle();
    const boom = new Error('boom');
    p.a.last.fail(boom);
    await settle();
    expect(g.actor.getSnapshot().matches({ running: 'failing' })).toBe(true);
    for (const event of malformed) g.send(event);
    await settle();
    expect(g.actor.getSnapshot().matches({ running: 'failing' })).toBe(true);
    stubborn.last.succeed();
    await settle();
    expect(g.errors).toHaveLength(1);
    expect((g.errors[0] as GroupError).cause).toBe(boom);
  });
});

describe('group: actors and ids', () => {
  it('drops completed children from the child set’s snapshot and counts', async () => {
    const { probes: p, children } = probes(['a', 'b', 'c']);
    const g = startGroup({ children });
    await settle();
    expect(g.views()).toEqual({
      a: { status: 'running', failures: 0, restarts: 0, delayMs: 0, pending: 0, ready: true },
      b: { status: 'running', failures: 0, restarts: 0, delayMs: 0, pending: 0, ready: true },
      c: { status: 'running', failures: 0, restarts: 0, delayMs: 0, pending: 0, ready: true },
    });
    expect(Object.keys(g.childActors())).toEqual(['a', 'b', 'c']);
    p.a.last.succeed();
    p.c.last.succeed();
    await settle();
    expect(g.views()).toEqual({
      b: { status: 'running', failures: 0, restarts: 0, delayMs: 0, pending: 0, ready: true },
    });
    expect(g.childActors()).toEqual({ b: p.b.last.actor });
    expect(g.actor.getSnapshot().context.running).toBe(1);
  });

  it('runs each child as an actor under its own id, with the group as parent', async () => {
    const actors: AnyActorRef[] = [];
    const clock = new SimulatedClock();
    const machine = createProcessGroup({
      id: 'app',
      children: [
        { id: 'db', logic: idle },
        { id: 'api', logic: createSupervisor(idle, { id: 'api' }) },
      ],
    });
    const actor = createActor(machine, {
      clock,
      inspect: (event: InspectionEvent) => {
        if (event.type === '@xstate.actor') actors.push(event.actorRef as AnyActorRef);
      },
    });
    actor.start();
    await settle();
    const byId = (id: string) => actors.filter((a) => a.id === id);
    expect(byId('db')).toHaveLength(1);
    // The supervisor "api" and its child, which takes the supervisor's id.
    const [api, apiChild] = byId('api');
    expect(byId('api')).toHaveLength(2);
    // Each child's parent is a relay of its owner (same session), which tells who sent what.
    expect(byId('db')[0]?._parent?.sessionId).toBe(actor.sessionId);
    expect(api?._parent?.sessionId).toBe(actor.sessionId);
    expect(apiChild?._parent?.sessionId).toBe(api?.sessionId);
    expect(childActorsOf(actor)).toEqual({ db: byId('db')[0], api });
    // Two actors per supervised child, none more: the group holds its children itself.
    expect(actors).toHaveLength(4);
  });

  it('lets two groups in one actor system each have a child "worker"', async () => {
    const left = processProbe();
    const right = processProbe();
    const actors: AnyActorRef[] = [];
    const parent = setup({
      actors: {
        left: createProcessGroup({ id: 'left', children: [{ id: 'worker', logic: left.logic }] }),
        right: createProcessGroup({
          id: 'right',
          children: [{ id: 'worker', logic: right.logic }],
        }),
      },
    }).createMachine({
      invoke: [
        { id: 'left', src: 'left' },
        { id: 'right', src: 'right' },
      ],
    });
    const errors: unknown[] = [];
    const actor = createActor(parent, {
      clock: new SimulatedClock(),
      inspect: (event: InspectionEvent) => {
        if (event.type === '@xstate.actor') actors.push(event.actorRef as AnyActorRef);
      },
    });
    actor.subscribe({ error: (error) => errors.push(error) });
    actor.start();
    await settle();
    expect(errors).toEqual([]);
    expect(left.last.live).toBe(true);
    expect(right.last.live).toBe(true);
    expect(actors.filter((a) => a.id === 'worker')).toHaveLength(2);
    expect(actor.system.get('worker')).toBeUndefined();
    actor.getSnapshot().children.left?.send({ type: 'shutdown' });
    await settle();
    expect(left.live()).toEqual([]);
    expect(right.last.live).toBe(true);
  });
});

describe('group: stopped from outside', () => {
  it('stops every child, nested ones too, when the group actor is stopped', async () => {
    const { probes: p, children } = probes(['a', 'b']);
    const g = startGroup({
      children: [
        children[0]!,
        { id: 'inner', logic: createProcessGroup({ children: [children[1]!] }) },
      ],
    });
    await settle();
    g.actor.stop();
    await settle();
    expect(g.actor.getSnapshot().status).toBe('stopped');
    expect(g.errors).toEqual([]);
    expect(p.a.live()).toEqual([]);
    expect(p.b.live()).toEqual([]);
  });

  it('stops every child when a parent machine leaves the state that runs the group', async () => {
    const { probes: p, children } = probes(['a', 'b']);
    const parent = setup({ actors: { group: createProcessGroup({ children }) } }).createMachine({
      initial: 'on',
      states: { on: { invoke: { src: 'group' }, on: { off: 'off' } }, off: {} },
    });
    const actor = createActor(parent, { clock: new SimulatedClock() });
    const errors: unknown[] = [];
    actor.subscribe({ error: (error) => errors.push(error) });
    actor.start();
    await settle();
    actor.send({ type: 'off' });
    await settle();
    expect(errors).toEqual([]);
    expect(actor.getSnapshot().value).toBe('off');
    expect(p.a.live()).toEqual([]);
    expect(p.b.live()).toEqual([]);
  });
});

describe('group: scale', () => {
  it('starts 1,000 idle children and shuts them all down cleanly', async () => {
    const children = Array.from({ length: 1_000 }, (_, i) => ({ id: `idle-${i}`, logic: idle }));
    const g = startGroup({ children });
    await settle();
    expect(g.actor.getSnapshot().context.running).toBe(1_000);
    expect(Object.keys(g.views())).toHaveLength(1_000);
    g.send({ type: 'shutdown' });
    await settle();
    expect(g.actor.getSnapshot().matches('stopped')).toBe(true);
    const output = g.output()!;
    expect(output.reason).toBe('shutdown');
    expect(output.forced).toEqual([]);
    expect(new Set(output.stopped)).toEqual(new Set(children.map((c) => c.id)));
    expect(g.eventTypes().filter((t) => t === 'child.stopped')).toHaveLength(1_000);
    expect(g.errors).toEqual([]);
  });

  it('stops 1,000 children in reverse order, one at a time', async () => {
    const children = Array.from({ length: 1_000 }, (_, i) => ({ id: `idle-${i}`, logic: idle }));
    const g = startGroup({ shutdownOrder: 'reverse', children });
    await settle();
    g.send({ type: 'shutdown' });
    for (let i = 0; i < 50 && g.actor.getSnapshot().status === 'active'; i++) await settle(10);
    expect(g.output()?.stopped).toEqual(children.map((c) => c.id).reverse());
  });
});
