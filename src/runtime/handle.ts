/**
 * The runtime's event handling: its own posted events (a child's, a timer's) and its machine's
 * commands (start, deliver, drain, rejected). A group's own commands (add, remove,
 * restartChildren) and round timers go to the group's part (`groupRuntime.ts`).
 */
import type { AnyEventObject, EventObject } from 'xstate';
import { stopActor } from '../actors/guard.js';
import { closeBucket, expireRestarts, type WindowBucket } from '../policy/restart.js';
import { startDrain, stoppedSlot } from './drain.js';
import {
  GRACE_EXPIRED,
  HOST_DELIVER,
  HOST_DRAIN,
  HOST_REJECTED,
  HOST_START,
  READY_TIMEOUT,
  STABLE,
  START_LATER,
  WINDOW_CLOSED,
  WINDOW_EXPIRED,
  YIELD_DONE,
} from './events.js';
import { deliverTo, drop } from './messages.js';
import { launch, readyTimedOut } from './readiness.js';
import { handleRunEvent } from './relay.js';
import { lifecycle } from './report.js';
import { dropId, start } from './runs.js';
import type { GraceMember, Runtime, Slot } from './types.js';

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
      // A report of a refused event (from the mailbox guard), a group's own event, or nothing
      // to do.
      handleCommand(rt, event);
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
    case HOST_DELIVER:
      return deliver(rt, event.event as EventObject);
    case HOST_REJECTED:
      return drop(rt, event.childId ?? dropId(rt), event.reason, 1, event.eventType);
    default:
      // A group's own command, or a round's timer.
      rt.config.group?.handle(rt, event);
  }
}
