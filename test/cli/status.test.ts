/**
 * The status tracker and the control operations on a group of probe children, under a
 * simulated clock for the group and a hand-moved clock for the tracker: what `xsup status`
 * reports, and what `stop`, `start` and `restart` do to the group.
 */
import { describe, expect, test } from 'vitest';
import { createActor, SimulatedClock } from 'xstate';
import type { ControlReply } from '../../src/cli/control.js';
import type { Instance } from '../../src/cli/formation.js';
import { createOperations, KEEPER_ID } from '../../src/cli/operations.js';
import {
  createStatusTracker,
  formatDuration,
  formatStatusTable,
  type ProcessStatus,
} from '../../src/cli/status.js';
import { createProcessGroup, type GroupChild } from '../../src/machines/group.js';
import { viewsOf } from '../support/children.js';
import { advance, processProbe, settle } from '../support/probe.js';

const instance = (name: string, index: number): Instance => ({
  name,
  entry: { name, command: `run ${name}`, line: index + 1 },
  index,
  instance: 1,
  port: 5000 + 100 * index,
  ps: `${name}.1`,
});

function setup() {
  const web = processProbe();
  const flaky = processProbe({
    onStart: (run) => {
      if (run.index === 0) queueMicrotask(() => run.fail(new Error('boom')));
    },
  });
  const children: GroupChild[] = [
    { id: 'web', logic: web.logic, restart: 'permanent' },
    { id: 'flaky', logic: flaky.logic, restart: 'permanent' },
  ];
  const clock = new SimulatedClock();
  const actor = createActor(
    createProcessGroup({
      id: 'xsup',
      strategy: 'one-for-one',
      backoff: { initialMs: 100, maxMs: 1000, factor: 2, jitter: 'none' },
      children,
    }),
    { clock },
  );
  let now = 0;
  const tracker = createStatusTracker(actor, [instance('web', 0), instance('flaky', 1)], {
    groupId: 'xsup',
    procfile: 'Procfile',
    resetAfterMs: 2000,
    now: () => now,
  });
  const operations = createOperations(actor, {
    groupId: 'xsup',
    children: new Map(children.map((child) => [child.id, child])),
    tracker,
  });
  actor.start();
  const status = () =>
    Object.fromEntries(tracker.report().processes.map((p) => [p.name, p])) as Record<
      string,
      ProcessStatus
    >;
  return {
    actor,
    web,
    flaky,
    tracker,
    operations,
    status,
    /** Moves both clocks. */
    async advance(ms: number) {
      now += ms;
      await advance(clock, ms);
    },
  };
}

describe('the status tracker', () => {
  test('running, backing off with the delay left, restarts and failures, uptime; a stable run resets the failures', async () => {
    const t = setup();
    await settle();
    expect(t.status().web).toMatchObject({
      state: 'running',
      ready: true,
      restarts: 0,
      failures: 0,
      uptimeMs: 0,
    });
    expect(t.status().flaky).toMatchObject({
      state: 'backing off',
      ready: false,
      failures: 1,
      restartInMs: 100,
      uptimeMs: null,
    });
    await t.advance(40);
    expect(t.status().flaky!.restartInMs).toBe(60);
    await t.advance(60);
    await settle();
    expect(t.status().flaky).toMatchObject({
      state: 'running',
      restarts: 1,
      failures: 1,
      uptimeMs: 0,
    });
    expect(t.status().web!.uptimeMs).toBe(100);
    // The group resets the failures after twice the longest delay of running (2000 ms).
    await t.advance(1999);
    expect(t.status().flaky!.failures).toBe(1);
    await t.advance(1);
    expect(t.status().flaky).toMatchObject({ failures: 0, restarts: 1, uptimeMs: 2000 });
    t.operations.close();
    t.actor.stop();
  });

  test('formats durations and the table', () => {
    expect([850, 12_000, 185_000, 7_440_000, 266_400_000].map(formatDuration)).toEqual([
      '850ms',
      '12s',
      '3m05s',
      '2h04m',
      '3d02h',
    ]);
    const row = (p: Partial<ProcessStatus>): ProcessStatus => ({
      name: 'web',
      process: 'web',
      state: 'running',
      ready: true,
      pid: 4242,
      port: 5000,
      restarts: 0,
      failures: 0,
      uptimeMs: 185_000,
      restartInMs: null,
      ...p,
    });
    expect(
      formatStatusTable([
        row({}),
        row({
          name: 'worker',
          state: 'backing off',
          pid: null,
          restartInMs: 1600,
          restarts: 3,
          failures: 3,
          uptimeMs: null,
        }),
        row({ name: 'clock', state: 'stopped', ready: false, pid: null, uptimeMs: null }),
        row({ name: 'db', ready: false, uptimeMs: 2_000 }),
      ]),
    ).toBe(
      [
        'NAME    STATE                          PID   PORT  RESTARTS  FAILURES  UPTIME',
        'web     running                        4242  5000  0         0         3m05s',
        'worker  backing off (restart in 1.6s)  -     5000  3         3         -',
        'clock   stopped                        -     5000  0         0         -',
        'db      running (not ready)            4242  5000  0         0         2s',
        '',
      ].join('\n'),
    );
  });
});

