/**
 * Scenario 2b: supervisors spawned by one user machine.
 *
 * An app machine spawns N children in one `assign` (`spawn`, the children of one actor system)
 * and is then sent `shutdown`, which takes it to a final state, stopping every child. Measured:
 * the time to spawn them all (the `spawn` event until every child is started), the time to shut
 * down (`shutdown` until the app machine is done), and how many scheduled events (delayed
 * events, `after` timers) the actor system holds once the N idle children run. Children:
 * `createSupervisor(idle)`; baseline: as many minimal raw XState machines invoking an idle
 * promise (the scale scenario's `rawIdle`, one machine and one child each, like a supervisor).
 *
 * XState stops the children of a machine one by one, copying the machine's children record at
 * each stop, so the shutdown grows with n² for the raw machines too; spawning in one `assign`
 * copies it once (one `spawnChild` action per child copies it per child: quadratic start).
 */
import { type AnyActorLogic, type AnyActorRef, assign, createActor, setup } from 'xstate';
import { createSupervisor, idle } from '../src/index.js';
import { type BenchOptions, median, now, type Row, ratio, turn, withinFactor } from './harness.js';
import { rawIdle } from './scale.js';

const SCENARIO = '2b. spawned supervisors (one app machine)';
const SHUTDOWN_FACTOR = 1.5;
/** Pairs of runs per size of the each-sent-shutdown case. */
const EACH_PAIRS = 3;

/** An app machine that spawns `count` children of `logic` on `spawn`, and ends on `shutdown`. */
function app(logic: AnyActorLogic) {
  return setup({
    types: {
      context: {} as { children: AnyActorRef[] },
      events: {} as { type: 'spawn'; count: number } | { type: 'shutdown' },
    },
    actors: { child: logic },
  }).createMachine({
    id: 'app',
    context: { children: [] },
    initial: 'running',
    states: {
      running: {
        on: {
          spawn: {
            actions: assign({
              children: ({ event, spawn }) =>
                Array.from({ length: event.count }, () => spawn('child')),
            }),
          },
          shutdown: 'stopped',
        },
      },
      stopped: { type: 'final' },
    },
  });
}

interface SpawnResult {
  startMs: number;
  shutdownMs: number;
  /** Scheduled events the system holds with every child started and idle. */
  scheduled: number;
}

/**
 * The app spawns `count` children, then each child is sent `shutdown` (the app stays up): the
 * path where every supervisor drains its own child and stops, while its siblings still run.
 * Returns the time from the first `shutdown` until every child has stopped.
 */
async function measureEachShutdown(logic: AnyActorLogic, count: number): Promise<number> {
  const actor = createActor(app(logic)).start();
  actor.send({ type: 'spawn', count });
  const children = actor.getSnapshot().context.children;
  await turn();
  let left = count;
  const all = new Promise<void>((resolve) => {
    for (const child of children) {
      child.subscribe({
        complete: () => {
          if (--left === 0) resolve();
        },
      });
    }
  });
  const startedAt = now();
  for (const child of children) child.send({ type: 'shutdown' });
  await all;
  const ms = now() - startedAt;
  actor.stop();
  return ms;
}

async function measureSpawn(logic: AnyActorLogic, count: number): Promise<SpawnResult> {
  const actor = createActor(app(logic)).start();
  const done = new Promise<void>((resolve) => actor.subscribe({ complete: () => resolve() }));
  const startedAt = now();
  actor.send({ type: 'spawn', count });
  const startMs = now() - startedAt;
  const children = actor.getSnapshot().context.children;
  const running = children.filter((child) => child.getSnapshot().status === 'active').length;
  if (running !== count) throw new Error(`expected ${count} running children, found ${running}`);
  // Whatever a child schedules once it has started (a timer armed in a later step) counts too.
  await turn();
  const scheduled = Object.keys(actor.system.getSnapshot()._scheduledEvents).length;
  const stoppingAt = now();
  actor.send({ type: 'shutdown' });
  await done;
  const shutdownMs = now() - stoppingAt;
  const left = children.filter((child) => child.getSnapshot().status === 'active').length;
  if (left !== 0) throw new Error(`${left} of ${count} children still running after shutdown`);
  return { startMs, shutdownMs, scheduled };
}

