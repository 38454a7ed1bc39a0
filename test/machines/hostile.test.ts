/**
 * A property of the mailbox guard: whatever object a stranger sends a supervisor or a group
 * (throwing getters, Proxies, types that change between reads, cycles, huge objects, copies
 * of the layer's own events), the tree does not fail, every refused message is counted, and
 * nothing is left running after `stop()`.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createActor, SimulatedClock } from 'xstate';
import { createProcessGroup } from '../../src/machines/group.js';
import { createSupervisor } from '../../src/machines/supervisor.js';
import { HOSTILE_KINDS, hostile } from '../support/hostile.js';
import { processProbe, settle } from '../support/probe.js';

const RESERVED = [
  'xstate.supervision.report',
  'xstate.supervision.failed',
  'xstate.supervision.empty',
  'xstate.supervision.drained',
  'xstate.supervision.wait',
  'xstate.supervision.fromChild',
  'xstate.supervision.graceExpired',
  'xstate.error.actor.s',
  'xstate.done.actor.s',
  'xstate.error.actor.a',
  'xstate.after.backoff.s.backingOff.waiting',
  'xstate.stop',
  'supervisor.healthy',
  'supervisor.messagesDropped',
];

describe('the guard against hostile objects (property)', () => {
  it('never fails a supervisor or a group, counts what it refuses, and leaves nothing after stop()', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.tuple(fc.integer({ min: 0, max: HOSTILE_KINDS - 1 }), fc.constantFrom(...RESERVED)),
          {
            minLength: 1,
            maxLength: 12,
          },
        ),
        fc.boolean(),
        async (sends, group) => {
          const probe = processProbe();
          const clock = new SimulatedClock();
          const sup = createSupervisor(probe.logic, { id: 's', backoff: { initialMs: 10 } });
          const logic = group
            ? createProcessGroup({
                id: 'g',
                strategy: 'one-for-one',
                children: [{ id: 'a', logic: sup }],
              })
            : sup;
          const actor = createActor(logic, { clock });
          const errors: unknown[] = [];
          actor.subscribe({ error: (error) => errors.push(error) });
          actor.start();
          await settle(1);
          for (const [kind, type] of sends) {
            try {
              actor.send(hostile(kind, type) as never);
            } catch {
              // The sender may see its own object throw; the tree may not.
            }
          }
          await settle(1);
          expect(errors).toEqual([]);
          const snapshot = actor.getSnapshot();
          expect(snapshot.status).toBe('active');
          expect(snapshot.matches({ running: 'active' })).toBe(true);
          expect(probe.live()).toHaveLength(1);
          // Every send is one message: delivered to the child once, or counted as dropped.
          const dropped = (snapshot.context as { droppedMessages: number }).droppedMessages;
          expect(dropped + probe.last.messages.length).toBe(sends.length);
          actor.stop();
          expect(probe.live()).toEqual([]);
        },
      ),
      { numRuns: 80 },
    );
  });
});

describe('a failure inside the library', () => {
  /** Logic whose snapshot throws when the library reads its status, from the `after`-th read on. */
  function brokenLogic(after: number) {
    let reads = 0;
    return {
      config: {},
      transition: (snapshot: unknown) => snapshot,
      getInitialSnapshot: () => ({
        get status() {
          reads++;
          if (reads > after) throw new Error('broken snapshot');
          return 'active';
        },
        output: undefined,
        error: undefined,
      }),
      getPersistedSnapshot: (snapshot: unknown) => snapshot,
    };
  }

  for (const after of [0, 1, 2, 3]) {
    it(`stops every child of the group before it fails (a throw at read ${after + 1})`, async () => {
      const probe = processProbe();
      const group = createProcessGroup({
        id: 'g',
        strategy: 'one-for-one',
        children: [
          { id: 'ok', logic: probe.logic },
          { id: 'broken', logic: brokenLogic(after) as never },
        ],
      });
      const actor = createActor(group);
      const errors: unknown[] = [];
      actor.subscribe({ error: (error) => errors.push(error) });
      try {
        actor.start();
      } catch {
        // A start that fails is the group failing.
      }
      await settle(1);
      // A later read, for the throws that come after the start.
      if (actor.getSnapshot().status === 'active') actor.send({ type: 'job' });
      await settle(1);
      // The group failed, through XState's error channel, with the library's error.
      expect(actor.getSnapshot().status).toBe('error');
      expect(errors).toHaveLength(1);
      await settle(1);
      expect(probe.live()).toEqual([]);
    });
  }
});
