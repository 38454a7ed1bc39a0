/**
 * Scenario 6: memory after 1,000,000 restarts at zero backoff.
 *
 * One supervisor around a `fromProcess` child. Run 0 and run N wait on the harness; every run
 * between fails at once. Heap after garbage collection is read while run 0 waits and again
 * while run N waits (the same state: supervisor running, one live child), so the difference is
 * what N restarts left behind.
 */
import { createActor } from 'xstate';
import { createSupervisor, fromProcess } from '../src/index.js';
import { type BenchOptions, heapAfterGc, now, type Row } from './harness.js';

const SCENARIO = '6. memory over many restarts';
const TARGET_BYTES = 2 * 1024 * 1024;

export async function runMemory({ quick, log }: BenchOptions): Promise<Row[]> {
  const restarts = quick ? 100_000 : 1_000_000;
  let runs = 0;
  let release!: () => void;
  let reached!: () => void;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const atLast = new Promise<void>((resolve) => {
    reached = resolve;
  });
  const child = fromProcess<void>(async ({ signal }) => {
    const run = runs++;
    if (run === 0) await gate;
    else if (run === restarts) {
      reached();
      await new Promise<void>((resolve) => {
        signal.addEventListener('abort', () => resolve(), { once: true });
      });
      return;
    }
    throw new Error('boom');
  });
  const actor = createActor(createSupervisor(child, { backoff: { initialMs: 0, maxMs: 0 } }));
  const done = new Promise<void>((resolve) => actor.subscribe({ complete: () => resolve() }));
  actor.start();
  const before = await heapAfterGc();
  const start = now();
  release();
  await atLast;
  const seconds = (now() - start) / 1000;
  const after = await heapAfterGc();
  const context = actor.getSnapshot().context;
  if (context.restarts !== restarts) {
    throw new Error(`expected ${restarts} restarts, the supervisor made ${context.restarts}`);
  }
  actor.send({ type: 'shutdown' });
  await done;
  const growth = after - before;
  const size = restarts.toLocaleString('en-US');
  log(
    `${SCENARIO}: ${size} restarts in ${seconds.toFixed(1)} s; heap ${(before / 1e6).toFixed(2)} MB → ` +
      `${(after / 1e6).toFixed(2)} MB (${(growth / 1024).toFixed(0)} KiB)`,
  );
  return [
    {
      scenario: SCENARIO,
      subject: 'heap after GC at restart 0',
      metric: 'heap (MB)',
      value: before / 1e6,
    },
    {
      scenario: SCENARIO,
      subject: `heap after GC at restart ${size}`,
      metric: 'heap (MB)',
      value: after / 1e6,
    },
    {
      scenario: SCENARIO,
      subject: `growth over ${size} restarts`,
      metric: 'heap growth (KiB)',
      value: growth / 1024,
      target: { text: '< 2 MiB', met: growth < TARGET_BYTES },
      note: `${(restarts / seconds).toFixed(0)} restarts/s with fromProcess child`,
    },
  ];
}
