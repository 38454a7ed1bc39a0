/**
 * xstate-supervisor: supervision trees for XState v5.
 *
 * Supervisors restart failing child actors with exponential backoff, shut trees down
 * gracefully and pass reloads on. Every supervisor is a plain XState machine. This entry point
 * runs anywhere XState runs (browsers included); the Node runtime (OS processes, signals,
 * `runMain`, health endpoints, the inspector relay) is in `xstate-supervisor/node`.
 */

export {
  fromProcess,
  MAX_BUFFERED_MESSAGES,
  PROCESS_REJECT,
  PROCESS_RESOLVE,
  type ProcessActorLogic,
  type ProcessActorRef,
  type ProcessContext,
  type ProcessControlEvent,
  type ProcessEvent,
  type ProcessMessageHandler,
  type ProcessSnapshot,
} from './actors/fromProcess.js';
export { idle } from './actors/idle.js';
export { CHILD_DROPPED, type Ledger, registerLedger, takeUndelivered } from './actors/ledger.js';
export { markSignalsReady, marksSignalsReady } from './actors/readiness.js';
export { acceptsShutdown, isActorLogic, markShutdownAware } from './actors/shutdownAware.js';
export {
  type ErrorSummary,
  GroupError,
  ReadyTimeoutError,
  SupervisorError,
  type SupervisorFailureReason,
  summarizeError,
  ThrownValueError,
  toError,
} from './errors.js';
export {
  type ChildCompletedEvent,
  type ChildFailedEvent,
  type ChildForcedEvent,
  type ChildHealthyEvent,
  type ChildReadyEvent,
  type ChildStartedEvent,
  type ChildStoppedEvent,
  type ChildWaitingEvent,
  type DropReason,
  formatLifecycleEvent,
  type GaveUpEvent,
  type LifecycleEvent,
  type MessageDroppedEvent,
  type ReloadSentEvent,
  type RequestRefusedEvent,
  type RestartFinishedEvent,
  type RestartScheduledEvent,
  type ShutdownStartedEvent,
} from './lifecycle.js';
export {
  createProcessGroup,
  type GroupChild,
  type GroupChildLogic,
  type GroupChildRefs,
  type GroupContext,
  type GroupControlEvent,
  type GroupEvent,
  type GroupOutput,
  type GroupStopReason,
  type ProcessGroupMachine,
  type ProcessGroupOptions,
  type Refusal,
} from './machines/group.js';
export {
  type ChildEmitted,
  type ChildShutdown,
  createSupervisor,
  DEFAULT_SHUTDOWN_TIMEOUT_MS,
  IMMEDIATE_RESTARTS_BEFORE_YIELD,
  MAX_PENDING_MESSAGES,
  type SupervisorContext,
  type SupervisorControlEvent,
  type SupervisorEvent,
  type SupervisorInputOption,
  type SupervisorMachine,
  type SupervisorOptions,
  type SupervisorOutput,
  type SupervisorStopReason,
} from './machines/supervisor.js';
export {
  createLifecycleLogger,
  isLifecycleEvent,
  type LifecycleLoggerOptions,
  type LoggerLike,
  type LogLevel,
  lifecycleLevel,
  observeLifecycle,
} from './observe.js';
export {
  type BackoffPolicy,
  backoffDelay,
  DEFAULT_BACKOFF,
  JITTER_MODES,
  type Jitter,
  MAX_TIMER_MS,
} from './policy/backoff.js';
export { type MaxRestarts, RESTART_TYPES, type RestartType } from './policy/options.js';
export {
  GROUP_STRATEGIES,
  type GroupStrategy,
  SHUTDOWN_ORDERS,
  type ShutdownOrder,
  START_ORDERS,
  type StartOrder,
} from './policy/restart.js';
export { HEALTHY, READY } from './runtime/events.js';
export {
  type ChildSetMember,
  childOf,
  childSetMembers,
  childSnapshotOf,
  type GroupedChildren,
  type SupervisedChildren,
  type SupervisionOwner,
} from './runtime/reach.js';
export type { ChildStatus, ChildView } from './runtime/types.js';
export { describeTree, isTreeReady, type NodeState, type TreeNode } from './tree.js';
