/**
 * Scenario 5: timer accuracy on the real clock.
 *
 * 1,000 supervisors (one machine, 1,000 actors) with a 50 ms backoff, each around a child that
 * fails once and then idles: all failing at once (a burst: every failure is handled in one go,
 * so the timers set first fall due while the last failures are still being handled), and
 * failing at random times within a second (timer accuracy proper). The harness notes, with `performance.now()`, when each restart is scheduled (the supervisor's
 * `restart.scheduled` event, emitted in the step that sets the timer) and when the child's
 * second run starts; lateness = start − (scheduled + delay). Baseline: 1,000 plain
 * `setTimeout(50)` calls set in one loop, the floor of what Node's timers give on this machine.
 */
import { type AnyActorRef, createActor } from 'xstate';
import { fromProcess } from '../src/actors/fromProcess.js';
import { createSupervisor } from '../src/machines/supervisor.js';
import { type BenchOptions, now, percentile, type Row, ratio } from './harness.js';

const SCENARIO = '5. timer accuracy (50 ms backoff, real clock)';
const DELAY_MS = 50;

/**
 * Lateness of the restarts of `count` supervisors whose children fail once each: at once
 * (`spreadMs` 0, a burst) or at random times within `spreadMs`.
 */
async function supervisorLateness(count: number, spreadMs: number): Promise<number[]> {
  const due: number[] = new Array(count).fill(Number.NaN);
  const lateness: number[] = [];
  let restarted!: () => void;
  let started!: () => void;
  const allStarted = new Promise<void>((resolve) => {
    started = resolve;
  });
  const allRestarted = new Promise<void>((resolve) => {
    restarted = resolve;
  });
  const child = fromProcess<void, { index: number; failAfterMs: number }>(
    async ({ input, signal }) => {
      const started = now();
      if (Number.isNaN(due[input.index]!)) {
        if (input.failAfterMs > 0) {
          // Counted from when every supervisor has started, so that the ones started first
          // do not all fail together when the start loop ends.
          await allStarted;
          await new Promise((resolve) => setTimeout(resolve, input.failAfterMs));
        }
        throw new Error('fails once');
      }
      lateness.push(started - due[input.index]!);
      if (lateness.length === count) restarted();
      await new Promise<void>((resolve) => {
        signal.addEventListener('abort', () => resolve(), { once: true });
      });
    },
  );
  const machine = createSupervisor(child, {
    id: 'timed',
    input: ({ input }: { input: { index: number; failAfterMs: number } }) => input,
    backoff: { initialMs: DELAY_MS, maxMs: DELAY_MS },
  });
  const actors: AnyActorRef[] = [];
  for (let index = 0; index < count; index++) {
    const failAfterMs = spreadMs > 0 ? Math.floor(Math.random() * spreadMs) : 0;
    const actor = createActor(machine, { input: { index, failAfterMs } });
    actor.on('restart.scheduled', (event) => {
      due[index] = now() + (event as { delayMs: number }).delayMs;
    });
    actors.push(actor.start());
  }
  started();
  await allRestarted;
  await Promise.all(
    actors.map(
      (actor) =>
        new Promise<void>((resolve) => {
          actor.subscribe({ complete: () => resolve() });
          actor.send({ type: 'shutdown' });
        }),
    ),
  );
  return lateness;
}

async function timeoutLateness(count: number): Promise<number[]> {
  const lateness: number[] = [];
  await new Promise<void>((resolve) => {
    for (let i = 0; i < count; i++) {
      const due = now() + DELAY_MS;
      setTimeout(() => {
        lateness.push(now() - due);
        if (lateness.length === count) resolve();
      }, DELAY_MS);
    }
  });
  return lateness;
}

export async function runTimers({ log }: BenchOptions): Promise<Row[]> {
  const count = 1_000;
  const spreadMs = 1_000;
  // Warm-up of both paths, so that compilation does not land in the measured runs.
  await supervisorLateness(200, 0);
  await supervisorLateness(300, 300);
  const burst = await supervisorLateness(count, 0);
  const spread = await supervisorLateness(count, spreadMs);
  const plain = await timeoutLateness(count);
  const figures = (values: number[]) => [percentile(values, 50), percentile(values, 99)] as const;
  const [burstP50, burstP99] = figures(burst);
  const [spreadP50, spreadP99] = figures(spread);
  const [plainP50, plainP99] = figures(plain);
  log(
    `${SCENARIO}: all failing at once p50 ${burstP50.toFixed(2)} ms, p99 ${burstP99.toFixed(2)} ms; ` +
      `failing within ${spreadMs} ms p50 ${spreadP50.toFixed(2)} ms, p99 ${spreadP99.toFixed(2)} ms ` +
      `(setTimeout p50 ${plainP50.toFixed(2)}, p99 ${plainP99.toFixed(2)})`,
  );
  const row = (subject: string, value: number, reference: number, target: boolean): Row => ({
    scenario: SCENARIO,
    subject,
    metric: 'lateness (ms)',
    value,
    ratio: ratio(value, reference, 'setTimeout'),
    ...(target ? { target: { text: '< 5 ms', met: value < 5 } } : {}),
  });
  return [
    row('1,000 supervisors failing at once, p50', burstP50, plainP50, false),
    {
      ...row('1,000 supervisors failing at once, p99', burstP99, plainP99, true),
      key: 'timers.burst.p99',
    },
    row(`1,000 supervisors failing within ${spreadMs / 1000} s, p50`, spreadP50, plainP50, false),
    {
      ...row(
        `1,000 supervisors failing within ${spreadMs / 1000} s, p99`,
        spreadP99,
        plainP99,
        true,
      ),
      key: 'timers.spread.p99',
    },
    {
      scenario: SCENARIO,
      subject: 'baseline: 1,000 setTimeout(50) set at once, p50',
      metric: 'lateness (ms)',
      value: plainP50,
    },
    {
      scenario: SCENARIO,
      subject: 'baseline: 1,000 setTimeout(50) set at once, p99',
      metric: 'lateness (ms)',
      value: plainP99,
    },
  ];
}
