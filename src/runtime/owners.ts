/**
 * Who owns which run: each run a runtime created, with the supervisor or group actor that
 * owns it (XState's `stopChild` checks parents, and a run's parent is its owner's relay).
 */
import type { AnyActorRef } from 'xstate';

/** The runs the runtimes created, each with its owner. */
export const runOwners = new WeakMap<AnyActorRef, AnyActorRef>();
