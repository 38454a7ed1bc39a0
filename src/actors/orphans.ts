/**
 * Stopping what a failed actor left running.
 *
 * XState does not stop the children of a machine that fails (statelyai/xstate#5153): its
 * invoked and spawned actors keep their timers and processes. Supervisors, groups and `runMain`
 * all meet failed actors, so all of them clear up after one with {@link stopOrphans}.
 */
import type { AnyActorRef } from 'xstate';
import { stopActor } from './guard.js';

/**
 * Stops every actor left running under `actor` if it failed, depth first; does nothing when
 * `actor` is absent or has not failed.
 *
 * @example
 *
 * ```ts
 * actor.subscribe({ error: () => stopOrphans(actor) });
 * ```
 */
export function stopOrphans(actor: AnyActorRef | null | undefined): void {
  const snapshot = actor?.getSnapshot() as
    | { status?: string; children?: Record<string, AnyActorRef | undefined> }
    | undefined;
  if (snapshot?.status !== 'error') return;
  for (const orphan of Object.values(snapshot.children ?? {})) {
    if (!orphan) continue;
    stopOrphans(orphan);
    // `stop()` refuses actors that have a parent; XState stops a child the way stopActor does.
    if (orphan.getSnapshot()?.status === 'active') stopActor(orphan);
  }
}
