/**
 * Scenario 5: timer accuracy on the real clock.
 *
 * 1,000 supervisors (one machine, 1,000 actors) with a 50 ms backoff, each around a child that
 * fails once and then idles: all failing at once (a burst: every failure is handled in one go,
 * so the timers set first fall due while the last failures are still being handled), and
 * failing at random times within a second (timer accuracy proper). The harness notes, with
 * `performance.now()`, when each restart is scheduled (the supervisor's `restart.scheduled`
 * event, emitted in the step that sets the timer) and when the child's second run starts;
 * lateness = start − (scheduled + delay).
 *
 * Baselines: for the burst, 1,000 raw XState machines invoking the same child, whose `onError`
 * goes to a state with `after: 50` back to the invoking state (the due time noted by that
 * state's entry action, in the step that sets the timer): the burst is one macrotask, so raw
 * XState is late too, and the target is relative to it. For both, 1,000 plain
 * `setTimeout(50)` calls set in one loop, the floor of what Node's timers give on this machine.
 */
import { type AnyActorRef, type AnyStateMachine, createActor, setup } from 'xstate';
import { createSupervisor, fromProcess } from '../src/index.js';
import {
  type BenchOptions,
  median,
  now,
  percentile,
  type Row,
  ratio,
  withinFactor,
} from './harness.js';

const SCENARIO = '5. timer accuracy (50 ms backoff, real clock)';
const DELAY_MS = 50;
/** Lateness below this is timer noise: no ratio to a baseline under it (see bench/ratio.ts). */
const NOISE_FLOOR_MS = 0.05;
const BURST_FACTOR = 1.2;
/** Alternating bursts of supervisors and raw machines; each figure is the median of these. */
const BURST_ROUNDS = 5;

/** What each child is given: which one it is, and when its first run fails. */
interface ChildInput {
  index: number;
  failAfterMs: number;
}

/** The machines measured: supervisors, or the raw XState machines of the burst baseline. */
type Subject = 'supervisor' | 'raw';

/** A raw XState machine restarting `child` after `DELAY_MS`; `onScheduled` runs as it waits. */
function rawRestarting(child: ReturnType<typeof makeChild>, onScheduled: (index: number) => void) {
  return setup({
    types: {
      context: {} as ChildInput,
      input: {} as ChildInput,
    },
    actors: { child },
  }).createMachine({
    id: 'raw',
    context: ({ input }) => input,
    initial: 'running',
    states: {
      running: {
        invoke: { src: 'child', input: ({ context }) => context, onError: 'waiting' },
      },
      waiting: {
        entry: ({ context }) => onScheduled(context.index),
        after: { [DELAY_MS]: 'running' },
      },
    },
  });
}

/**
 * The child: fails once (at once, or after `failAfterMs` counted from `allStarted`), and on its
 * second run notes its lateness against `due` and idles until stopped.
 */
function makeChild(
  due: number[],
  lateness: number[],
  allStarted: Promise<void>,
  onAllRestarted: () => void,
  count: number,
) {
  return fromProcess<void, ChildInput>(async ({ input, signal }) => {
    const started = now();
    if (Number.isNaN(due[input.index]!)) {
      if (input.failAfterMs > 0) {
        // Counted from when every actor has started, so that the ones started first do not
        // all fail together when the start loop ends.
        await allStarted;
        await new Promise((resolve) => setTimeout(resolve, input.failAfterMs));
      }
      throw new Error('fails once');
    }
    lateness.push(started - due[input.index]!);
    if (lateness.length === count) onAllRestarted();
    await new Promise<void>((resolve) => {
      signal.addEventListener('abort', () => resolve(), { once: true });
    });
  });
}

/**
 * Lateness of the restarts of `count` supervisors (or raw machines) whose children fail once
 * each: at once (`spreadMs` 0, a burst) or at random times within `spreadMs`.
 */
