/**
 * The supervision tree as plain data: every supervisor, group and child with its state.
 *
 * {@link describeTree} walks a running actor's children, and the children of its supervisors and
 * groups, and
 * returns plain serializable nodes, which health endpoints, logs and tests can read without
 * knowing how each kind of actor keeps its children.
 */
import type { AnyActorRef } from 'xstate';
import { yieldToEventLoop } from './actors/yieldToEventLoop.js';
import { escalationHop } from './machines/harden.js';
import { childSetMembers } from './runtime/reach.js';

/** The condition of one node of the tree. */
export type NodeState =
  | 'running'
  | 'backingOff'
  | 'waiting'
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
  /** A supervised child: restarts made since it was first started. */
  restarts?: number;
  /** A supervised child: consecutive failures (reset by a stable run or a health signal). */
  failures?: number;
  /** A supervised child: the delay chosen for its current or latest restart, in ms. */
  delayMs?: number;
  /** A supervisor or group: messages it dropped on purpose over its life. */
  droppedMessages?: number;
  /**
   * Whether the node is ready: its state is `running` or `active`, and a supervised child
   * declared to signal readiness has signalled it.
   */
  ready?: boolean;
}

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
  return describe(actor, name, name);
}

/**
 * True when every node of the tree is running and ready: none is backing off, waiting to
 * start, stopping, stopped or failed, and every child declared to signal readiness has
 * signalled it. What a readiness probe asks.
 *
 * @example
 *
 * ```ts
 * if (!isTreeReady(describeTree(actor))) console.log('not ready yet');
 * ```
 */
export function isTreeReady(node: TreeNode): boolean {
  const stack = [node];
  for (let next = stack.pop(); next; next = stack.pop()) {
    if (next.state !== 'running' && next.state !== 'active') return false;
    if (next.ready === false) return false;
    stack.push(...next.children);
  }
  return true;
}

/**
 * Walks the tree without recursion (a chain of 1,000 nested supervisors is as deep as any
 * other), through every supervisor's and group's children.
 */
function describe(root: AnyActorRef, rootPath: string, rootId: string): TreeNode {
  const top: TreeNode = { id: rootId, path: rootPath, state: 'active', children: [] };
  const stack: { actor: AnyActorRef; node: TreeNode; known: NodeState | undefined }[] = [
    { actor: root, node: top, known: undefined },
  ];
  for (let item = stack.pop(); item; item = stack.pop()) {
    const { actor, node, known } = item;
    const snapshot = actor.getSnapshot() as {
      status?: string;
      value?: unknown;
      context?: { droppedMessages?: unknown };
      children?: Record<string, AnyActorRef>;
    };
    node.state = known ?? stateOf(snapshot);
    node.ready = isReadyState(node.state) && node.ready !== false;
    if (snapshot.status !== 'active') continue;
    const members = childSetMembers(actor);
    const supervised = new Set<AnyActorRef>();
    if (members) {
      const dropped = snapshot.context?.droppedMessages;
      if (typeof dropped === 'number') node.droppedMessages = dropped;
    }
    // A supervisor's or group's children, running, stopping or waiting to restart.
    for (const member of members ?? []) {
      const memberNode: TreeNode = {
        id: member.id,
        path: `${node.path}/${member.id}`,
        state: member.status,
        children: [],
        restarts: member.restarts,
        failures: member.failures,
        delayMs: member.delayMs,
        ready: member.status === 'running' && member.ready,
      };
      node.children.push(memberNode);
      if (member.ref) {
        supervised.add(member.ref);
        stack.push({
          actor: member.ref,
          node: memberNode,
          known: member.status === 'running' ? undefined : member.status,
        });
      }
    }
    for (const child of Object.values(snapshot.children ?? {})) {
      if (!child || typeof child.getSnapshot !== 'function') continue;
      if (supervised.has(child) || isInternal(child)) continue;
      const childNode: TreeNode = {
        id: child.id,
        path: `${node.path}/${child.id}`,
        state: 'active',
        children: [],
      };
      node.children.push(childNode);
      stack.push({ actor: child, node: childNode, known: undefined });
    }
  }
  return top;
}

function isReadyState(state: NodeState): boolean {
  return state === 'running' || state === 'active';
}

function isInternal(child: AnyActorRef): boolean {
  // The event-loop yield and the escalation hop a supervisor invokes for a moment.
  const logic = (child as { logic?: unknown }).logic;
  return logic === yieldToEventLoop || logic === escalationHop;
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