export async function runSpawn({ quick, log }: BenchOptions): Promise<Row[]> {
  const sizes = quick ? [250, 1_000] : [1_000, 5_000, 10_000];
  const supervisor = createSupervisor(idle);
  // Warm up both paths (small: the shutdown grows with n²).
  await measureSpawn(supervisor, 250);
  await measureSpawn(rawIdle, 250);
  const rows: Row[] = [];
  let largest: { count: number; ours: SpawnResult; raw: SpawnResult } | undefined;
  for (const count of sizes) {
    const raw = await measureSpawn(rawIdle, count);
    const ours = await measureSpawn(supervisor, count);
    largest = { count, ours, raw };
    const size = count.toLocaleString('en-US');
    log(
      `${SCENARIO}: ${size}: spawn ${ours.startMs.toFixed(0)} ms (raw ${raw.startMs.toFixed(0)}), ` +
        `shutdown ${ours.shutdownMs.toFixed(0)} ms (raw ${raw.shutdownMs.toFixed(0)}), ` +
        `${ours.scheduled} scheduled events (raw ${raw.scheduled})`,
    );
    const subject = `${size} × createSupervisor(idle)`;
    const baseline = `baseline: ${size} × raw machine invoking an idle promise`;
    rows.push(
      {
        scenario: SCENARIO,
        subject,
        metric: 'spawn all (ms)',
        value: ours.startMs,
        ratio: ratio(ours.startMs, raw.startMs, 'raw machines'),
      },
      { scenario: SCENARIO, subject: baseline, metric: 'spawn all (ms)', value: raw.startMs },
      {
        scenario: SCENARIO,
        key: `spawn.${count}.shutdown`,
        subject,
        metric: 'shutdown (ms)',
        value: ours.shutdownMs,
        ratio: ratio(ours.shutdownMs, raw.shutdownMs, 'raw machines'),
        target: {
          text: `≤ ${SHUTDOWN_FACTOR}× raw machines`,
          met: withinFactor(ours.shutdownMs, raw.shutdownMs, SHUTDOWN_FACTOR),
        },
      },
      { scenario: SCENARIO, subject: baseline, metric: 'shutdown (ms)', value: raw.shutdownMs },
    );
  }
  const eachSizes = quick ? [1_000, 3_000] : [1_000, 3_000, 10_000];
  await measureEachShutdown(supervisor, 250);
  await measureEachShutdown(rawIdle, 250);
  for (const count of eachSizes) {
    // One run is a few tens of ms: the median of three pairs, each raw then ours, so a pause of
    // the machine does not decide the ratio.
    const raws: number[] = [];
    const oursRuns: number[] = [];
    for (let pair = 0; pair < EACH_PAIRS; pair++) {
      raws.push(await measureEachShutdown(rawIdle, count));
      oursRuns.push(await measureEachShutdown(supervisor, count));
    }
    const raw = median(raws);
    const ours = median(oursRuns);
    const size = count.toLocaleString('en-US');
    log(`${SCENARIO}: ${size} each sent shutdown: ${ours.toFixed(0)} ms (raw ${raw.toFixed(0)})`);
    rows.push(
      {
        scenario: SCENARIO,
        key: `spawn.${count}.each`,
        subject: `${size} × createSupervisor(idle), each sent shutdown`,
        metric: 'all stopped (ms)',
        value: ours,
        ratio: ratio(ours, raw, 'raw machines'),
        target: {
          text: `≤ ${SHUTDOWN_FACTOR}× raw machines`,
          met: withinFactor(ours, raw, SHUTDOWN_FACTOR),
        },
      },
      {
        scenario: SCENARIO,
        subject: `baseline: ${size} × raw machine invoking an idle promise, each sent shutdown`,
        metric: 'all stopped (ms)',
        value: raw,
      },
    );
  }
  if (largest) {
    const size = largest.count.toLocaleString('en-US');
    rows.push(
      {
        scenario: SCENARIO,
        key: 'spawn.scheduled',
        subject: `${size} idle createSupervisor(idle), all started`,
        metric: 'scheduled events held',
        value: largest.ours.scheduled,
        target: { text: '0', met: largest.ours.scheduled === 0 },
      },
      {
        scenario: SCENARIO,
        subject: `baseline: ${size} idle raw machines`,
        metric: 'scheduled events held',
        value: largest.raw.scheduled,
      },
    );
  }
  return rows;
}
