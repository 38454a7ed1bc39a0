/**
 * `xsup start`: run the processes of a Procfile under supervision until a shutdown, or, with
 * process names beside a running instance, start those there.
 */
import { statSync } from 'node:fs';
import type { Command } from 'commander';
import type { AnyActorRef } from 'xstate';
import { EXIT_FAILURE, runMain } from '../node/runMain.js';
import { observeLifecycle } from '../observe.js';
import { type ControlServer, ControlSocketError, listenControl, probeControl } from './control.js';
import { envFiles, loadEnvFiles } from './env.js';
import { basePort, planInstances, splitStartArgs } from './formation.js';
import { createOperations, type Operations } from './operations.js';
import { failureTracker } from './output.js';
import { readProcfile } from './procfile.js';
import { readyChecks } from './readiness.js';
import { remoteAction, socketPath } from './remote.js';
import {
  type CliIo,
  lifecycleWriter,
  nameWidth,
  processGroup,
  procfileChildren,
  resetAfterMs,
  runEntries,
  type StartOptions,
} from './startGroup.js';
import { createStatusTracker, type StatusTracker } from './status.js';
import { timestamped } from './timestamps.js';

const isFile = (path: string) => {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
};

/**
 * Carries out `xsup start [procfile] [names...]` as parsed; resolves to the exit code.
 *
 * @example
 *
 * ```ts
 * program.command('start').action(async (first, more, options, command) => {
 *   exitCode = await startAction(io, first, more, options, command);
 * });
 * ```
 */
export async function startAction(
  io: CliIo,
  first: string | undefined,
  more: string[],
  options: StartOptions,
  command: Command,
): Promise<number> {
  const args = first === undefined ? [] : [first, ...more];
  const { procfile: file, names } = splitStartArgs(args, isFile);
  const socket = socketPath(options.socket, file);
  // `xsup start NAME...` next to a running instance starts them there.
  if (names.length > 0 && (await probeControl(socket)).kind === 'live') {
    const unused = command.options
      .filter((option) => option.long !== '--socket')
      .filter((option) => command.getOptionValueSource(option.attributeName()) === 'cli')
      .map((option) => option.long);
    if (unused.length > 0) {
      io.stderr.write(
        `xsup: starting ${names.join(', ')} in the xsup running on ${socket}; ${unused.join(', ')} ${unused.length === 1 ? 'is' : 'are'} for a new run and not used\n`,
      );
    }
    return remoteAction(io, socket, 'start', names);
  }
  const entries = await readProcfile(file);
  const loaded = await loadEnvFiles(envFiles({ env: options.env, procfile: file }));
  const instances = planInstances(entries, {
    procfile: file,
    names,
    ...(options.formation ? { formation: options.formation } : {}),
    basePort: basePort(options.port, loaded.vars, io.env),
  });
  const run = runEntries(instances, loaded.vars, readyChecks(options.ready, entries, file));
  const width = nameWidth(run);
  const out: CliIo =
    options.timestamps && !options.json ? { ...io, stdout: timestamped(io.stdout) } : io;
  const children = procfileChildren(run, options, out);
  const machine = processGroup(children, options);
  let tracker: StatusTracker | undefined;
  let operations: Operations | undefined;
  let control: ControlServer;
  try {
    control = await listenControl(socket, (request) =>
      operations
        ? operations.handle(request)
        : Promise.resolve({ ok: false, error: 'xsup is starting; ask again' }),
    );
  } catch (error) {
    if (!(error instanceof ControlSocketError)) throw error;
    io.stderr.write(`xsup: ${error.message}\n`);
    return EXIT_FAILURE;
  }
  const failures = failureTracker();
  let exitCode = await runMain(machine, {
    name: 'xsup',
    stderr: io.stderr,
    log: false,
    // The health endpoints and the inspector listen before any process starts: a port
    // in use is one line and exit code 2, with nothing started.
    ...(options.health === undefined ? {} : { health: { port: options.health } }),
    ...(options.inspect === undefined
      ? {}
      : {
          inspect: {
            port: options.inspect === true ? 8080 : options.inspect,
            open: options.open === true,
          },
        }),
    onStart: (actor) => {
      // Before the first start, so that every start is seen.
      tracker = createStatusTracker(actor as AnyActorRef, instances, {
        groupId: 'xsup',
        procfile: file,
        resetAfterMs: resetAfterMs(options),
      });
      operations = createOperations(actor as AnyActorRef, {
        groupId: 'xsup',
        children: new Map(children.map((child) => [child.id, child])),
        tracker,
        shutdownTimeoutMs: options.shutdownTimeout,
        readyTimeoutMs: options.readyTimeout,
      });
      observeLifecycle(actor as AnyActorRef, lifecycleWriter(out, options.json, width));
      observeLifecycle(actor as AnyActorRef, failures.observe);
    },
  });
  // A process failed and was not started again (`--restart=temporary`): not a clean run.
  if (failures.failedForGood() && exitCode === 0) exitCode = EXIT_FAILURE;
  operations?.close();
  tracker?.unsubscribe();
  await control.close();
  return exitCode;
}
