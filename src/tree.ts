/**
 * The supervision tree as plain data: every supervisor, group and child with its state.
 *
 * {@link describeTree} walks a running actor's children, through groups' child sets too, and
 * returns plain serializable nodes, which health endpoints, logs and tests can read without
 * knowing how each kind of actor keeps its children.
 */
import type { AnyActorRef } from 'xstate';
import { childSetMembers } from './actors/childSet.js';
import { yieldToEventLoop } from './actors/yieldToEventLoop.js';

/** The condition of one node of the tree. */
export type NodeState =
  | 'running'
  | 'backingOff'
  | 'stopping'
  | 'stopped'
  | 'failed'
  | 'done'
  | 'active';

/** One actor of a supervision tree. */
export interface TreeNode {
  /** The actor's id. */
  id: string;
  /** Ids from the root down to this node, joined with `/`. */
  path: string;
  /** Its condition: `running`, `backingOff` or `stopping` for supervisors, groups and their children. */
  state: NodeState;
  children: TreeNode[];
}

const MAX_DEPTH = 64;

/**
 * Describes the tree under `actor` as plain data.
 *
 * A supervisor or group is `running`, `backingOff`, `stopping`, `stopped` or `failed` after its
 * state; a group's child waiting to restart is `backingOff`, one draining is `stopping`; any
 * other actor is `active`, `done`, `stopped` or `failed` after its status.
 *
 * @example
 *
 * ```ts
 * const actor = createActor(createProcessGroup({ id: 'app', children: [{ id: 'api', logic: idle }] })).start();
 * describeTree(actor);
 * // { id: 'app', path: 'app', state: 'running', children: [{ id: 'api', path: 'app/api', state: 'running', children: [] }] }
 * ```
 */
export function describeTree(actor: AnyActorRef): TreeNode {
  // A root actor created without an id is named by its session id; its machine's id reads better.
  const machineId = (actor as { logic?: { id?: unknown } }).logic?.id;
  const name = actor.id === actor.sessionId && typeof machineId === 'string' ? machineId : actor.id;
  return describe(actor, name, undefined, 0, name);
}

/**
 * True when every node of the tree is running: none is backing off, stopping, stopped or
 * failed. What a readiness probe asks.
 *
 * @example
 *
 * ```ts
 * if (!isTreeReady(describeTree(actor))) console.log('not ready yet');
 * ```
 */
export function isTreeReady(node: TreeNode): boolean {
  if (node.state !== 'running' && node.state !== 'active') return false;
  return node.children.every(isTreeReady);
}

function describe(
  actor: AnyActorRef,
  path: string,
  known: NodeState | undefined,
  depth: number,
  id = actor.id,
): TreeNode {
  const snapshot = actor.getSnapshot() as {
    status?: string;
    value?: unknown;
    children?: Record<string, AnyActorRef>;
  };
  const state = known ?? stateOf(snapshot);
  const children: TreeNode[] = [];
  if (depth < MAX_DEPTH && snapshot.status === 'active') {
    for (const child of Object.values(snapshot.children ?? {})) {
      if (!child || typeof child.getSnapshot !== 'function') continue;
      const members = childSetMembers(child);
      if (members) {
        // A group's child set: its members are the group's children.
        for (const member of members) {
          const memberPath = `${path}/${member.id}`;
          children.push(
            member.ref
              ? describe(
                  member.ref,
                  memberPath,
                  member.status === 'running' ? undefined : member.status,
                  depth + 1,
                )
              : { id: member.id, path: memberPath, state: member.status, children: [] },
          );
        }
      } else if (!isInternal(child)) {
        children.push(describe(child, `${path}/${child.id}`, undefined, depth + 1));
      }
    }
  }
  return { id, path, state, children };
}

function isInternal(child: AnyActorRef): boolean {
  // The event-loop yield a supervisor invokes for a moment between immediate restarts.
  return (child as { logic?: unknown }).logic === yieldToEventLoop;
}

function stateOf(snapshot: { status?: string; value?: unknown }): NodeState {
  switch (snapshot.status) {
    case 'done':
      return snapshot.value === undefined ? 'done' : 'stopped';
    case 'error':
      return 'failed';
    case 'stopped':
      return 'stopped';
  }
  const value = snapshot.value;
  if (value === undefined) return 'active';
  const top = typeof value === 'string' ? value : Object.keys(value as object)[0];
  const sub = typeof value === 'object' && value !== null ? Object.values(value)[0] : undefined;
  if (top === 'backingOff') return 'backingOff';
  if (top === 'running' && (sub === 'stopping' || sub === 'failing')) return 'stopping';
  if (top === 'running') return 'running';
  if (top === 'stopped') return 'stopped';
  if (top === 'failed') return 'failed';
  return 'active';
}
