/**
 * Scenario 1: restart throughput at zero backoff.
 *
 * A child that fails at once, N − 1 times, then resolves; zero backoff; restarts per second.
 * The end is count-based, not time-based: the raw XState machine restarts in microtasks and
 * never gives a timer a turn. Baselines: a hand-written `while` loop with try/catch (the
 * practical limit), a minimal raw XState machine (`invoke` + `onError` re-entering `running`,
 * `onDone` to a final state: nothing else) with the same `fromPromise` child, which both
 * supervisor rows are held against; the same machine with the `fromProcess` child, which shows
 * how much of the `fromProcess` row's cost is the child's own; `Effect.retry` with a
 * `Schedule`; and cockatiel's retry policy.
 */
import { ConstantBackoff, handleAll, retry } from 'cockatiel';
import { Effect, Schedule } from 'effect';
import { type AnyActorLogic, createActor, fromPromise, setup, toPromise } from 'xstate';
import { createSupervisor, fromProcess } from '../src/index.js';
import { atLeastFactor, type BenchOptions, median, now, type Row, ratio } from './harness.js';

const SCENARIO = '1. restart throughput (zero backoff)';

/** A function that rejects `failures` times, then resolves. */
function flaky(failures: number): () => Promise<number> {
  let calls = 0;
  return async () => {
    calls++;
    if (calls <= failures) throw new Error('boom');
    return calls;
  };
}

/** Restarts per second of one run of `restarts` restarts. */
type Runner = (restarts: number) => Promise<number>;

const rate = (restarts: number, ms: number) => (restarts / ms) * 1000;

const whileLoop: Runner = async (restarts) => {
  const run = flaky(restarts);
  const start = now();
  for (;;) {
    try {
      await run();
      break;
    } catch {
      // restart
    }
  }
  return rate(restarts, now() - start);
};

/** The minimal raw XState machine: invoke the child, re-enter on error, end when it is done. */
const rawMachineWith =
  (makeChild: (run: () => Promise<number>) => AnyActorLogic): Runner =>
  async (restarts) => {
    const machine = setup({ actors: { child: makeChild(flaky(restarts)) } }).createMachine({
      initial: 'running',
      states: {
        running: {
          invoke: {
            src: 'child',
            onError: { target: 'running', reenter: true },
            onDone: 'done',
          },
        },
        done: { type: 'final' },
      },
    });
    const start = now();
    await toPromise(createActor(machine).start());
    return rate(restarts, now() - start);
  };

const rawMachine = rawMachineWith((run) => fromPromise(run));
const rawMachineProcess = rawMachineWith((run) => fromProcess(run));

const supervisorWith =
  (makeChild: (run: () => Promise<number>) => AnyActorLogic): Runner =>
  async (restarts) => {
    const machine = createSupervisor(makeChild(flaky(restarts)), {
      backoff: { initialMs: 0, maxMs: 0 },
    });
    const start = now();
    const output = await toPromise(createActor(machine).start());
    const ms = now() - start;
    if (output.restarts !== restarts) {
      throw new Error(`expected ${restarts} restarts, the supervisor made ${output.restarts}`);
    }
    return rate(restarts, ms);
  };

const supervisorPromise = supervisorWith((run) => fromPromise(run));
const supervisorProcess = supervisorWith((run) => fromProcess(run));

const effectRetry: Runner = async (restarts) => {
  const task = Effect.tryPromise(flaky(restarts));
  const start = now();
  await Effect.runPromise(Effect.retry(task, Schedule.recurs(restarts)));
  return rate(restarts, now() - start);
};

const cockatielRetry: Runner = async (restarts) => {
  const policy = retry(handleAll, { maxAttempts: restarts, backoff: new ConstantBackoff(0) });
  const run = flaky(restarts);
  const start = now();
  await policy.execute(() => run());
  return rate(restarts, now() - start);
};

/** Runs after a warm-up, `reps` times; the median rate. */
async function measure(runner: Runner, restarts: number, reps: number): Promise<number> {
  await runner(Math.min(restarts, 10_000));
  const rates: number[] = [];
  for (let i = 0; i < reps; i++) rates.push(await runner(restarts));
  return median(rates);
}

export async function runThroughput({ quick, log }: BenchOptions): Promise<Row[]> {
  const restarts = quick ? 20_000 : 50_000;
  // cockatiel waits on setTimeout(0) between attempts (about 1 ms each), so fewer attempts.
  const timerBound = quick ? 500 : 2_000;
  // One measured run each, after a warm-up: three would take the whole bench past 5 minutes.
  const reps = 1;
  log(`${SCENARIO}: ${restarts} restarts after a warm-up of 10,000`);

  const ours = await measure(supervisorPromise, restarts, reps);
  log(`  createSupervisor (fromPromise child): ${ours.toFixed(0)}/s`);
  const oursProcess = await measure(supervisorProcess, restarts, reps);
  log(`  createSupervisor (fromProcess child): ${oursProcess.toFixed(0)}/s`);
  const loop = await measure(whileLoop, restarts, reps);
  log(`  while loop: ${loop.toFixed(0)}/s`);
  const raw = await measure(rawMachine, restarts, reps);
  log(`  raw XState machine (fromPromise child): ${raw.toFixed(0)}/s`);
  const rawProcess = await measure(rawMachineProcess, restarts, reps);
  log(`  raw XState machine (fromProcess child): ${rawProcess.toFixed(0)}/s`);
  const effect = await measure(effectRetry, restarts, reps);
  log(`  Effect.retry: ${effect.toFixed(0)}/s`);
  const cockatiel = await measure(cockatielRetry, timerBound, 1);
  log(`  cockatiel: ${cockatiel.toFixed(0)}/s`);

  const metric = 'restarts/s';
  const rawTarget = (value: number, reference: number) => ({
    text: '≥ 1.2× raw XState machine',
    met: atLeastFactor(value, reference, 1.2),
  });
  return [
    {
      scenario: SCENARIO,
      key: 'throughput',
      subject: 'createSupervisor, fromPromise child',
      metric,
      value: ours,
      ratio: ratio(ours, raw, 'raw XState machine'),
      target: rawTarget(ours, raw),
    },
    {
      scenario: SCENARIO,
      subject: 'createSupervisor, fromProcess child',
      metric,
      value: oursProcess,
      ratio: ratio(oursProcess, raw, 'raw XState machine'),
      target: rawTarget(oursProcess, raw),
    },
    {
      scenario: SCENARIO,
      subject: 'baseline: while loop + try/catch',
      metric,
      value: loop,
      ratio: ratio(ours, loop, 'this'),
    },
    {
      scenario: SCENARIO,
      subject: 'baseline: raw XState machine, fromPromise child',
      metric,
      value: raw,
      ratio: ratio(ours, raw, 'this'),
    },
    {
      scenario: SCENARIO,
      subject: 'baseline: raw XState machine, fromProcess child',
      metric,
      value: rawProcess,
      ratio: ratio(oursProcess, rawProcess, 'this'),
      note: 'ratio: the fromProcess row ÷ this',
    },
    {
      scenario: SCENARIO,
      subject: 'baseline: Effect.retry + Schedule.recurs',
      metric,
      value: effect,
      ratio: ratio(ours, effect, 'this'),
    },
    {
      scenario: SCENARIO,
      subject: 'baseline: cockatiel retry, ConstantBackoff(0)',
      metric,
      value: cockatiel,
      ratio: ratio(ours, cockatiel, 'this'),
      note: `${timerBound} restarts: each waits on a setTimeout(0)`,
    },
  ];
}
