/**
 * xstate-supervisor/testing: deterministic tests of supervised apps.
 *
 * A clock driver over XState's `SimulatedClock` (`TestClock`), a child a test controls run by
 * run (`createTestChild`), models of the supervisor and the group that `xstate/graph` walks
 * (`createSupervisorModel`, `createGroupModel`), and replays that check each generated path on
 * the real machines (`replaySupervisorPath`, `replayGroupPath`). Browser-safe, and free of any
 * test framework: failures are thrown as `ReplayMismatch` errors.
 */

export {
  ADVANCE_MAX_TIMERS,
  SETTLE_MAX_TURNS,
  SETTLE_QUIET_TURNS,
  TestClock,
} from './testing/clock.js';
export { createGroupModel, type GroupModel } from './testing/groupModel.js';
export type {
  GroupModelChildOptions,
  GroupModelGroupOptions,
  GroupModelOptions,
} from './testing/groupModelConfig.js';
export {
  GROUP_PHASES,
  type GroupModelChild,
  type GroupModelChildStatus,
  type GroupModelContext,
  type GroupModelEvent,
  type GroupModelRound,
  type GroupPhase,
  groupNextTimerMs,
} from './testing/groupModelContext.js';
export { getModelPaths, type ModelPathOptions } from './testing/paths.js';
export { type ModelPath, phaseOf, ReplayMismatch } from './testing/replay.js';
export {
  describeGroupContext,
  type GroupReplaySystem,
  replayGroupPath,
} from './testing/replayGroup.js';
export {
  describeSupervisorContext,
  REPLAY_MESSAGE,
  replaySupervisorPath,
  type SupervisorReplaySystem,
} from './testing/replaySupervisor.js';
export {
  createSupervisorModel,
  SUPERVISOR_PHASES,
  type SupervisorModel,
  type SupervisorModelContext,
  type SupervisorModelEvent,
  type SupervisorModelOptions,
  type SupervisorPhase,
  supervisorNextTimerMs,
} from './testing/supervisorModel.js';
export {
  createTestChild,
  HEALTHY_EVENT,
  READY_EVENT,
  type RunEnding,
  type RunPlan,
  type TestChild,
  type TestChildLogic,
  type TestChildOptions,
  type TestChildSnapshot,
  type TestRun,
} from './testing/testChild.js';
