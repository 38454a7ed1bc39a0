/**
 * Who owns what: each run a runtime created, and each relay (a run's parent), with the
 * supervisor or group actor that owns it (XState's `stopChild` checks parents, and a run's
 * parent is its owner's relay).
 */
import type { AnyActorRef } from 'xstate';

/** The key under which a relay (see `relay.ts`) tells what it stands for. */
export const RELAY = Symbol('relay');

/** The owner actor behind a relay; `undefined` for any other parent. */
export function relayOwner(parent: object): AnyActorRef | undefined {
  return (parent as { [RELAY]?: { owner: AnyActorRef } })[RELAY]?.owner;
}

/**
 * The supervisor or group actor that owns a run it created: the owner behind the run's parent,
 * its relay (every run is created with one). `undefined` for any other actor.
 */
export function runOwner(run: AnyActorRef): AnyActorRef | undefined {
  const parent = run._parent;
  return parent ? relayOwner(parent) : undefined;
}
