/**
 * The group machine's implementations (`setup`): its guards, actors and actions. What the
 * actions ask of the children (deliver, add, remove, restart, drain) they ask of the runtime
 * embedded in the same actor (`command`); what they make of its reports is in
 * `groupReport.ts`.
 */
import { type AnyEventObject, assign, emit, enqueueActions, setup } from 'xstate';
import { CHILD_DROPPED } from '../actors/ledger.js';
import type { ErrorSummary } from '../errors.js';
import type { LifecycleEvent, RequestRefusedEvent } from '../lifecycle.js';
import { command } from '../runtime/embed.js';
import {
  HEALTHY,
  HOST_ADD,
  HOST_DELIVER,
  HOST_REFUSED,
  HOST_REMOVE,
  HOST_RESTART,
  READY,
} from '../runtime/events.js';
import { isFromRuntime } from '../runtime/report.js';
import type { RuntimeConfig } from '../runtime/types.js';
import { resolveChild } from './groupChildren.js';
import { requestProblemOf } from './groupOptions.js';
import { drained, giveUp, reported, takeEscalation } from './groupReport.js';
import type { GroupContext, GroupControlEvent, GroupOutput, Refusal } from './groupTypes.js';
import { emitReported, escalationHop } from './harden.js';
import { drainActions, relay } from './relayActions.js';

/** Refusals kept in the group's context (the most recent ones). */
export const MAX_REFUSALS_KEPT = 20;

/**
 * `setup` of the group machine of `config` (children added later get `shutdownTimeoutMs`
 * unless they say otherwise).
 *
 * @example
 *
 * ```ts
 * const machine = groupSetup(config, 5_000).createMachine({ id: config.ownerId, ... });
 * ```
 */
export function groupSetup(config: RuntimeConfig, shutdownTimeoutMs: number) {
  const id = config.ownerId;
  const requestProblem = (event: AnyEventObject) => requestProblemOf(event, shutdownTimeoutMs);
  const names = { supervisorId: id };
  return setup({
    types: {
      context: {} as GroupContext,
      events: {} as GroupControlEvent | { type: string; [key: string]: unknown },
      children: {} as { escalation: 'escalationHop' },
      output: {} as GroupOutput,
      emitted: {} as LifecycleEvent,
    },
    actors: { escalationHop },
    guards: {
      isForced: ({ event }) => event.type === 'shutdown' && event.force === true,
      // An event of a host type sent from outside is not a report of the host.
      fromRuntime: ({ event }) => isFromRuntime(event),
      isValidRequest: ({ event }) => requestProblem(event) === null,
      isCustomMessage: ({ event }) =>
        !event.type.startsWith('xstate.') &&
        event.type !== 'shutdown' &&
        event.type !== 'add' &&
        event.type !== 'remove' &&
        event.type !== 'restartChildren' &&
        event.type !== HEALTHY &&
        event.type !== READY &&
        event.type !== CHILD_DROPPED,
    },
    actions: {
      forward: ({ event, self }) => command(self, { type: HOST_DELIVER, event }),
      forwardAdd: ({ event, self }) =>
        command(self, {
          type: HOST_ADD,
          spec: resolveChild('add', 'child', (event as AnyEventObject).child, 0, shutdownTimeoutMs),
        }),
      forwardRemove: ({ event, self }) =>
        command(self, { type: HOST_REMOVE, id: (event as AnyEventObject).id }),
      forwardRestart: ({ event, self }) => {
        const { ids, rolling } = event as AnyEventObject;
        command(self, {
          type: HOST_RESTART,
          ids: Array.isArray(ids) ? [...ids] : undefined,
          rolling: rolling === true,
        });
      },
      drain: drainActions.drain,
      forceDrain: drainActions.forceDrain,
      reemit: enqueueActions(relay.reemit),
      passUp: enqueueActions(relay.passUp),
      control: enqueueActions(relay.control),
      reject: enqueueActions(relay.reject),
      announceShutdown: emit({ type: 'shutdown.started' as const, ...names, childId: '*' }),
      emitReport: ({ event, self }) =>
        emitReported(self, (event as unknown as { events?: LifecycleEvent[] }).events ?? []),
      recordReport: assign(({ event }) => reported(event)),
      refuse: enqueueActions(({ context, event, enqueue }) => {
        const e = event as AnyEventObject;
        const refusal: Refusal =
          e.type === HOST_REFUSED
            ? { request: e.request, id: e.id, reason: e.reason }
            : {
                request:
                  e.type === 'add' ? 'add' : e.type === 'remove' ? 'remove' : 'restartChildren',
                id:
                  e.type === 'restartChildren'
                    ? null
                    : e.type === 'remove'
                      ? typeof e.id === 'string'
                        ? e.id
                        : null
                      : typeof e.child?.id === 'string'
                        ? e.child.id
                        : null,
                reason: requestProblem(e) ?? 'refused',
              };
        const refused: RequestRefusedEvent = {
          type: 'request.refused',
          ...names,
          childId: refusal.id ?? '?',
          request: refusal.request,
          reason: refusal.reason,
        };
        enqueue.emit(refused);
        enqueue.assign({
          refusals: [...context.refusals, refusal].slice(-MAX_REFUSALS_KEPT),
          refusedCount: context.refusedCount + 1,
        });
      }),
      recordFailure: assign(({ event }) => ({
        lastError: (event as AnyEventObject).error as ErrorSummary,
      })),
      // The report the decision carries and the decision itself, in one assignment.
      recordDrained: assign(({ context, event }) => drained(context, event)),
      markCompleted: assign(({ event }) => {
        const next: Partial<GroupContext> = { ...reported(event) };
        next.stopReason = 'completed';
        return next;
      }),
      prepareEscalation: enqueueActions(({ context, event, self, enqueue }) => {
        enqueue.emit(giveUp(context, event, self, config));
      }),
      escalate: ({ self }) => {
        throw takeEscalation(self, id);
      },
    },
  });
}
