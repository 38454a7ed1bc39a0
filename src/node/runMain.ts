/**
 * `runMain`: the one call a Node service's entry point makes.
 *
 * It starts the root actor (a supervisor, a group, any machine that handles `shutdown` and
 * `reload`), turns OS signals into those events, and resolves to the process's exit code once
 * the whole tree has stopped. It leaves nothing behind, so Node exits by itself after it:
 *
 * ```ts
 * process.exitCode = await runMain(createSupervisor(worker));
 * ```
 */
import {
  type Actor,
  type ActorOptions,
  type AnyActor,
  type AnyActorLogic,
  type AnyEventObject,
  createActor,
  type Snapshot,
  type SnapshotFrom,
} from 'xstate';
import { stopOrphans } from '../actors/orphans.js';
import {
  createLifecycleLogger,
  type LifecycleLoggerOptions,
  observeLifecycle,
} from '../observe.js';
import { MAX_TIMER_MS } from '../policy/backoff.js';
import {
  checkKnownKeys,
  checkOptions,
  describe,
  invalidOption,
  isOptionObject,
} from '../policy/options.js';
import { ChildProcessError, type LineWriter } from './fromChildProcess.js';
import { type HealthServer, type HealthServerOptions, startHealthServer } from './health.js';
import { type Inspector, type InspectorOptions, startInspector } from './inspector.js';
import { ListenError } from './ports.js';
import { DEFAULT_SIGNALS, resolveSignalMap, type SignalMap, signalNumber } from './signals.js';

/** Exit code after a clean end: the root actor completed, or shut down gracefully. */
export const EXIT_OK = 0;
/** Exit code after the root actor failed. */
export const EXIT_FAILURE = 1;
/**
 * Exit code when nothing was started because a server could not listen: the port of the
 * health endpoints or of the inspector relay is in use (or not allowed).
 */
export const EXIT_STARTUP = 2;

/** Options of {@link runMain}. */
export interface RunMainOptions<TLogic extends AnyActorLogic>
  extends Pick<ActorOptions<TLogic>, 'input' | 'clock' | 'logger' | 'id' | 'systemId'> {
  /**
   * Streams the whole tree to the Stately inspector: `true` or {@link InspectorOptions}
   * (`{ port, open }`) start the relay server (needs the optional package
   * `@statelyai/inspect`); an inspection observer or function is passed to `createActor` as is.
   */
  inspect?: ActorOptions<TLogic>['inspect'] | true | InspectorOptions;
  /**
   * Serves `/livez`, `/readyz` and `/metrics` (Prometheus) for the tree while it runs. Default:
   * no server. See {@link startHealthServer}.
   */
  health?: HealthServerOptions;
  /**
   * How lifecycle events of the whole tree are logged. Default: one readable line per event on
   * `stderr`. `false` logs nothing. See {@link createLifecycleLogger}.
   */
  log?: LifecycleLoggerOptions | false;
  /**
   * Which signals to listen for and what each becomes. Default {@link DEFAULT_SIGNALS}:
   * SIGINT, SIGTERM, SIGQUIT → `shutdown`, SIGHUP → `reload`. A shutdown signal that arrives
   * while a shutdown is already under way stops the tree at once.
   */
  signals?: SignalMap;
  /** Called with every snapshot of the root actor. */
  onSnapshot?: (snapshot: SnapshotFrom<TLogic>) => void;
  /**
   * Called with the root actor before it starts: the place to subscribe to its emitted
   * lifecycle events (`actor.on('*', …)`), which would be missed after the start.
   */
  onStart?: (actor: Actor<TLogic>) => void;
  /** Where signal notices and the failure report are written. Default `process.stderr`. */
  stderr?: LineWriter;
  /** The name used in those lines. Default the root actor's `id`, or `'main'`. */
  name?: string;
}

