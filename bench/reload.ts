/**
 * Scenario 4: reload fan-out to 10,000 children of a group.
 *
 * The children are `fromProcess` processes whose `onReload` handler counts into a shared
 * counter; the figure is the time from `reload` sent to the group until the last child has
 * received it. The seed's Rust crate took 27 ms for the same.
 */
import { createActor } from 'xstate';
import { createProcessGroup, fromProcess } from '../src/index.js';
import { type BenchOptions, median, now, type Row, ratio, turn } from './harness.js';

const SCENARIO = '4. reload fan-out';
const SEED_MS = 27;

async function measureReload(count: number, reps: number): Promise<number> {
  let received = 0;
  let target = 0;
  let reached: () => void = () => {};
  const child = fromProcess<void>(
    ({ signal, onReload }) =>
      new Promise<void>((resolve) => {
        onReload(() => {
          if (++received === target) reached();
        });
        signal.addEventListener('abort', () => resolve(), { once: true });
      }),
  );
  const group = createActor(
    createProcessGroup({
      id: 'reload',
      children: Array.from({ length: count }, (_, i) => ({ id: `c${i}`, logic: child })),
    }),
  ).start();
  await turn();
  const times: number[] = [];
  for (let rep = 0; rep < reps; rep++) {
    target = received + count;
    const all = new Promise<void>((resolve) => {
      reached = resolve;
    });
    const start = now();
    group.send({ type: 'reload' });
    await all;
    times.push(now() - start);
  }
  const done = new Promise<void>((resolve) => group.subscribe({ complete: () => resolve() }));
  group.send({ type: 'shutdown' });
  await done;
  return median(times);
}

export async function runReload({ quick, log }: BenchOptions): Promise<Row[]> {
  const count = 10_000;
  await measureReload(1_000, 3);
  const ms = await measureReload(count, quick ? 3 : 9);
  log(`${SCENARIO}: ${count} children: ${ms.toFixed(2)} ms`);
  return [
    {
      scenario: SCENARIO,
      key: 'reload',
      subject: 'group of 10,000 fromProcess children',
      metric: 'reload reaches all (ms)',
      value: ms,
      ratio: ratio(ms, SEED_MS, 'seed crate'),
      target: { text: `< ${SEED_MS} ms (seed crate)`, met: ms < SEED_MS },
    },
  ];
}
