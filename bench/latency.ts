/**
 * Single-child shutdown latency: a supervisor around `idle` is sent `shutdown`; the figure is
 * the time until the supervisor is done (the child asked to stop, its promise settled, the
 * supervisor in `stopped`). Repeated on fresh supervisors; median and p99. Baseline: a minimal
 * raw XState actor invoking an idle promise, stopped by `shutdown`. The seed's Rust crate took
 * 11.3 ms (it polls every 10 ms).
 */
import { type AnyStateMachine, createActor } from 'xstate';
import { createSupervisor, idle } from '../src/index.js';
import { type BenchOptions, median, now, percentile, type Row, ratio, turn } from './harness.js';
import { rawIdle } from './scale.js';

const SCENARIO = '5b. single-child shutdown latency';
const SEED_MS = 11.3;

async function shutdownTimes(machine: AnyStateMachine, reps: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const actor = createActor(machine).start();
    await turn();
    const done = new Promise<void>((resolve) => actor.subscribe({ complete: () => resolve() }));
    const start = now();
    actor.send({ type: 'shutdown' });
    await done;
    times.push(now() - start);
  }
  return times;
}

export async function runLatency({ quick, log }: BenchOptions): Promise<Row[]> {
  const reps = quick ? 200 : 1_000;
  const supervisor = createSupervisor(idle);
  await shutdownTimes(supervisor, 100);
  await shutdownTimes(rawIdle, 100);
  const ours = await shutdownTimes(supervisor, reps);
  const raw = await shutdownTimes(rawIdle, reps);
  const p50 = median(ours);
  const p99 = percentile(ours, 99);
  const rawP50 = median(raw);
  log(
    `${SCENARIO}: p50 ${p50.toFixed(3)} ms, p99 ${p99.toFixed(3)} ms (raw p50 ${rawP50.toFixed(3)} ms)`,
  );
  return [
    {
      scenario: SCENARIO,
      key: 'shutdown.p50',
      subject: 'createSupervisor(idle), p50',
      metric: 'shutdown (ms)',
      value: p50,
      ratio: ratio(p50, SEED_MS, 'seed crate'),
      target: { text: '< 1 ms', met: p50 < 1 },
    },
    {
      scenario: SCENARIO,
      subject: 'createSupervisor(idle), p99',
      metric: 'shutdown (ms)',
      value: p99,
      ratio: ratio(p99, SEED_MS, 'seed crate'),
    },
    {
      scenario: SCENARIO,
      subject: 'baseline: raw actor invoking an idle promise, p50',
      metric: 'shutdown (ms)',
      value: rawP50,
      ratio: ratio(p50, rawP50, 'this'),
    },
  ];
}
