import { expect, it } from 'vitest';
import { createActor } from 'xstate';
import { createApp } from '../../../examples/testing/app.js';
import { createTestChild, TestClock } from '../../../src/testing.js';

it('reconnects with a longer wait after each drop', async () => {
  const clock = new TestClock();
  // Run 1 drops at once; the others connect and serve.
  const api = createTestChild({ clock, runs: { 1: { start: 'fail' } } });
  const app = createActor(createApp(api.logic), { clock }).start();
  await clock.settle();
  await clock.advance(500); // the first reconnect, 500 ms after the drop
  expect(api.run(2).startedAt).toBe(500);
  api.run(2).fail(new Error('the connection dropped'));
  await clock.advance(999);
  expect(api.runs).toHaveLength(2);
  await clock.advance(1); // the second waits 1,000 ms
  expect(api.run(3).startedAt).toBe(1_500);
  expect(app.getSnapshot().value).toBe('online');
});

it('waits 500 ms again after a connection that reported healthy drops', async () => {
  const clock = new TestClock();
  // Run 1 drops at once; run 2 connects and tells its supervisor it is healthy.
  const api = createTestChild({ clock, runs: { 1: { start: 'fail' }, 2: { start: 'healthy' } } });
  createActor(createApp(api.logic), { clock }).start();
  await clock.advance(500);
  api.run(2).fail(new Error('the connection dropped'));
  await clock.advance(500); // not 1,000: the healthy report reset the failure count
  expect(api.run(3).startedAt).toBe(1_000);
});
