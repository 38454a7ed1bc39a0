/**
 * Regression: a temporary child stopped for a sibling's restart round is dropped, never
 * restarted (as OTP's one_for_all and rest_for_one, and as docs/group.md says: "dropped, never
 * restarted"). Found by the soak test (SOAK_SEED=798414559): under rest-for-one a temporary
 * child added after a failing one was stopped and started again with the round.
 */
import { describe, expect, it } from 'vitest';
import { type AnyActorLogic, createActor, fromPromise, SimulatedClock } from 'xstate';
import type { LifecycleEvent } from '../../src/lifecycle.js';
import { createProcessGroup } from '../../src/machines/group.js';
import type { GroupStrategy } from '../../src/policy/restart.js';
import { viewsOf } from '../support/children.js';
import { advance, processProbe, settle } from '../support/probe.js';

async function roundWithTemporary(strategy: GroupStrategy, temporary: AnyActorLogic) {
  const failing = processProbe();
  const clock = new SimulatedClock();
  const group = createActor(
    createProcessGroup({
      strategy,
      backoff: { initialMs: 100 },
      children: [
        { id: 'failing', logic: failing.logic },
        { id: 'temp', logic: temporary, restart: 'temporary' },
      ],
    }),
    { clock },
  );
  const events: string[] = [];
  group.on('*', (event) => {
    const lifecycle = event as LifecycleEvent;
    events.push(`${lifecycle.type} ${lifecycle.childId}`);
  });
  group.start();
  await settle();
  failing.last.fail(new Error('boom'));
  await advance(clock, 1_000);
  const views = viewsOf(group);
  return { group, failing, events, views };
}

describe('group: a temporary child in a sibling restart round', () => {
  for (const strategy of ['one-for-all', 'rest-for-one'] as const) {
    it(`is stopped and dropped, not restarted, under ${strategy} (graceful child)`, async () => {
      const temp = processProbe();
      const { failing, events, views } = await roundWithTemporary(strategy, temp.logic);
      expect(temp.runs).toHaveLength(1);
      expect(temp.runs[0]!.signal.aborted).toBe(true);
      expect(failing.runs).toHaveLength(2);
      expect(Object.keys(views)).toEqual(['failing']);
      expect(events).toContain('child.stopped temp');
      expect(events.filter((line) => line === 'child.started temp')).toHaveLength(1);
    });

    it(`is stopped and dropped, not restarted, under ${strategy} (child stopped at once)`, async () => {
      let starts = 0;
      const temp = fromPromise(async ({ signal }) => {
        starts++;
        await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
      });
      const { failing, events, views } = await roundWithTemporary(strategy, temp);
      expect(starts).toBe(1);
      expect(failing.runs).toHaveLength(2);
      expect(Object.keys(views)).toEqual(['failing']);
      expect(events).toContain('child.stopped temp');
    });
  }
});
