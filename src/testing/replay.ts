/**
 * What the supervisor and group replays share: the phase mapping, checks that need no test
 * framework, and the readable report of a path that failed.
 */
import type { AnyActorRef, AnyEventObject, EventObject } from 'xstate';
import type { TestClock } from './clock.js';
import { type ModelSpec, specOf } from './modelMachine.js';

/** A path as `xstate/graph` gives it: each step a model snapshot and the event that led to it. */
export interface ModelPath<TContext> {
  readonly steps: ReadonlyArray<{
    readonly state: { readonly context: TContext; readonly machine?: unknown };
    readonly event: EventObject;
  }>;
}

/**
 * A failed expectation of a replay: its message says what differed and prints the path, every
 * step with the model's state after it, marking the step that failed.
 *
 * @example
 *
 * ```ts
 * try {
 *   await replaySupervisorPath(path, build);
 * } catch (error) {
 *   if (error instanceof ReplayMismatch) console.error(error.message); // … at step 2 of the path …
 * }
 * ```
 */
export class ReplayMismatch extends Error {
  override name = 'ReplayMismatch';
}

/** Throws a {@link ReplayMismatch} unless `actual` and `expected` are the same data. */
export function expectSame(what: string, actual: unknown, expected: unknown): void {
  const a = stringify(actual);
  const e = stringify(expected);
  if (a !== e) throw new ReplayMismatch(`${what}: expected ${e}, got ${a}`);
}

/** Throws a {@link ReplayMismatch} unless `condition` holds. */
export function expectTrue(what: string, condition: boolean): void {
  if (!condition) throw new ReplayMismatch(what);
}

function stringify(value: unknown): string {
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  if (value === undefined) return 'undefined';
  try {
    return JSON.stringify(value, (_key, v) => (v instanceof Error ? `${v.name}: ${v.message}` : v));
  } catch {
    return String(value);
  }
}

/**
 * The top-level state of a supervisor or group snapshot, as the models name them: `running`
 * (split into `running.active` and `running.stopping`), `backingOff`, `stopped`, `failed`.
 * This is the one place the replays read the real machines' state values, so sub-states may
 * change without touching anything else.
 *
 * @example
 *
 * ```ts
 * const actor = createActor(createSupervisor(idle)).start();
 * phaseOf(actor.getSnapshot()); // 'running.active'
 * actor.send({ type: 'shutdown' });
 * phaseOf(actor.getSnapshot()); // 'stopped'
 * ```
 */
export function phaseOf(snapshot: {
  status: string;
  value?: unknown;
}):
  | 'running.active'
  | 'running.stopping'
  | 'running.failing'
  | 'backingOff'
  | 'stopped'
  | 'failed' {
  if (snapshot.status === 'error') return 'failed';
  if (snapshot.status === 'done') return 'stopped';
  const { value } = snapshot;
  const top = typeof value === 'string' ? value : Object.keys(value ?? {})[0];
  const sub =
    typeof value === 'object' && value !== null
      ? (value as Record<string, unknown>)[top ?? '']
      : undefined;
  switch (top) {
    case 'running':
      if (sub === 'stopping') return 'running.stopping';
      if (sub === 'failing') return 'running.failing';
      return 'running.active';
    case 'backingOff':
      return 'backingOff';
    case 'failed':
      return 'failed';
    default:
      return 'stopped';
  }
}

/** The kit's spec of the model a path was generated from; throws for a path of another machine. */
export function specOfPath<TContext extends { phase: string }, TEvent extends AnyEventObject>(
  path: ModelPath<TContext>,
  factory: string,
  id: string,
): ModelSpec<TContext, TEvent> {
  const machine = path.steps[0]?.state.machine;
  const spec = machine ? specOf(machine as object) : undefined;
  if (!spec || spec.id !== id) {
    throw new TypeError(
      `the path was not generated from a model made by ${factory}; generate it with getShortestPaths(model), getSimplePaths(model) or createTestModel(model)`,
    );
  }
  return spec as unknown as ModelSpec<TContext, TEvent>;
}

/** An event as a path line shows it: `advance (250 ms)`. */
export function describeEvent(event: AnyEventObject): string {
  const { type, ...rest } = event;
  if (type === 'advance' && typeof rest.ms === 'number') return `advance (${rest.ms} ms)`;
  const keys = Object.keys(rest);
  return keys.length === 0 ? type : `${type} ${JSON.stringify(rest)}`;
}

/** Runs `body` over the path's steps; a failure is rethrown with the path printed, step by step. */
export async function runSteps<TContext extends { phase: string }>(
  path: ModelPath<TContext>,
  describeState: (context: TContext) => string,
  nextTimerMs: (context: TContext) => number | undefined,
  body: (index: number) => Promise<void>,
): Promise<void> {
  let index = 0;
  try {
    for (index = 0; index < path.steps.length; index++) await body(index);
  } catch (error) {
    const lines = path.steps.map((step, i) => {
      let event = step.event as AnyEventObject;
      if (i > 0 && event.type === 'advance' && typeof event.ms !== 'number') {
        event = { ...event, ms: nextTimerMs(path.steps[i - 1]!.state.context) ?? 0 };
      }
      const shown = i === 0 ? 'start' : describeEvent(event);
      const mark = i === index ? '  ✗ ' : i < index ? '  ✓ ' : '    ';
      return `${mark}${i}. ${shown} → ${describeState(step.state.context)}`;
    });
    const message = error instanceof Error ? error.message : String(error);
    throw new ReplayMismatch(
      `${message}\n\nat step ${index} of the path (✓ checked, ✗ failed):\n${lines.join('\n')}`,
      { cause: error },
    );
  }
}

/** Advances the clock by `ms`, checking first that nothing happens a millisecond early. */
export async function advanceChecked(
  clock: TestClock,
  ms: number,
  observe: () => string,
): Promise<void> {
  if (ms > 0) {
    const before = observe();
    await clock.advance(ms - 1);
    const early = observe();
    if (early !== before) {
      throw new ReplayMismatch(
        `something happened 1 ms before the ${ms} ms were up: ${before} became ${early}`,
      );
    }
    await clock.advance(1);
  } else await clock.advance(0);
}

/** Subscribes to an actor's error, so a failing actor is recorded rather than thrown at the loop. */
export function collectErrors(actor: AnyActorRef, errors: unknown[]): void {
  actor.subscribe({ error: (error: unknown) => errors.push(error) });
}
