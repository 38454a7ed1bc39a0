/**
 * Watching a whole supervision tree: lifecycle events from every supervisor and group, and a
 * logger that writes them out.
 *
 * `actor.on(...)` hears only what that one actor emits. {@link observeLifecycle} hears the
 * lifecycle events of every supervisor and group in the actor's system, nested ones included:
 * what their runtimes report, handed over directly, and what their machines emit, through
 * XState's inspection stream. {@link createLifecycleLogger} turns them into log lines:
 * readable text by default, JSON lines when asked, or calls on any logger with `info`, `warn`
 * and `error` methods (console and pino both fit).
 */
import type { AnyActorRef, EventObject, Subscription } from 'xstate';
import { formatLifecycleEvent, type LifecycleEvent } from './lifecycle.js';
import { checkOptions, invalidOption } from './policy/options.js';

const LIFECYCLE_TYPES = new Set<string>([
  'child.started',
  'child.failed',
  'child.completed',
  'child.stopped',
  'child.forced',
  'restart.scheduled',
  'supervisor.gaveUp',
  'shutdown.started',
  'reload.sent',
  'request.refused',
  'message.dropped',
  'child.healthy',
  'child.ready',
  'child.waiting',
  'restart.finished',
]);

type Observer = (event: LifecycleEvent, source: AnyActorRef) => void;

/** The lifecycle observers of each actor system. */
const observers = new WeakMap<object, Set<Observer>>();

/**
 * Hands the lifecycle events a supervisor's or group's runtime reported to the observers of
 * its system (see {@link observeLifecycle}).
 *
 * @example
 *
 * ```ts
 * reportLifecycle(self, events);
 * ```
 */
export function reportLifecycle(source: AnyActorRef, events: readonly EventObject[]): void {
  const set = observers.get(source.system);
  if (!set) return;
  for (const observer of [...set]) {
    for (const event of events) observer(event as LifecycleEvent, source);
  }
}

/**
 * Tells whether a value is one of the {@link LifecycleEvent}s supervisors and groups emit.
 *
 * @example
 *
 * ```ts
 * isLifecycleEvent({ type: 'child.started', supervisorId: 'a', childId: 'b', restarts: 0 }); // true
 * ```
 */
export function isLifecycleEvent(value: unknown): value is LifecycleEvent {
  return (
    typeof value === 'object' &&
    value !== null &&
    LIFECYCLE_TYPES.has((value as { type?: unknown }).type as string) &&
    typeof (value as { supervisorId?: unknown }).supervisorId === 'string'
  );
}

/**
 * Calls `handler` with every lifecycle event emitted anywhere in `actor`'s actor system (the
 * actor, its children, nested supervisors and groups), with the actor that emitted it. Call
 * before `actor.start()` to hear the first starts. Returns a subscription to stop listening.
 *
 * @example
 *
 * ```ts
 * const actor = createActor(tree);
 * const sub = observeLifecycle(actor, (event) => console.log(formatLifecycleEvent(event)));
 * actor.start();
 * // later
 * sub.unsubscribe();
 * ```
 */
export function observeLifecycle(
  actor: AnyActorRef,
  handler: (event: LifecycleEvent, source: AnyActorRef) => void,
): Subscription {
  let reported = false;
  const call = (event: LifecycleEvent, source: AnyActorRef) => {
    try {
      handler(event, source);
    } catch (error) {
      // A listener's failure is its own: the tree runs on, and the error is reported once.
      if (!reported) {
        reported = true;
        console.error(
          'observeLifecycle: the handler threw (reported once; the tree runs on):',
          error,
        );
      }
    }
  };
  let set = observers.get(actor.system);
  if (!set) {
    set = new Set();
    observers.set(actor.system, set);
  }
  const observer: Observer = call;
  set.add(observer);
  const inspection = actor.system.inspect((inspected) => {
    if (inspected.type !== '@xstate.action' || inspected.action.type !== 'xstate.emit') return;
    const emitted = (inspected.action.params as { event?: unknown } | undefined)?.event;
    if (isLifecycleEvent(emitted)) call(emitted, inspected.actorRef as AnyActorRef);
  });
  const systemObservers = set;
  return {
    unsubscribe() {
      systemObservers.delete(observer);
      inspection.unsubscribe();
    },
  };
}

