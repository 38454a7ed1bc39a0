/**
 * The leaves' door, as a property: whatever object a stranger sends a `fromProcess` run, a
 * `fromSignals` actor or a test child (throwing getters, Proxies, types that change between
 * reads, cycles, forged internal events), the leaf keeps running and ends only when it is
 * stopped.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AnyActorLogic, createActor } from 'xstate';
import { fromProcess } from '../../src/actors/fromProcess.js';
import { fromSignals } from '../../src/node/fromSignals.js';
import { createTestChild } from '../../src/testing/testChild.js';
import { HOSTILE_KINDS, hostile } from '../support/hostile.js';
import { settle } from '../support/probe.js';

const TYPES = [
  'xstate.process.resolve',
  'xstate.process.reject',
  'xstate.signals.received',
  'xstate.testChild.fail',
  'xstate.testChild.complete',
  'xstate.stop',
  'xstate.done.actor.x',
  'xstate.error.actor.x',
  'shutdown',
  'reload',
  'job',
];

const leaves: [string, () => AnyActorLogic][] = [
  [
    'fromProcess',
    () =>
      fromProcess(async ({ signal }) => {
        await new Promise((resolve) => signal.addEventListener('abort', resolve));
      }),
  ],
  ['fromSignals', () => fromSignals({ signals: { SIGUSR2: 'reload' } })],
  ['a test child', () => createTestChild().logic],
];

describe('the leaves’ door (property)', () => {
  for (const [name, make] of leaves) {
    it(`${name} runs on whatever a stranger sends it, and ends when stopped`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(
            fc.tuple(fc.integer({ min: 0, max: HOSTILE_KINDS - 1 }), fc.constantFrom(...TYPES)),
            {
              minLength: 1,
              maxLength: 10,
            },
          ),
          async (sends) => {
            const actor = createActor(make());
            const errors: unknown[] = [];
            actor.subscribe({ error: (error) => errors.push(error) });
            actor.start();
            for (const [kind, type] of sends) {
              // shutdown and reload are the leaf's own words: only what is not one of them.
              if (type === 'shutdown' || type === 'reload') continue;
              try {
                actor.send(hostile(kind, type) as never);
              } catch {
                // The sender may see its own object throw; the leaf may not.
              }
            }
            await settle(1);
            expect(errors).toEqual([]);
            expect(actor.getSnapshot().status).toBe('active');
            actor.stop();
            expect(actor.getSnapshot().status).toBe('stopped');
          },
        ),
        { numRuns: 60 },
      );
    });
  }
});
