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
 *
 * Its options and their check are in `runMainOptions.ts`, the failure report in
 * `errorChain.ts`.
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
import { invalidOption } from '../policy/options.js';
import { formatErrorChain, wantsStack } from './errorChain.js';
import type { LineWriter } from './fromChildProcess.js';
import { type HealthServer, startHealthServer } from './health.js';
import { type Inspector, type InspectorOptions, startInspector } from './inspector.js';
import { ListenError } from './ports.js';
import { checkRunMainOptions, type RunMainOptions } from './runMainOptions.js';
import { DEFAULT_SIGNALS, resolveSignalMap, signalNumber } from './signals.js';

/** Exit code after a clean end: the root actor completed, or shut down gracefully. */
export const EXIT_OK = 0;
/** Exit code after the root actor failed. */
export const EXIT_FAILURE = 1;
/**
 * Exit code when nothing was started because a server could not listen: the port of the
 * health endpoints or of the inspector relay is in use (or not allowed).
 */
export const EXIT_STARTUP = 2;

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
