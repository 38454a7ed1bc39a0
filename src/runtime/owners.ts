/**
 * Who owns what: each run a runtime created, and each relay (a run's parent), with the
 * supervisor or group actor that owns it (XState's `stopChild` checks parents, and a run's
 * parent is its owner's relay).
 */
import type { AnyActorRef } from 'xstate';

/** The runs the runtimes created, each with its owner. */
export const runOwners = new WeakMap<AnyActorRef, AnyActorRef>();

/** The key under which a relay (see `relay.ts`) tells what it stands for. */
export const RELAY = Symbol('relay');

/** The owner actor behind a relay; `undefined` for any other parent. */
export function relayOwner(parent: object): AnyActorRef | undefined {
  return (parent as { [RELAY]?: { owner: AnyActorRef } })[RELAY]?.owner;
}
