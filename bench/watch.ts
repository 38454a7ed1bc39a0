/**
 * Scenario 10: watching a supervised child.
 *
 * A supervisor's snapshot is renewed whenever its child's snapshot changes (for a supervisor
 * somebody observes), so `subscribe`, `onSnapshot` and `useSelector` on the supervisor see the
 * child change. Measured: a child machine taking 100,000 transitions, sent straight to it, with
 * and without a supervisor around it (observed by one subscriber, and not observed), against
 * the same machine run alone with one subscriber. Target: ≤ 1.2× alone, observed.
 */
import { assign, createActor, setup } from 'xstate';
import { createSupervisor } from '../src/machines/supervisor.js';
import { childOf } from '../src/runtime/reach.js';
import { type BenchOptions, median, now, type Row, ratio, withinFactor } from './harness.js';

const SCENARIO = '10. watching a supervised child';
const FACTOR = 1.2;

const counter = setup({
  types: { context: {} as { n: number }, events: {} as { type: 'inc' } },
}).createMachine({
  context: { n: 0 },
  on: { inc: { actions: assign({ n: ({ context }) => context.n + 1 }) } },
});

function alone(transitions: number): number {
  const actor = createActor(counter).start();
  let seen = 0;
  actor.subscribe(() => seen++);
  const startedAt = now();
  for (let i = 0; i < transitions; i++) actor.send({ type: 'inc' });
  const ms = now() - startedAt;
  if (seen !== transitions) throw new Error(`saw ${seen} of ${transitions} snapshots`);
  actor.stop();
  return ms;
}

function supervised(transitions: number, observed: boolean): number {
  const actor = createActor(createSupervisor(counter)).start();
  let seen = 0;
  if (observed) actor.subscribe(() => seen++);
  const child = childOf(actor)!;
  const startedAt = now();
  for (let i = 0; i < transitions; i++) child.send({ type: 'inc' });
  const ms = now() - startedAt;
  if (observed && seen !== transitions) throw new Error(`saw ${seen} of ${transitions} snapshots`);
  actor.stop();
  return ms;
}

export async function runWatch({ quick, log }: BenchOptions): Promise<Row[]> {
  const transitions = quick ? 20_000 : 100_000;
  const rounds = quick ? 3 : 5;
  alone(5_000);
  supervised(5_000, true);
  const base: number[] = [];
  const watched: number[] = [];
  const unwatched: number[] = [];
  for (let i = 0; i < rounds; i++) {
    base.push(alone(transitions));
    watched.push(supervised(transitions, true));
    unwatched.push(supervised(transitions, false));
  }
  const [b, w, u] = [median(base), median(watched), median(unwatched)];
  const size = transitions.toLocaleString('en-US');
  log(
    `${SCENARIO}: ${size} transitions: alone ${b.toFixed(0)} ms, supervised and observed ${w.toFixed(0)} ms, not observed ${u.toFixed(0)} ms`,
  );
  return [
    {
      scenario: SCENARIO,
      key: 'watch.observed',
      subject: `${size} child transitions, supervisor observed`,
      metric: 'time (ms)',
      value: w,
      ratio: ratio(w, b, 'the machine alone'),
      target: { text: `≤ ${FACTOR}× the machine alone`, met: withinFactor(w, b, FACTOR) },
    },
    {
      scenario: SCENARIO,
      subject: `${size} child transitions, supervisor not observed`,
      metric: 'time (ms)',
      value: u,
      ratio: ratio(u, b, 'the machine alone'),
    },
    {
      scenario: SCENARIO,
      subject: `baseline: ${size} transitions of the machine alone, one subscriber`,
      metric: 'time (ms)',
      value: b,
    },
  ];
}
