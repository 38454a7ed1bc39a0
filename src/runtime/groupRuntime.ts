/**
 * The group's part of the runtime: what only a group does, handed to the shared runtime in its
 * config ({@link GROUP_RUNTIME}, `RuntimeConfig.group`) so that a supervisor's runtime never
 * reaches it and a bundle with supervisors alone leaves it out.
 *
 * It holds the group's commands (`add`, `remove`, `restartChildren`) and the hooks the shared
 * runtime calls: restart rounds (`rounds.ts`), start order (`startOrder.ts`), restarts on
 * request (`replace.ts`) and what becomes of a child stopped for any of them.
 */
import type { AnyEventObject } from 'xstate';
import { stopSlot } from './drain.js';
import { HOST_ADD, HOST_REMOVE, HOST_RESTART, RESTART_DUE } from './events.js';
import { cancelReplacing, replaced, restartChildren } from './replace.js';
import { checkEmpty, lifecycle, refuse } from './report.js';
import {
  cancelRounds,
  leaveRound,
  restartWithRound,
  restoreRound,
  roundDue,
  scheduleRound,
} from './rounds.js';
import { forget, newSlot, setStatus } from './runs.js';
import { afterForget, becameReady, launchInOrder } from './startOrder.js';
import type { ChildSpec, GroupRuntime, Round, Runtime, Slot } from './types.js';

function remove(rt: Runtime, id: unknown) {
  const slot = typeof id === 'string' ? rt.slots.get(id) : undefined;
  if (!slot) return refuse(rt, 'remove', id, `no child with id "${String(id)}"`);
  if (rt.draining || rt.failed || rt.finished) {
    return refuse(rt, 'remove', id, 'the group is shutting down');
  }
  if (slot.view.status === 'stopping') {
    slot.purpose = 'remove';
    return;
  }
  if (slot.view.status === 'backingOff' || slot.view.status === 'waiting') {
    leaveRound(rt, slot, false);
    forget(rt, slot);
    lifecycle(rt, { type: 'child.stopped', supervisorId: rt.config.ownerId, childId: slot.id });
    checkEmpty(rt);
    return;
  }
  if (stopSlot(rt, slot, 'remove')) {
    lifecycle(rt, { type: 'child.stopped', supervisorId: rt.config.ownerId, childId: slot.id });
    forget(rt, slot);
    checkEmpty(rt);
  }
}

function add(rt: Runtime, spec: ChildSpec & { id: string }) {
  if (rt.draining || rt.failed || rt.finished) {
    return refuse(rt, 'add', spec.id, 'the group is shutting down');
  }
  if (rt.slots.has(spec.id)) {
    return refuse(rt, 'add', spec.id, `a child with id "${spec.id}" already exists`);
  }
  const unknown = spec.dependsOn.find((dep) => !rt.slots.has(dep));
  if (unknown !== undefined) {
    const known = [...rt.slots.keys()].join(', ') || 'none';
    return refuse(
      rt,
      'add',
      spec.id,
      `dependsOn names "${unknown}", which is not a child of the group; its children: ${known}`,
    );
  }
  const slot = newSlot(rt, spec);
  rt.slots.set(slot.id, slot);
  launchInOrder(rt, slot, false);
}

/** A command of the group's machine, or a round's timer. */
function handle(rt: Runtime, event: AnyEventObject) {
  switch (event.type) {
    case RESTART_DUE:
      return roundDue(rt, event.round as Round);
    case HOST_ADD:
      return add(rt, event.spec as ChildSpec & { id: string });
    case HOST_REMOVE:
      return remove(rt, event.id);
    case HOST_RESTART:
      return restartChildren(rt, event.ids, event.rolling === true);
  }
}

/** A child stopped for a round, a removal or a replacement has stopped. */
function stopped(rt: Runtime, slot: Slot, purpose: Slot['purpose']): void {
  if (purpose === 'remove' || (purpose === 'restart' && slot.spec.restart === 'temporary')) {
    // A temporary child stopped for a sibling's round is dropped, never restarted (as OTP).
    leaveRound(rt, slot, true);
    forget(rt, slot);
    checkEmpty(rt);
  } else if (purpose === 'replace') {
    replaced(rt, slot);
  } else if (purpose === 'restart' && slot.round) {
    setStatus(rt, slot, 'backingOff');
    const round = slot.round;
    round.pending--;
    if (round.pending === 0) scheduleRound(rt, round);
  }
}

/** A drain starts: a requested restart ends, and every round is cancelled. */
function drainStarts(rt: Runtime): void {
  cancelReplacing(rt);
  cancelRounds(rt);
}

/** The group's part of the runtime, for its config. */
export const GROUP_RUNTIME: GroupRuntime = {
  launch: launchInOrder,
  becameReady,
  afterForget,
  restart: restartWithRound,
  restore: restoreRound,
  stopped,
  drainStarts,
  handle,
};