/**
 * Runs `logic` as the root actor of the process and resolves to an exit code once it has
 * stopped.
 *
 * - The first shutdown signal (SIGINT, SIGTERM, SIGQUIT) sends
 *   `{ type: 'shutdown', signal }` to the root: a supervisor or group shuts its children down
 *   gracefully, each within its grace period. A second one sends
 *   `{ type: 'shutdown', signal, force: true }` and stops the root actor at once, which stops
 *   every child (child processes get SIGKILL).
 * - SIGHUP sends `{ type: 'reload', signal }`.
 * - The result is {@link EXIT_OK} (0) when the root actor completed or shut down gracefully,
 *   {@link EXIT_FAILURE} (1) when it failed (the error is written to stderr with its chain of
 *   causes), and `128 + n` when signal `n` forced it to stop (130 for SIGINT, 143 for SIGTERM),
 *   as a shell reports a process ended by that signal. {@link EXIT_STARTUP} (2) when nothing
 *   was started because the health endpoints or the inspector could not listen (a port in
 *   use), said in one line.
 * - Invalid options throw a `TypeError` naming the option (unknown keys with the closest
 *   known one), before anything starts.
 * - When it resolves, its signal listeners are removed and the root actor has stopped, so no
 *   listener, timer or child of its own keeps Node alive.
 *
 * The root should handle `shutdown`: signals to a root that ignores it are noticed, but the
 * tree only stops on the second one.
 *
 * @example
 *
 * ```ts
 * import { createSupervisor, fromChildProcess, runMain } from 'xstate-supervisor/node';
 *
 * const web = fromChildProcess({ name: 'web', command: 'node', args: ['server.js'] });
 *
 * process.exitCode = await runMain(
 *   createSupervisor(web, { id: 'web', shutdownTimeoutMs: 10_000 }),
 *   { onStart: (actor) => actor.on('*', (event) => console.error(event.type)) },
 * );
 * ```
 */
export function runMain<TLogic extends AnyActorLogic>(
  logic: TLogic,
  options: RunMainOptions<TLogic> = {},
): Promise<number> {
  const owner = 'runMain';
  if (
    typeof logic !== 'object' ||
    logic === null ||
    typeof (logic as { transition?: unknown }).transition !== 'function'
  ) {
    invalidOption(
      owner,
      'logic',
      logic,
      'XState actor logic (a machine or a from* creator result)',
    );
  }
  checkRunMainOptions(options);
  const signalMap = resolveSignalMap(owner, 'signals', options.signals ?? DEFAULT_SIGNALS);
  const stderr = options.stderr ?? process.stderr;
  const rootId = (logic as { id?: unknown }).id;
  const name = options.name ?? (typeof rootId === 'string' && rootId !== '' ? rootId : 'main');

  const actorOptions: ActorOptions<TLogic> = {};
  for (const key of ['input', 'clock', 'logger', 'id', 'systemId'] as const) {
    if (options[key] !== undefined) (actorOptions as Record<string, unknown>)[key] = options[key];
  }

  return startAndRun(logic, actorOptions, name, signalMap, stderr, options);
}

/** The keys of {@link RunMainOptions}. */
const RUN_MAIN_OPTION_KEYS = [
  'input',
  'clock',
  'logger',
  'id',
  'systemId',
  'inspect',
  'health',
  'log',
  'signals',
  'onSnapshot',
  'onStart',
  'stderr',
  'name',
] as const;

const isFunction = (value: unknown): boolean => typeof value === 'function';

/** Whether a value is an inspection observer (or function) rather than inspector options. */
function isObserver(value: unknown): boolean {
  return (
    typeof value === 'function' ||
    (isOptionObject(value) && ['next', 'error', 'complete'].some((key) => isFunction(value[key])))
  );
}

/**
 * Checks the options of {@link runMain} before anything starts: every key known, every value
 * usable. Throws a `TypeError` naming the option, the value and what is allowed.
 */
