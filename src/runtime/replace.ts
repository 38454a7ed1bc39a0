/**
 * Restarts the app asks for (`restartChildren`): together, or rolling, one at a time.
 *
 * Each child named is stopped as a shutdown would stop it (sent `shutdown` within its grace
 * period, or at once) and started again without counting a failure or waiting a backoff. A
 * rolling restart stops the next child only once the one before runs again and is ready, so
 * all but one keep serving (pm2's `reload`, a Kubernetes rolling update). A replacement that
 * fails is restarted by the usual rules, and the restart waits until it is ready. The request
 * is done, with `restart.finished`, when every child named runs again and is ready; a child
 * removed meanwhile is no longer waited for. One request at a time; a shutdown ends it (with
 * `restart.finished`, `cancelled: true`).
 */
import { stopSlot } from './drain.js';
import { lifecycle, refuse } from './report.js';
import { setStatus } from './runs.js';
import { launchInOrder } from './startOrder.js';
import type { Runtime, Slot } from './types.js';

/** Starts a restart of the children `ids` (all of them when absent), as the machine asked. */
export function restartChildren(rt: Runtime, ids: unknown, rolling: boolean) {
  const name = 'restartChildren';
  if (rt.draining || rt.failed || rt.finished) {
    return refuse(rt, name, null, 'the group is shutting down');
  }
  if (rt.replacing) {
    return refuse(rt, name, null, `a restart of ${rt.replacing.ids.join(', ')} is still going on`);
  }
  const all = [...rt.slots.keys()];
  const wanted = ids === undefined ? all : ids;
  if (!Array.isArray(wanted) || wanted.some((id) => typeof id !== 'string')) {
    return refuse(rt, name, null, 'ids must be an array of child ids');
  }
  const unknown = (wanted as string[]).filter((id) => !rt.slots.has(id));
  if (unknown.length > 0) {
    const known = all.length > 0 ? all.join(', ') : 'none';
    return refuse(
      rt,
      name,
      unknown[0]!,
      `no child with id "${unknown[0]}"; its children: ${known}`,
    );
  }
  const slots = [...new Set(wanted as string[])].map((id) => rt.slots.get(id)!);
  rt.replacing = {
    ids: slots.map((slot) => slot.id),
    rolling,
    queue: slots,
    awaiting: new Set(),
    busy: false,
  };
  continueReplacing(rt);
}

/** Goes on with the restart: the next child (rolling: once the one before is ready), or its end. */
export function continueReplacing(rt: Runtime): void {
  const replacing = rt.replacing;
  if (!replacing || replacing.busy) return;
  if (rt.draining || rt.failed || rt.finished) {
    cancelReplacing(rt);
    return;
  }
  replacing.busy = true;
  try {
    while (
      replacing.queue.length > 0 &&
      (!replacing.rolling || replacing.awaiting.size === 0) &&
      rt.replacing === replacing
    ) {
      const slot = replacing.queue.shift()!;
      if (rt.slots.get(slot.id) !== slot) continue;
      replacing.awaiting.add(slot);
      replaceOne(rt, slot);
    }
  } finally {
    replacing.busy = false;
  }
  if (rt.replacing !== replacing) return;
  if (replacing.queue.length === 0 && replacing.awaiting.size === 0) finish(rt, false);
}

/**
 * A shutdown ends the restart before it is done: `restart.finished` says so (`cancelled`), so
 * whoever waits for it is not left waiting.
 */
export function cancelReplacing(rt: Runtime): void {
  if (rt.replacing) finish(rt, true);
}

/** The restart on request is over (`cancelled`: a shutdown ended it): `restart.finished`. */
function finish(rt: Runtime, cancelled: boolean): void {
  const replacing = rt.replacing!;
  rt.replacing = null;
  lifecycle(rt, {
    type: 'restart.finished',
    supervisorId: rt.config.ownerId,
    childId: '*',
    ids: replacing.ids,
    rolling: replacing.rolling,
    ...(cancelled ? { cancelled: true as const } : {}),
  });
}

/** Stops one child to start it again; one already restarting is only waited for. */
function replaceOne(rt: Runtime, slot: Slot): void {
  if (slot.view.status !== 'running') return;
  if (stopSlot(rt, slot, 'replace')) {
    lifecycle(rt, { type: 'child.stopped', supervisorId: rt.config.ownerId, childId: slot.id });
    replaced(rt, slot);
  }
}

/** A child stopped to be replaced: its new run starts now (in its start order). */
export function replaced(rt: Runtime, slot: Slot): void {
  slot.purpose = null;
  setStatus(rt, slot, 'backingOff');
  slot.view.delayMs = 0;
  launchInOrder(rt, slot, true);
}