/** A logger with the methods the lifecycle logger calls: `console` and pino both fit. */
export interface LoggerLike {
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
}

/** The level a lifecycle event is logged at. */
export type LogLevel = 'info' | 'warn' | 'error';

/** Options of {@link createLifecycleLogger}. */
export interface LifecycleLoggerOptions {
  /**
   * Where lines go. `'text'` (default): one readable line per event on `stream`. `'json'`: one
   * JSON object per line on `stream`, with `time` and `level`. A logger object: its `info`,
   * `warn` or `error` method is called with the event (plain data) and the readable line, as
   * pino expects.
   */
  format?: 'text' | 'json' | LoggerLike;
  /** The stream for `'text'` and `'json'`. Default `process.stderr`. */
  stream?: { write(chunk: string): unknown };
  /** Writes nothing at all. Default false. */
  silent?: boolean;
  /** The clock used for `time` in JSON lines. Default `() => new Date()`. */
  now?: () => Date;
}

/**
 * The level of each lifecycle event: failures, forced stops and refusals warn; giving up is an
 * error; the rest is information.
 *
 * @example
 *
 * ```ts
 * lifecycleLevel({ type: 'child.started', supervisorId: 'api', childId: 'child', restarts: 0 }); // 'info'
 * ```
 */
export function lifecycleLevel(event: LifecycleEvent): LogLevel {
  switch (event.type) {
    case 'supervisor.gaveUp':
      return 'error';
    case 'child.failed':
    case 'child.forced':
    case 'request.refused':
    case 'message.dropped':
      return 'warn';
    default:
      return 'info';
  }
}

/**
 * Creates a handler for {@link observeLifecycle} that logs each event: as one readable line
 * on stderr by default, as JSON lines, or through a logger such as console or pino. Unknown
 * option keys and unusable values throw a `TypeError` naming the option.
 *
 * @example
 *
 * ```ts
 * import pino from 'pino';
 *
 * const actor = createActor(tree);
 * observeLifecycle(actor, createLifecycleLogger()); // "api/child: restarting in 400 ms (failure 2)"
 * observeLifecycle(actor, createLifecycleLogger({ format: 'json' }));
 * observeLifecycle(actor, createLifecycleLogger({ format: pino() }));
 * actor.start();
 * ```
 */
export function createLifecycleLogger(
  options: LifecycleLoggerOptions = {},
): (event: LifecycleEvent) => void {
  const { format = 'text', silent = false, now = () => new Date() } = checkLoggerOptions(options);
  if (silent) return () => {};
  if (typeof format === 'object' && format !== null) {
    return (event) => format[lifecycleLevel(event)](event, formatLifecycleEvent(event));
  }
  const stream = options.stream ?? process.stderr;
  if (format === 'json') {
    return (event) => {
      stream.write(
        `${JSON.stringify({ time: now().toISOString(), level: lifecycleLevel(event), ...event })}\n`,
      );
    };
  }
  return (event) => {
    stream.write(`${formatLifecycleEvent(event)}\n`);
  };
}

/** Checks the options of {@link createLifecycleLogger}: known keys, and a value each can use. */
function checkLoggerOptions(options: unknown): LifecycleLoggerOptions {
  const owner = 'createLifecycleLogger';
  const given = checkOptions(owner, 'options', options, ['format', 'stream', 'silent', 'now']);
  const { format, stream, silent, now } = given;
  const isLogger =
    typeof format === 'object' &&
    format !== null &&
    ['info', 'warn', 'error'].every(
      (level) => typeof (format as Record<string, unknown>)[level] === 'function',
    );
  if (format !== undefined && format !== 'text' && format !== 'json' && !isLogger) {
    invalidOption(
      owner,
      'format',
      format,
      '"text", "json" or a logger with info, warn and error methods',
    );
  }
  if (
    stream !== undefined &&
    (typeof stream !== 'object' ||
      stream === null ||
      typeof (stream as { write?: unknown }).write !== 'function')
  ) {
    invalidOption(owner, 'stream', stream, 'an object with a write(text) method');
  }
  if (silent !== undefined && typeof silent !== 'boolean') {
    invalidOption(owner, 'silent', silent, 'true or false');
  }
  if (now !== undefined && typeof now !== 'function') {
    invalidOption(owner, 'now', now, 'a function returning a Date');
  }
  return given as LifecycleLoggerOptions;
}
