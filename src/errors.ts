/**
 * Error classes and error summaries.
 *
 * Every error this library raises is a class with a `name`, a message that says what happened
 * and what to do, and `cause` for the underlying error. {@link summarizeError} turns any thrown
 * value into plain data that can sit in a machine's context and be shown by an inspector.
 */

/** Why a supervisor gave up. */
export type SupervisorFailureReason = 'max-restarts' | 'not-restartable' | 'temporary';

/**
 * The error a supervisor fails with when it gives up on its child. It reaches the parent's
 * `onError` (or an observer's `error`) through XState's own error channel, and its `cause` is
 * the child's last error.
 *
 * @example
 *
 * ```ts
 * const actor = createActor(createSupervisor(flaky, { maxRestarts: { count: 3, withinMs: 60_000 } }));
 * actor.subscribe({
 *   error(err) {
 *     if (err instanceof SupervisorError) console.error(err.reason, err.cause);
 *   },
 * });
 * ```
 */
export class SupervisorError extends Error {
  override readonly name = 'SupervisorError';
  /** Why the supervisor gave up. */
  readonly reason: SupervisorFailureReason;
  /** The supervisor's id. */
  readonly supervisorId: string;
  /** Consecutive failures counted when it gave up. */
  readonly failures: number;
  /** Restarts made over the supervisor's life. */
  readonly restarts: number;

  constructor(
    message: string,
    details: {
      reason: SupervisorFailureReason;
      supervisorId: string;
      failures: number;
      restarts: number;
      cause: unknown;
    },
  ) {
    super(message, { cause: details.cause });
    this.reason = details.reason;
    this.supervisorId = details.supervisorId;
    this.failures = details.failures;
    this.restarts = details.restarts;
  }
}

/**
 * The error a process group fails with when it gives up: a child failed under the
 * `'fail-fast'` strategy, or the group's restart limit was passed. Its `cause` is the child's
 * error.
 *
 * @example
 *
 * ```ts
 * actor.subscribe({
 *   error(err) {
 *     if (err instanceof GroupError) console.error(`${err.groupId}: ${err.childId} failed`, err.cause);
 *   },
 * });
 * ```
 */
export class GroupError extends Error {
  override readonly name = 'GroupError';
  /** Why the group gave up. */
  readonly reason: 'child-failed' | 'max-restarts';
  /** The group's id. */
  readonly groupId: string;
  /** The child whose failure made the group give up. */
  readonly childId: string;

  constructor(
    message: string,
    details: {
      reason: 'child-failed' | 'max-restarts';
      groupId: string;
      childId: string;
      cause: unknown;
    },
  ) {
    super(message, { cause: details.cause });
    this.reason = details.reason;
    this.groupId = details.groupId;
    this.childId = details.childId;
  }
}

/**
 * The failure of a child declared to signal readiness (`signalsReady`) that did not within its
 * `readyTimeoutMs`. Counted, backed off and restarted like any other failure.
 *
 * @example
 *
 * ```ts
 * actor.on('child.failed', (event) => {
 *   if (event.error.name === 'ReadyTimeoutError') console.error(event.error.message);
 * });
 * ```
 */
export class ReadyTimeoutError extends Error {
  override readonly name = 'ReadyTimeoutError';
  /** The child's id. */
  readonly childId: string;
  /** The time it was given, in ms. */
  readonly readyTimeoutMs: number;

  constructor(childId: string, readyTimeoutMs: number) {
    super(
      `child "${childId}" did not signal readiness within readyTimeoutMs (${readyTimeoutMs} ms); ` +
        'it was stopped and counts as failed. Send { type: "supervisor.ready" } to the parent ' +
        'once ready (ready() in fromProcess), or raise readyTimeoutMs.',
    );
    this.childId = childId;
    this.readyTimeoutMs = readyTimeoutMs;
  }
}

/**
 * Wraps a value that was thrown or rejected but is not an `Error` (a string, a number, an
 * object), so that every failure has a message and a stack. The original value is kept as
 * `value` and `cause`.
 *
 * @example
 *
 * ```ts
 * const logic = fromProcess(async () => {
 *   throw 'disk full'; // the actor fails with ThrownValueError('disk full')
 * });
 * ```
 */
export class ThrownValueError extends Error {
  override readonly name = 'ThrownValueError';
  /** What was thrown. */
  readonly value: unknown;

  constructor(value: unknown) {
    super(`a non-Error value was thrown: ${describeValue(value)}`, { cause: value });
    this.value = value;
  }
}

/** Plain, serializable data about an error, as kept in a supervisor's context. */
export interface ErrorSummary {
  /** The error's `name` (`'Error'`, `'TypeError'`, …), or the type of a non-Error value. */
  name: string;
  /** The error's message, or the value written as text. */
  message: string;
  /** The error's `code`, when it has one (Node system errors, exit codes). */
  code?: string | number;
  /** A summary of the error's `cause`, a few levels deep. */
  cause?: ErrorSummary;
}

/**
 * Turns any thrown value into an {@link ErrorSummary}: plain data with no class instances,
 * functions or cycles, safe to keep in a snapshot and to send to an inspector.
 *
 * @example
 *
 * ```ts
 * summarizeError(new Error('boom', { cause: new TypeError('bad') }));
 * // { name: 'Error', message: 'boom', cause: { name: 'TypeError', message: 'bad' } }
 * ```
 */
export function summarizeError(error: unknown, depth = 3): ErrorSummary {
  if (error instanceof Error) {
    const summary: ErrorSummary = { name: error.name, message: error.message };
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' || typeof code === 'number') summary.code = code;
    if (error.cause !== undefined && depth > 1)
      summary.cause = summarizeError(error.cause, depth - 1);
    return summary;
  }
  return { name: error === null ? 'null' : typeof error, message: describeValue(error) };
}

/**
 * Coerces a thrown value into an `Error`: an `Error` is returned as it is, anything else is
 * wrapped in a {@link ThrownValueError}.
 *
 * @example
 *
 * ```ts
 * toError('oops').message; // 'a non-Error value was thrown: oops'
 * ```
 */
export function toError(value: unknown): Error {
  return value instanceof Error ? value : new ThrownValueError(value);
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    const json = JSON.stringify(value);
    if (json !== undefined) return json.length > 500 ? `${json.slice(0, 500)}…` : json;
  } catch {
    // cycles, BigInt: fall through
  }
  return String(value);
}
