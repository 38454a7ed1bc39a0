/**
 * The supervisor machine's implementations (`setup`): its guards, delays, actors and
 * actions. What the actions ask of the child (start, drain, deliver) they ask of the runtime
 * embedded in the same actor (`command`); what they make of its reports is in
 * `supervisorReport.ts`.
 */
import { type AnyActorRef, type AnyEventObject, assign, emit, enqueueActions, setup } from 'xstate';
import { CHILD_DROPPED } from '../actors/ledger.js';
import { yieldToEventLoop } from '../actors/yieldToEventLoop.js';
import type { LifecycleEvent } from '../lifecycle.js';
import { command } from '../runtime/embed.js';
import { HEALTHY, HOST_DELIVER, HOST_START, READY } from '../runtime/events.js';
import { runtimeOf } from '../runtime/reach.js';
import { isFromRuntime } from '../runtime/report.js';
import { dropId } from '../runtime/runs.js';
import type { RuntimeConfig } from '../runtime/types.js';
import { emitReported, escalationHop } from './harden.js';
import { drainActions, relay } from './relayActions.js';
import { ended, giveUp, type Report, reported, takeEscalation } from './supervisorReport.js';
import type { SupervisorContext, SupervisorOutput } from './supervisorTypes.js';

/**
 * `setup` of the supervisor machine of `config`.
 *
 * @example
 *
 * ```ts
 * const machine = supervisorSetup(config).createMachine({ id: config.ownerId, ... });
 * ```
 */
export function supervisorSetup(config: RuntimeConfig) {
  const id = config.ownerId;
  /** The child's id, as the runtime named it. */
  const childIdOf = (self: AnyActorRef) => dropId(runtimeOf(self)!);
  return setup({
    types: {
      context: {} as SupervisorContext,
      events: {} as AnyEventObject,
      children: {} as {
        escalation: 'escalationHop';
        yield: 'yieldToEventLoop';
      },
      input: {} as unknown,
      output: {} as SupervisorOutput,
      emitted: {} as LifecycleEvent,
    },
    actors: { yieldToEventLoop, escalationHop },
    delays: {
      backoff: ({ context }) => context.nextDelayMs,
    },
    guards: {
      fromRuntime: ({ event }) => isFromRuntime(event),
      yields: ({ event }) => isFromRuntime(event) && event.delayMs === 0,
      isForced: ({ event }) => event.type === 'shutdown' && event.force === true,
      isCustomMessage: ({ event }) =>
        !event.type.startsWith('xstate.') &&
        event.type !== 'shutdown' &&
        event.type !== 'reload' &&
        event.type !== HEALTHY &&
        event.type !== READY &&
        event.type !== CHILD_DROPPED,
    },
    actions: {
      emitReport: ({ event, self }) =>
        emitReported(self, (event as unknown as Partial<Report>).events ?? []),
      recordReport: assign(({ context, event }) => reported(context, event)),
      reemit: enqueueActions(relay.reemit),
      passUp: enqueueActions(relay.passUp),
      control: enqueueActions(relay.control),
      reject: enqueueActions(relay.reject),
      deliver: ({ event, self }) => command(self, { type: HOST_DELIVER, event }),
      // Leaving backingOff: the machine announces the restart, and its runtime starts the child.
      announceRestart: emit(({ context, self }) => ({
        type: 'child.started' as const,
        supervisorId: id,
        childId: childIdOf(self),
        restarts: context.restarts + 1,
      })),
      // The runtime starts the child in this step without a report of its own: a child that
      // does not signal readiness is ready once started, one that does is not yet.
      countRestart: assign({
        restarts: ({ context }) => context.restarts + 1,
        ready: !config.initial[0]!.signalsReady,
      }),
      startChild: ({ self }) => command(self, { type: HOST_START }),
      drain: drainActions.drain,
      forceDrain: drainActions.forceDrain,
      recordWait: assign({ nextDelayMs: ({ event }) => (event as AnyEventObject).delayMs }),
      // The report the decision carries and the decision itself, in one assignment.
      recordDrained: assign(({ context, event }) => {
        const { forced, output } = event as unknown as { forced: string[]; output: unknown };
        return ended(context, event, forced.length > 0 ? 'forced' : 'shutdown', forced, output);
      }),
      recordCompleted: assign(({ context, event }) =>
        ended(context, event, 'completed', context.forced, (event as AnyEventObject).output),
      ),
      prepareEscalation: enqueueActions(({ context, event, self, enqueue }) => {
        const { gaveUp, changes } = giveUp(context, event, self, config);
        enqueue.emit(gaveUp);
        enqueue.assign(changes);
      }),
      escalate: ({ self }) => {
        throw takeEscalation(self) ?? new Error(`supervisor "${id}" gave up`);
      },
    },
  });
}
