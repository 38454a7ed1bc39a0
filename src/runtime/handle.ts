/**
 * The runtime's event handling: its own posted events (a child's, a timer's) and its machine's
 * commands (start, deliver, drain, add, remove, rejected).
 */
import type { AnyEventObject, EventObject } from 'xstate';
import { stopActor } from '../actors/guard.js';
import { closeBucket, expireRestarts, type WindowBucket } from '../policy/restart.js';
import { startDrain, stoppedSlot, stopSlot } from './drain.js';
import {
  GRACE_EXPIRED,
  HOST_ADD,
  HOST_DELIVER,
  HOST_DRAIN,
  HOST_REJECTED,
  HOST_REMOVE,
  HOST_RESTART,
  HOST_START,
  READY_TIMEOUT,
  RESTART_DUE,
  STABLE,
  START_LATER,
  WINDOW_CLOSED,
  WINDOW_EXPIRED,
  YIELD_DONE,
} from './events.js';
import { leaveRound } from './exits.js';
import { deliverTo, drop } from './messages.js';
import { launch, readyTimedOut } from './readiness.js';
import { handleRunEvent } from './relay.js';
import { restartChildren } from './replace.js';
import { checkEmpty, lifecycle, refuse } from './report.js';
import { dropId, forget, newSlot, start } from './runs.js';
import type { ChildSpec, GraceMember, Round, Runtime, Slot } from './types.js';

/** A timer or another event the runtime posted to itself. */
export function handleOwn(rt: Runtime, event: AnyEventObject): void {
  if (handleRunEvent(rt, event)) return;
  switch (event.type) {
    case YIELD_DONE: {
      const slot = event.slot as Slot;
      if (rt.slots.get(slot.id) !== slot || !slot.yielding) return;
      slot.yielding = null;
      if (slot.view.status === 'backingOff' && !rt.draining && !rt.finished) start(rt, slot, true);
      return;
    }
    case START_LATER: {
      const slot = event.slot as Slot;
      if (rt.slots.get(slot.id) !== slot || slot.ref || rt.draining || rt.finished) return;
      rt.counts.running--;
      launch(rt, slot, false);
      return;
    }
    case RESTART_DUE: {
      const round = event.round as Round;
      if (rt.rounds.get(round.id) !== round) return;
      rt.rounds.delete(round.id);
      if (rt.draining || rt.failed) return;
      for (const slot of round.slots) {
        if (rt.slots.get(slot.id) === slot && slot.round === round) launch(rt, slot, true);
      }
      return;
    }
    case GRACE_EXPIRED: {
      const member = event.member as GraceMember;
      const slot = member.slot;
      if (slot.grace !== member || rt.slots.get(slot.id) !== slot) return;
      const ref = slot.ref;
      if (ref) stopActor(ref);
      stoppedSlot(rt, slot, 'grace-period', undefined);
      return;
    }
    case READY_TIMEOUT:
      readyTimedOut(rt, event.slot as Slot, event.run);
      return;
    case WINDOW_EXPIRED:
      expireRestarts(rt.window, (event.bucket as WindowBucket).count);
      return;
    case WINDOW_CLOSED:
      closeBucket(rt.window, event.bucket as WindowBucket);
      return;
    case STABLE: {
      const slot = event.slot as Slot;
      if (rt.slots.get(slot.id) === slot && slot.ref === event.run) {
        if (slot.view.status !== 'running') return;
        slot.stable = null;
        slot.view.failures = 0;
        slot.view.delayMs = 0;
        // A stable run ends a run of immediate restarts too.
        slot.streak = 0;
        rt.dirty = true;
      }
      return;
    }
    default:
      // A report of a refused event (from the mailbox guard), or nothing to do.
      handleCommand(rt, event);
  }
}

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

function deliver(rt: Runtime, message: EventObject) {
  if (rt.slots.size === 0 || rt.finished) {
    const reason = rt.draining || rt.finished ? 'shutting-down' : 'no-child';
    return drop(rt, '*', reason, 1, message.type);
  }
  let reached = 0;
  for (const slot of rt.slots.values()) if (deliverTo(rt, slot, message)) reached++;
  if (message.type === 'reload' && reached > 0) {
    lifecycle(rt, {
      type: 'reload.sent',
      supervisorId: rt.config.ownerId,
      childId: rt.config.mode === 'supervisor' ? rt.slots.values().next().value!.id : '*',
    });
  }
}

/** A command of the machine. */
export function handleCommand(rt: Runtime, event: AnyEventObject) {
  switch (event.type) {
    case HOST_START: {
      const slot = rt.slots.values().next().value;
      if (!slot || rt.draining || rt.finished || slot.view.status !== 'backingOff') return;
      // The machine announced this restart itself (child.started, restarts + 1) as it left
      // backingOff: nothing to report unless the start brought more.
      start(rt, slot, true, undefined, true);
      if (rt.outbox.length === 0 && !rt.dirty) rt.reported = { ...rt.counts };
      return;
    }
    case HOST_DRAIN:
      startDrain(rt, event.force === true ? (event.cause ?? 'forced-shutdown') : false);
      return;
    case HOST_ADD: {
      const spec = event.spec as ChildSpec & { id: string };
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
      launch(rt, slot, false);
      return;
    }
    case HOST_REMOVE:
      return remove(rt, event.id);
    case HOST_RESTART:
      return restartChildren(rt, event.ids, event.rolling === true);
    case HOST_DELIVER:
      return deliver(rt, event.event as EventObject);
    case HOST_REJECTED:
      return drop(rt, event.childId ?? dropId(rt), event.reason, 1, event.eventType);
  }
}
