/**
 * How the kit turns a behaviour written as a pure step function into a machine `xstate/graph`
 * can walk.
 *
 * A model is a plain function `step(context, event) → context` (what the real machine is
 * expected to do) and a list of phases (`running.active`, `backingOff`, …). The machine built
 * here has one state per phase and, for every event a phase accepts, one guarded transition per
 * phase the step can lead to; every transition applies the step. There is no invoke and no
 * delay: time passes only through the model's `advance` event. So `getShortestPaths`,
 * `getSimplePaths` and `createTestModel` walk it as they walk any machine.
 */
import { type AnyEventObject, assign, type MachineSnapshot, setup } from 'xstate';

/** What the kit needs to know about a model, beside its machine. */
export interface ModelSpec<TContext extends { phase: string }, TEvent extends AnyEventObject> {
  /** The machine id. */
  id: string;
  /** Every phase, as a dotted state path (`'running.active'`); the first is the initial one. */
  phases: readonly TContext['phase'][];
  /** Phases that end the model (final states). */
  outcomes: readonly TContext['phase'][];
  /** The initial context. */
  initial: TContext;
  /** Event types each phase handles (events of other types are not offered there). */
  accepts: (phase: TContext['phase']) => readonly TEvent['type'][];
  /** Whether `event` can happen in `context` at all (else it is not offered). */
  allowed: (context: TContext, event: TEvent) => boolean;
  /** The expected next context. */
  step: (context: TContext, event: TEvent) => TContext;
  /** The events to offer in `context`, fully formed (with the `ms` of an `advance`). */
  events: (context: TContext) => TEvent[];
}

/** The state node id of a phase. */
const nodeId = (id: string, phase: string) => `${id}:${phase.replaceAll('.', ':')}`;

type StateConfig = {
  id?: string;
  type?: 'final';
  initial?: string;
  states?: Record<string, StateConfig>;
  on?: Record<string, unknown>;
};

/** The model's machine: one state per phase, every transition applying the step. */
export function modelMachine<TContext extends { phase: string }, TEvent extends AnyEventObject>(
  spec: ModelSpec<TContext, TEvent>,
) {
  const { id, phases, outcomes } = spec;
  const transitionsOf = (phase: string) =>
    Object.fromEntries(
      spec.accepts(phase).map((type) => [
        type,
        phases.map((target) => ({
          guard: { type: 'leadsTo' as const, params: { phase: target } },
          // Staying in the phase is not a re-entry: the step says what changes.
          target: target === phase ? undefined : `#${nodeId(id, target)}`,
          actions: 'apply' as const,
        })),
      ]),
    );
  // Build the nested states from the dotted phase paths.
  const root: Record<string, StateConfig> = {};
  for (const phase of phases) {
    const parts = phase.split('.');
    let level = root;
    parts.forEach((part, index) => {
      const node = level[part] ?? {};
      level[part] = node;
      if (index === parts.length - 1) {
        node.id = nodeId(id, phase);
        if (outcomes.includes(phase)) node.type = 'final';
        else node.on = transitionsOf(phase);
      } else {
        node.states ??= {};
        node.initial ??= parts[index + 1];
        level = node.states;
      }
    });
  }
  const first = phases[0]!.split('.')[0]!;
  return setup({
    types: { context: {} as TContext, events: {} as TEvent },
    guards: {
      leadsTo: ({ context, event }, params: { phase: string }) =>
        spec.allowed(context, event) && spec.step(context, event).phase === params.phase,
    },
    actions: {
      // Every transition, self-transitions included, applies the step (an action also makes
      // the graph list a self-transition's event).
      apply: assign(({ context, event }) => spec.step(context, event)),
    },
  }).createMachine({
    id,
    context: spec.initial,
    initial: first,
    // biome-ignore lint/suspicious/noExplicitAny: the states are built from the phase list
    states: root as any,
  });
}

/** A snapshot of a model. */
export type ModelSnapshot<TContext extends { phase: string }> = MachineSnapshot<
  TContext,
  AnyEventObject,
  // biome-ignore lint/suspicious/noExplicitAny: any children
  any,
  // biome-ignore lint/suspicious/noExplicitAny: any state value
  any,
  string,
  unknown,
  // biome-ignore lint/suspicious/noExplicitAny: any meta
  any,
  // biome-ignore lint/suspicious/noExplicitAny: any config
  any
>;

const specs = new WeakMap<object, ModelSpec<{ phase: string }, AnyEventObject>>();

/** Remembers the spec a model machine was made from, for the replay and path helpers. */
export function registerModel<TContext extends { phase: string }, TEvent extends AnyEventObject>(
  machine: object,
  spec: ModelSpec<TContext, TEvent>,
): void {
  specs.set(machine, spec as unknown as ModelSpec<{ phase: string }, AnyEventObject>);
}

/** The spec of a model machine made by the kit, or `undefined`. */
export function specOf(machine: object): ModelSpec<{ phase: string }, AnyEventObject> | undefined {
  return specs.get(machine);
}