describe('the control operations', () => {
  const results = (reply: ControlReply) =>
    'results' in reply
      ? reply.results.map((r) => `${r.name}: ${r.ok ? '' : 'not ok: '}${r.message}`)
      : reply;

  test('stop and start one child while the others run; stopping them all keeps the group running', async () => {
    const t = setup();
    await settle();
    const stop = t.operations.handle({ command: 'stop', names: ['web'] });
    await settle();
    expect(results(await stop)).toEqual(['web: stopped']);
    expect(t.web.runs[0]!.live).toBe(false);
    expect(t.status().web!.state).toBe('stopped');
    expect(results(await t.operations.handle({ command: 'stop', names: ['web'] }))).toEqual([
      'web: already stopped',
    ]);
    expect(results(await t.operations.handle({ command: 'stop', names: ['flaky'] }))).toEqual([
      'flaky: stopped',
    ]);
    // No child left but the keeper: the group still runs.
    expect(t.actor.getSnapshot().status).toBe('active');
    expect([...t.tracker.members().keys()]).toEqual([KEEPER_ID]);

    const started = t.operations.handle({ command: 'start', names: ['web'] });
    await settle();
    const reply = await started;
    // A probe is no OS process: no pid to tell.
    expect(results(reply)).toEqual(['web: started']);
    expect(t.web.runs).toHaveLength(2);
    expect(t.web.last.live).toBe(true);
    // A process is back: the keeper is gone.
    expect([...t.tracker.members().keys()]).toEqual(['web']);
    expect(t.status().web).toMatchObject({ state: 'running', restarts: 1 });
    t.operations.close();
    t.actor.stop();
  });

  test('restart is a graceful stop, then a fresh start with the failure count reset', async () => {
    const t = setup();
    await settle();
    await t.advance(100);
    await settle();
    expect(t.status().flaky).toMatchObject({ state: 'running', failures: 1, restarts: 1 });
    const restart = t.operations.handle({ command: 'restart', names: ['flaky'] });
    await settle();
    await restart;
    // The run it stopped got the shutdown (its signal aborted) and drained.
    expect(t.flaky.runs[1]!.signal.aborted).toBe(true);
    expect(t.flaky.runs).toHaveLength(3);
    expect(t.status().flaky).toMatchObject({ state: 'running', failures: 0, restarts: 2 });
    expect(viewsOf(t.actor).flaky).toMatchObject({
      failures: 0,
    });
    t.operations.close();
    t.actor.stop();
  });

  test('unknown names are refused before anything is done; a process name stands for its instances', async () => {
    const t = setup();
    await settle();
    expect(await t.operations.handle({ command: 'stop', names: ['web', 'nope'] })).toEqual({
      ok: false,
      error: 'no process named "nope" in this xsup; its processes: web, flaky',
      usage: true,
    });
    expect(t.web.last.live).toBe(true);
    const reply = await t.operations.handle({ command: 'status' });
    expect('status' in reply && reply.status.processes.map((p) => p.name)).toEqual([
      'web',
      'flaky',
    ]);
    t.actor.send({ type: 'shutdown' });
    await settle();
    expect(results(await t.operations.handle({ command: 'restart', names: ['web'] }))).toEqual([
      'web: not ok: xsup is shutting down',
    ]);
    t.operations.close();
  });
});