async function restartLateness(subject: Subject, count: number, spreadMs: number) {
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
  const child = makeChild(due, lateness, allStarted, () => restarted(), count);
  const machine: AnyStateMachine =
    subject === 'supervisor'
      ? createSupervisor(child, {
          id: 'timed',
          input: ({ input }: { input: ChildInput }) => input,
          backoff: { initialMs: DELAY_MS, maxMs: DELAY_MS },
        })
      : rawRestarting(child, (index) => {
          due[index] = now() + DELAY_MS;
        });
  const actors: AnyActorRef[] = [];
  for (let index = 0; index < count; index++) {
    const failAfterMs = spreadMs > 0 ? Math.floor(Math.random() * spreadMs) : 0;
    const actor = createActor(machine, { input: { index, failAfterMs } });
    if (subject === 'supervisor') {
      actor.on('restart.scheduled', (event) => {
        due[index] = now() + (event as { delayMs: number }).delayMs;
      });
    }
    actors.push(actor.start());
  }
  started();
  await allRestarted;
  if (subject === 'supervisor') {
    await Promise.all(
      actors.map(
        (actor) =>
          new Promise<void>((resolve) => {
            actor.subscribe({ complete: () => resolve() });
            actor.send({ type: 'shutdown' });
          }),
      ),
    );
  } else {
    for (const actor of actors) actor.stop();
  }
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
  // Warm-up of every path, so that compilation does not land in the measured runs.
  await restartLateness('supervisor', 200, 0);
  await restartLateness('raw', 200, 0);
  await restartLateness('supervisor', 300, 300);
  const figures = (values: number[]) => [percentile(values, 50), percentile(values, 99)] as const;
  // A burst takes a fraction of a second, and one load spike on a shared machine can land on
  // either side: the supervisors' and the raw machines' bursts alternate, and each figure is
  // the median over the rounds.
  const rounds: { raw: readonly [number, number]; ours: readonly [number, number] }[] = [];
  for (let round = 0; round < BURST_ROUNDS; round++) {
    const raw = figures(await restartLateness('raw', count, 0));
    const ours = figures(await restartLateness('supervisor', count, 0));
    rounds.push({ raw, ours });
  }
  const rawP50 = median(rounds.map((r) => r.raw[0]));
  const rawP99 = median(rounds.map((r) => r.raw[1]));
  const burstP50 = median(rounds.map((r) => r.ours[0]));
  const burstP99 = median(rounds.map((r) => r.ours[1]));
  const spread = await restartLateness('supervisor', count, spreadMs);
  const plain = await timeoutLateness(count);
  const [spreadP50, spreadP99] = figures(spread);
  const [plainP50, plainP99] = figures(plain);
  log(
    `${SCENARIO}: all failing at once p50 ${burstP50.toFixed(2)} ms, p99 ${burstP99.toFixed(2)} ms ` +
      `(raw machines p50 ${rawP50.toFixed(2)}, p99 ${rawP99.toFixed(2)}); ` +
      `failing within ${spreadMs} ms p50 ${spreadP50.toFixed(2)} ms, p99 ${spreadP99.toFixed(2)} ms ` +
      `(setTimeout p50 ${plainP50.toFixed(2)}, p99 ${plainP99.toFixed(2)})`,
  );
  const metric = 'lateness (ms)';
  const row = (subject: string, value: number, reference: number, to: string): Row => ({
    scenario: SCENARIO,
    subject,
    metric,
    value,
    ratio: ratio(value, reference, to, NOISE_FLOOR_MS),
  });
  const baseline = (subject: string, value: number): Row => ({
    scenario: SCENARIO,
    subject: `baseline: ${subject}`,
    metric,
    value,
  });
  const rawName = 'raw machines (after: 50)';
  const within = `${spreadMs / 1000} s`;
  return [
    {
      ...row('1,000 supervisors failing at once, p50', burstP50, rawP50, rawName),
      note: `median of ${BURST_ROUNDS} bursts, alternating with the raw machines'`,
    },
    {
      ...row('1,000 supervisors failing at once, p99', burstP99, rawP99, rawName),
      key: 'timers.burst.p99',
      target: {
        text: `≤ ${BURST_FACTOR}× raw machines' p99`,
        met: withinFactor(burstP99, rawP99, BURST_FACTOR, NOISE_FLOOR_MS),
      },
    },
    baseline('1,000 raw XState machines failing at once, after: 50, p50', rawP50),
    baseline('1,000 raw XState machines failing at once, after: 50, p99', rawP99),
    row(`1,000 supervisors failing within ${within}, p50`, spreadP50, plainP50, 'setTimeout'),
    {
      ...row(`1,000 supervisors failing within ${within}, p99`, spreadP99, plainP99, 'setTimeout'),
      key: 'timers.spread.p99',
      target: { text: '< 5 ms', met: spreadP99 < 5 },
    },
    baseline('1,000 setTimeout(50) set at once, p50', plainP50),
    baseline('1,000 setTimeout(50) set at once, p99', plainP99),
  ];
}
