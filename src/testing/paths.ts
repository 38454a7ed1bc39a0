/**
 * `getModelPaths`: the paths of a kit model, one per state or one per transition.
 *
 * `getShortestPaths(model)` and `createTestModel(model)` work on the kit's models as they are;
 * this helper adds what makes the paths read well and cover more: every `advance` carries the
 * ms it moves, events a state cannot take are not offered, and with
 * `coverage: 'transitions'` a state is told apart by the transition that reached it, so there
 * is a path for every (state, event) pair, the events that change nothing (a reload while
 * stopping) included.
 */
import type { AnyEventObject, AnyStateMachine, EventFromLogic, SnapshotFrom } from 'xstate';
import { createTestModel, serializeSnapshot, type TestPath } from 'xstate/graph';
import { type ModelSnapshot, specOf } from './modelMachine.js';
import { describeEvent } from './replay.js';

/** Options of {@link getModelPaths}. */
export interface ModelPathOptions {
  /** `'states'` (default): a path to every state; `'transitions'`: a path through every transition. */
  coverage?: 'states' | 'transitions';
  /** `'shortest'` (default) or `'simple'` (every path without a repeated state; many more). */
  algorithm?: 'shortest' | 'simple';
}

/**
 * The test paths of a model made by `createSupervisorModel` or `createGroupModel`, as
 * `createTestModel(model).getShortestPaths()` gives them (each with a `description`), ready for
 * `replaySupervisorPath` or `replayGroupPath`.
 *
 * @example
 *
 * ```ts
 * import { createSupervisorModel, getModelPaths } from 'xstate-supervisor/testing';
 *
 * const paths = getModelPaths(createSupervisorModel({ backoff: { initialMs: 100 } }), {
 *   coverage: 'transitions',
 * });
 * paths.map((path) => path.description); // 'shutdown → reload', 'childFails → advance (100 ms)', …
 * ```
 */
export function getModelPaths<TMachine extends AnyStateMachine>(
  model: TMachine,
  options: ModelPathOptions = {},
): Array<TestPath<SnapshotFrom<TMachine>, EventFromLogic<TMachine>>> {
  const spec = specOf(model);
  if (!spec) {
    throw new TypeError(
      'getModelPaths: the model was not made by createSupervisorModel or createGroupModel',
    );
  }
  const context = (state: unknown) => (state as ModelSnapshot<{ phase: string }>).context;
  const testModel = createTestModel(
    // biome-ignore lint/suspicious/noExplicitAny: the kit's model machines, whatever their types
    model as any,
    {
      events: (state: unknown) => spec.events(context(state)),
      filterEvents: (state: unknown, event: AnyEventObject) => spec.allowed(context(state), event),
      ...(options.coverage === 'transitions'
        ? {
            serializeTransition: (_state: unknown, event: unknown, previous: unknown) =>
              event && previous
                ? ` via ${JSON.stringify(event)} from ${serializeSnapshot(previous as ModelSnapshot<{ phase: string }>)}`
                : '',
          }
        : {}),
    },
  );
  const paths =
    options.algorithm === 'simple' ? testModel.getSimplePaths() : testModel.getShortestPaths();
  return paths.map(
    (path) =>
      ({
        ...path,
        description:
          path.steps
            .slice(1)
            .map((step) => describeEvent(step.event as AnyEventObject))
            .join(' → ') || 'start',
      }) as unknown as TestPath<SnapshotFrom<TMachine>, EventFromLogic<TMachine>>,
  );
}
