// replaced by the library's childOf/childSnapshotOf
/**
 * Reaching the supervisor's child: the one place the sample looks inside the supervisor.
 *
 * The supervisor's child host (`CHILD_HOST_ID`) holds the running child by its id; there is no
 * child while the supervisor backs off or after it stopped.
 */
import type { ActorRefFrom, SnapshotFrom } from 'xstate';
import { CHILD_HOST_ID } from '../../src/index.js';
import type { client, connection } from './machine.js';

type Supervisor = ActorRefFrom<typeof connection>;
type SupervisorSnapshot = SnapshotFrom<typeof connection>;
type Client = ActorRefFrom<typeof client>;

/** The supervisor's `childId` in machine.ts. */
const CHILD_ID = 'client';

/** The supervisor's running child, or `undefined` while it backs off or after it stopped. */
export function childOf(supervisor: Supervisor | SupervisorSnapshot): Client | undefined {
  const snapshot = 'getSnapshot' in supervisor ? supervisor.getSnapshot() : supervisor;
  const host = snapshot.children[CHILD_HOST_ID];
  return host?.getSnapshot().children[CHILD_ID] as Client | undefined;
}

/** The running child's snapshot, or `undefined` when there is no running child. */
export function childSnapshotOf(
  snapshot: SupervisorSnapshot,
): SnapshotFrom<typeof client> | undefined {
  return childOf(snapshot)?.getSnapshot();
}
