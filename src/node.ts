/**
 * xstate-supervisor/node: the Node runtime of xstate-supervisor.
 *
 * Everything of the main entry point, plus what needs Node: OS child processes
 * (`fromChildProcess`), OS signals (`fromSignals`), the service entry point (`runMain`),
 * worker threads (`fromWorker`), health endpoints and Prometheus metrics (`startHealthServer`,
 * `renderMetrics`) and the Stately inspector relay (`startInspector`).
 */

export * from './index.js';
export { formatErrorChain } from './node/errorChain.js';
export {
  CHILD_PROCESS_EXITED,
  CHILD_PROCESS_FAILED,
  CHILD_PROCESS_READY,
  CHILD_PROCESS_SPAWNED,
  type ChildProcessActorLogic,
  ChildProcessError,
  type ChildProcessFailure,
  type ChildProcessOptions,
  type ChildProcessOutput,
  type ChildProcessOutputEvent,
  type ChildProcessSnapshot,
  DEFAULT_LEFTOVER_GRACE_MS,
  DEFAULT_STDERR_TAIL_LINES,
  fromChildProcess,
  type LineReadyCheck,
  type LineWriter,
  MAX_LINE_LENGTH,
  type NotifyReadyCheck,
  type PortReadyCheck,
  type ReadyCheck,
} from './node/fromChildProcess.js';
export {
  fromSignals,
  SIGNAL_RECEIVED,
  type SignalEvent,
  type SignalReceivedEvent,
  type SignalsActorLogic,
  type SignalsOptions,
  type SignalsSnapshot,
} from './node/fromSignals.js';
export {
  type EventFromWorker,
  fromWorker,
  type MessageFromWorker,
  type MessageToWorker,
  type WorkerActorLogic,
  WorkerError,
  type WorkerEvent,
  type WorkerFailure,
  type WorkerOptions,
  type WorkerOutput,
  type WorkerReadyOn,
  type WorkerShutdownEvent,
  type WorkerSnapshot,
} from './node/fromWorker.js';
export {
  type HealthEntry,
  type HealthServer,
  type HealthServerOptions,
  healthReport,
  startHealthServer,
} from './node/health.js';
export {
  type Inspector,
  type InspectorOptions,
  InspectorUnavailableError,
  startInspector,
} from './node/inspector.js';
export {
  escapeLabelValue,
  METRIC_NAMES,
  METRIC_PREFIX,
  METRICS_CONTENT_TYPE,
  renderMetrics,
} from './node/metrics.js';
export { ListenError } from './node/ports.js';
export { EXIT_FAILURE, EXIT_OK, EXIT_STARTUP, runMain } from './node/runMain.js';
export type { RunMainOptions } from './node/runMainOptions.js';
export { shellCommand } from './node/shellCommand.js';
export { DEFAULT_SIGNALS, type SignalAction, type SignalMap } from './node/signals.js';
