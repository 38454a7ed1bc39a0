/**
 * Restoring from storage: a persisted supervision part is checked before anything starts, and
 * a supervisor finds its one child again whatever id its restored actor has.
 */
import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { createSupervisor } from '../../src/machines/supervisor.js';
import { childOf } from '../../src/runtime/reach.js';
import { processProbe, settle } from '../support/probe.js';

function stored() {
  const probe = processProbe();
  const logic = createSupervisor(probe.logic, { id: 'svc' });
  const actor = createActor(logic, { id: 'first' }).start();
  const persisted = JSON.parse(JSON.stringify(actor.getPersistedSnapshot()));
  actor.stop();
  return { probe, logic, persisted };
}

describe('restoring a supervisor', () => {
  it('starts its one child again under another actor id', async () => {
    const { probe, logic, persisted } = stored();
    const restored = createActor(logic, { snapshot: persisted }).start();
    await settle();
    expect(childOf(restored)).toBeDefined();
    expect(probe.live()).toHaveLength(1);
    restored.stop();
    expect(probe.live()).toEqual([]);
  });

  const corrupt: [string, (p: { supervision: Record<string, unknown> }) => void, RegExp][] = [
    [
      'a child twice',
      (p) => {
        const children = p.supervision.children as unknown[];
        children.push(children[0]);
      },
      /"supervision\.children\[1\]\.id" is "first"; expected an id not used twice/,
    ],
    [
      'a view that is null',
      (p) => {
        (p.supervision.children as { view: unknown }[])[0]!.view = null;
      },
      /"supervision\.children\[0\]\.view" is null; expected an object/,
    ],
    [
      'a kept message that is a string',
      (p) => {
        (p.supervision.children as { pending: { messages: unknown[] } }[])[0]!.pending.messages = [
          'job',
        ];
      },
      /"supervision\.children\[0\]\.pending\.messages\[0\]" is "job"; expected an event object/,
    ],
    [
      'a negative count',
      (p) => {
        (p.supervision.counts as { restarts: number }).restarts = -3;
      },
      /"supervision\.counts\.restarts" is -3; expected a finite number ≥ 0/,
    ],
    [
      'a status nobody knows',
      (p) => {
        (p.supervision.children as { view: { status: string } }[])[0]!.view.status = 'failed';
      },
      /"supervision\.children\[0\]\.view\.status" is "failed"/,
    ],
  ];

  it.each(corrupt)(
    'refuses %s with an error naming the field, and starts nothing',
    async (_name, spoil, message) => {
      const { probe, logic, persisted } = stored();
      spoil(persisted);
      const errors: unknown[] = [];
      const restored = createActor(logic, { snapshot: persisted });
      restored.subscribe({ error: (error) => errors.push(error) });
      restored.start();
      await settle();
      expect(restored.getSnapshot().status).toBe('error');
      expect(String(errors[0])).toMatch(message);
      expect(probe.live()).toEqual([]);
    },
  );
});

describe('restoring a forged state', () => {
  it('refuses an ended state that says it is still active, naming the value', async () => {
    const { probe, logic, persisted } = stored();
    persisted.value = 'stopped';
    const restored = createActor(logic, { snapshot: persisted });
    const errors: unknown[] = [];
    restored.subscribe({ error: (error) => errors.push(error) });
    restored.start();
    await settle();
    expect(String(errors[0])).toMatch(/"value" is "stopped" with "status" "active"/);
    expect(probe.live()).toEqual([]);
  });

  it('finishes the shutdown of a snapshot stopping without a draining part, or without any', async () => {
    for (const spoil of [
      (p: Record<string, unknown>) => {
        p.value = { running: 'stopping' };
      },
      (p: Record<string, unknown>) => {
        p.value = { running: 'stopping' };
        delete p.supervision;
      },
    ]) {
      const { probe, logic, persisted } = stored();
      spoil(persisted);
      const restored = createActor(logic, { snapshot: persisted }).start();
      await settle();
      await settle();
      expect(restored.getSnapshot().status).toBe('done');
      expect(probe.live()).toEqual([]);
    }
  });
});
