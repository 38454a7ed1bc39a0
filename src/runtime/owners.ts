/**
 * Who owns what: each run a runtime created, and each relay (a run's parent), with the
 * supervisor or group actor that owns it (XState's `stopChild` checks parents, and a run's
 * parent is its owner's relay).
 */
import type { AnyActorRef } from 'xstate';

/** The runs the runtimes created, each with its owner. */
export const runOwners = new WeakMap<AnyActorRef, AnyActorRef>();

/** The owner actor behind each relay (see `relay.ts`). */
export const relayOwners = new WeakMap<object, AnyActorRef>();