export function checkRunMainOptions(options: unknown): void {
  const owner = 'runMain';
  const given = checkOptions(owner, 'options', options, RUN_MAIN_OPTION_KEYS);
  const { onSnapshot, onStart, stderr, name, clock, logger, id, systemId, inspect, health, log } =
    given;
  if (given.signals !== undefined) resolveSignalMap(owner, 'signals', given.signals);
  if (onSnapshot !== undefined && !isFunction(onSnapshot)) {
    invalidOption(owner, 'onSnapshot', onSnapshot, 'a function (snapshot) => void');
  }
  if (onStart !== undefined && !isFunction(onStart)) {
    invalidOption(owner, 'onStart', onStart, 'a function (actor) => void');
  }
  if (stderr !== undefined && (!isOptionObject(stderr) || !isFunction(stderr.write))) {
    invalidOption(owner, 'stderr', stderr, 'an object with a write(text) method');
  }
  if (name !== undefined && (typeof name !== 'string' || name === '')) {
    invalidOption(owner, 'name', name, 'a non-empty string');
  }
  if (
    clock !== undefined &&
    (!isOptionObject(clock) || !isFunction(clock.setTimeout) || !isFunction(clock.clearTimeout))
  ) {
    invalidOption(
      owner,
      'clock',
      clock,
      'a clock with setTimeout and clearTimeout methods (such as new SimulatedClock())',
    );
  }
  if (logger !== undefined && !isFunction(logger)) {
    invalidOption(owner, 'logger', logger, 'a function (...args) => void, like console.log');
  }
  for (const [field, value] of [
    ['id', id],
    ['systemId', systemId],
  ] as const) {
    if (value !== undefined && (typeof value !== 'string' || value === '')) {
      invalidOption(owner, field, value, 'a non-empty string');
    }
  }
  if (inspect !== undefined && inspect !== true && inspect !== false && !isObserver(inspect)) {
    if (!isOptionObject(inspect)) {
      invalidOption(
        owner,
        'inspect',
        inspect,
        'true, false, an inspection observer or function, or inspector options { port, host, open, url }',
      );
    }
    checkKnownKeys(owner, 'inspect', inspect, ['port', 'host', 'open', 'url']);
  }
  if (health !== undefined) checkOptions(owner, 'health', health, ['port', 'host']);
  if (log !== undefined && log !== false) {
    if (!isOptionObject(log)) {
      invalidOption(owner, 'log', log, 'false or logger options ({ format, stream, silent, now })');
    }
    checkKnownKeys(owner, 'log', log, ['format', 'stream', 'silent', 'now']);
    try {
      createLifecycleLogger(log as LifecycleLoggerOptions);
    } catch (error) {
      // The logger's own check, told as an option of runMain.
      throw new TypeError(
        (error as Error).message
          .replace(/^createLifecycleLogger: /, `${owner}: `)
          .replace(/option "/, 'option "log.'),
      );
    }
  }
}

async function startAndRun<TLogic extends AnyActorLogic>(
  logic: TLogic,
  actorOptions: ActorOptions<TLogic>,
  name: string,
  signalMap: ReturnType<typeof resolveSignalMap>,
  stderr: LineWriter,
  options: RunMainOptions<TLogic>,
): Promise<number> {
  const { inspect, health, log = {}, onSnapshot, onStart } = options;
  let inspector: Inspector | undefined;
  let healthServer: HealthServer | undefined;
  try {
    if (
      typeof inspect === 'function' ||
      (typeof inspect === 'object' && inspect !== null && 'next' in inspect)
    ) {
      actorOptions.inspect = inspect as ActorOptions<TLogic>['inspect'];
    } else if (inspect !== undefined && (inspect as unknown) !== false) {
      inspector = await startInspector(inspect === true ? {} : (inspect as InspectorOptions));
      actorOptions.inspect = inspector.inspect;
      stderr.write(`${name}: inspector on ${inspector.url}\n`);
    }
    const actor = createActor(logic, actorOptions);
    if (log !== false) {
      observeLifecycle(
        actor,
        createLifecycleLogger({ stream: stderr, ...(log as LifecycleLoggerOptions) }),
      );
    }
    if (health !== undefined) {
      healthServer = await startHealthServer(actor, health);
      stderr.write(
        `${name}: health endpoints on ${healthServer.url}/livez, ${healthServer.url}/readyz and ${healthServer.url}/metrics\n`,
      );
    }
    return await run(actor, name, signalMap, stderr, onSnapshot, onStart);
  } catch (error) {
    if (error instanceof ListenError) {
      // A port in use is the operator's to fix: one line, no stack, no chain.
      stderr.write(`${name}: ${error.message}\n`);
      return EXIT_STARTUP;
    }
    stderr.write(`${name} failed to start:\n${formatErrorChain(error)}\n`);
    return EXIT_FAILURE;
  } finally {
    await healthServer?.close();
    await inspector?.stop();
  }
}

function run<TLogic extends AnyActorLogic>(
  actor: Actor<TLogic>,
  name: string,
  signalMap: ReturnType<typeof resolveSignalMap>,
  stderr: LineWriter,
  onSnapshot: RunMainOptions<TLogic>['onSnapshot'],
  onStart: RunMainOptions<TLogic>['onStart'],
): Promise<number> {
  return new Promise<number>((resolve) => {
    const send = (event: AnyEventObject) => (actor as AnyActor).send(event);
    const listeners: Array<[NodeJS.Signals, () => void]> = [];
    let shutdownsSeen = 0;
    let forcedBy: NodeJS.Signals | null = null;
    let settled = false;

    // Signal listeners do not keep Node running, and a tree of idle actors holds nothing
    // else: this timer keeps the process up until the tree has stopped.
    const keepAlive = setInterval(() => {}, MAX_TIMER_MS);
    const finish = (code: number) => {
      if (settled) return;
      settled = true;
      clearInterval(keepAlive);
      for (const [signal, listener] of listeners) process.off(signal, listener);
      listeners.length = 0;
      resolve(code);
    };

    for (const [signal, template] of signalMap) {
      const listener = () => {
        if (settled) return;
        const event = { ...template, signal };
        if (event.type !== 'shutdown') {
          stderr.write(`${name}: ${signal} received, sending ${event.type}\n`);
          send(event);
          return;
        }
        shutdownsSeen += 1;
        if (shutdownsSeen === 1) {
          stderr.write(
            `${name}: ${signal} received, shutting down gracefully (send it again to stop at once)\n`,
          );
          send(event);
          return;
        }
        stderr.write(`${name}: ${signal} received again, stopping at once\n`);
        forcedBy = signal;
        send({ ...event, force: true });
        if (!settled) actor.stop();
      };
      process.on(signal, listener);
      listeners.push([signal, listener]);
    }

    actor.subscribe({
      next: (snapshot) => onSnapshot?.(snapshot as SnapshotFrom<TLogic>),
      complete: () => finish(forcedBy === null ? EXIT_OK : 128 + signalNumber(forcedBy)),
      error: (error) => {
        stopOrphans(actor);
        stderr.write(`${name} failed:\n${formatErrorChain(error, { stack: wantsStack(error) })}\n`);
        finish(EXIT_FAILURE);
      },
    });
    try {
      onStart?.(actor);
      actor.start();
    } catch (error) {
      stderr.write(`${name} failed to start:\n${formatErrorChain(error, { stack: true })}\n`);
      if ((actor.getSnapshot() as Snapshot<unknown>).status === 'active') actor.stop();
      finish(EXIT_FAILURE);
    }
  });
}

/**
 * Writes an error and its chain of `cause`s as text, one `caused by` line per level, messages
 * of several lines indented under their line. With `stack`, the stack frames of the innermost
 * error follow.
 *
 * @example
 *
 * ```ts
 * formatErrorChain(new Error('request failed', { cause: new Error('ECONNRESET') }));
 * // 'Error: request failed\n  caused by Error: ECONNRESET'
 * ```
 */
export function formatErrorChain(error: unknown, options: { stack?: boolean } = {}): string {
  const lines: string[] = [];
  const seen = new Set<unknown>();
  let current: unknown = error;
  let innermost: unknown = error;
  for (let depth = 0; depth < 10; depth += 1) {
    if (seen.has(current)) {
      lines.push('  caused by (a cause seen above)');
      break;
    }
    seen.add(current);
    innermost = current;
    const [first = '', ...rest] = describeError(current).split('\n');
    const indent = depth === 0 ? '' : '  ';
    lines.push(`${indent}${depth === 0 ? '' : 'caused by '}${first}`);
    for (const line of rest) lines.push(`${indent}  ${line}`);
    const cause = current instanceof Error ? current.cause : undefined;
    if (cause === undefined) break;
    current = cause;
  }
  if (options.stack && innermost instanceof Error && innermost.stack) {
    const frames = innermost.stack.split('\n').filter((line) => /^\s+at /.test(line));
    for (const frame of frames) lines.push(`    ${frame.trim()}`);
  }
  return lines.join('\n');
}

function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return `${error === null ? 'null' : typeof error}: ${describe(error)}`;
}

/** Stack frames help with a program's own errors, not with a child process's exit. */
function wantsStack(error: unknown): boolean {
  let innermost = error;
  for (let depth = 0; depth < 10 && innermost instanceof Error && innermost.cause; depth += 1) {
    innermost = innermost.cause;
  }
  return innermost instanceof Error && !(innermost instanceof ChildProcessError);
}
