/**
 * Test helpers: a supervisor's or group's children as plain data, read through the public
 * `childSetMembers`.
 */
import type { AnyActorRef } from 'xstate';
import { childSetMembers } from '../../src/runtime/reach.js';
import type { ChildView } from '../../src/runtime/types.js';

/** Every child of `owner` by id, as plain data (status, failures, restarts, delay, pending). */
export function viewsOf(owner: AnyActorRef): Record<string, ChildView> {
  const views: Record<string, ChildView> = {};
  for (const { id, status, failures, restarts, delayMs, pending, ready } of childSetMembers(
    owner,
  ) ?? []) {
    views[id] = { status, failures, restarts, delayMs, pending, ready };
  }
  return views;
}

/** The live runs of `owner`'s children, by id. */
export function childActorsOf(owner: AnyActorRef): Record<string, AnyActorRef> {
  const actors: Record<string, AnyActorRef> = {};
  for (const member of childSetMembers(owner) ?? []) if (member.ref) actors[member.id] = member.ref;
  return actors;
}
