/**
 * `xsup`: run the processes of a Procfile, each a supervised child process in one group.
 *
 * `xsup start [Procfile]` turns every `name: command` line into a `fromChildProcess` child of
 * a process group, runs the group under `runMain` (Ctrl+C shuts down gracefully, a second
 * Ctrl+C forces, SIGHUP reloads), prints each child's output behind its name and the
 * lifecycle as it happens, and exits 0 after a clean shutdown, non-zero when the group failed.
 * `xsup check [Procfile]` validates the file and prints what it would run.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import type { AnyActorRef } from 'xstate';
import { formatLifecycleEvent, type LifecycleEvent } from '../lifecycle.js';
import { createProcessGroup } from '../machines/group.js';
import { fromChildProcess, type LineWriter } from '../node/fromChildProcess.js';
import { EXIT_FAILURE, runMain } from '../node/runMain.js';
import { lifecycleLevel, observeLifecycle } from '../observe.js';
import { MAX_TIMER_MS } from '../policy/backoff.js';
import { RESTART_TYPES, type RestartType } from '../policy/options.js';
import { GROUP_STRATEGIES } from '../policy/restart.js';
import { failureTracker, jsonLines, oneLine } from './output.js';
import { type ProcfileEntry, ProcfileError, readProcfile } from './procfile.js';

/** Exit code for a usage mistake or an unusable Procfile. */
export const EXIT_USAGE = 2;

/** Where the CLI writes, and what it knows of its terminal. Injectable for tests. */
export interface CliIo {
  stdout: LineWriter & { isTTY?: boolean };
  stderr: LineWriter;
  env: Record<string, string | undefined>;
}

const COLORS = [36, 33, 32, 35, 34, 91, 96, 93, 92, 95, 94];

/**
 * Colors only on a terminal, and not when `NO_COLOR` is set to a non-empty value
 * (no-color.org) or the terminal is `dumb`.
 */
function useColor(io: CliIo): boolean {
  return io.stdout.isTTY === true && !io.env.NO_COLOR && io.env.TERM !== 'dumb';
}

/** The width of the name column: the longest process name, or `xsup` for lifecycle lines. */
function nameWidth(entries: readonly ProcfileEntry[]): number {
  return Math.max('xsup'.length, ...entries.map((entry) => entry.name.length));
}

function paint(text: string, code: number, color: boolean): string {
  return color ? `\u001b[${code}m${text}\u001b[0m` : text;
}

function integer(name: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(
        `${name} must be a whole number from ${min} to ${max}; got "${value}"`,
      );
    }
    return n;
  };
}

function factor(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 1) {
    throw new InvalidArgumentError(
      `--backoff-factor must be a number of at least 1; got "${value}"`,
    );
  }
  return n;
}

/** The package's version, from its `package.json` (two levels up, in `src/` and in `dist/`). */
function packageVersion(): string {
  try {
    const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
    return String((JSON.parse(text) as { version?: unknown }).version ?? 'unknown');
  } catch {
    return 'unknown';
  }
}

/** The options of `xsup start`, as parsed. */
export interface StartOptions {
  backoffInitial: number;
  backoffMax: number;
  backoffFactor: number;
  maxRestarts?: number;
  maxRestartsWindow: number;
  strategy: (typeof GROUP_STRATEGIES)[number];
  shutdownTimeout: number;
  restart: RestartType;
  health?: number;
  json: boolean;
  inspect?: number | true;
  open?: boolean;
}

/**
 * Builds the group machine `xsup start` runs for these Procfile entries.
 *
 * @example
 *
 * ```ts
 * const machine = procfileGroup(await readProcfile('Procfile'), options, io);
 * ```
 */
export function procfileGroup(entries: ProcfileEntry[], options: StartOptions, io: CliIo) {
  const color = useColor(io);
  const width = nameWidth(entries);
  return createProcessGroup({
    id: 'xsup',
    strategy: options.strategy,
    backoff: {
      initialMs: options.backoffInitial,
      maxMs: Math.max(options.backoffMax, options.backoffInitial),
      factor: options.backoffFactor,
    },
    maxRestarts:
      options.maxRestarts === undefined
        ? null
        : { count: options.maxRestarts, withinMs: options.maxRestartsWindow },
    shutdownTimeoutMs: options.shutdownTimeout,
    children: entries.map((entry, index) => {
      const prefix = paint(`${entry.name.padEnd(width)} | `, COLORS[index % COLORS.length]!, color);
      return {
        id: entry.name,
        restart: options.restart,
        logic: fromChildProcess({
          name: entry.name,
          command: entry.command,
          shell: true,
          prefix: options.json ? false : prefix,
          stdout: options.json ? jsonLines(io.stdout, entry.name, 'stdout') : io.stdout,
          stderr: options.json ? jsonLines(io.stdout, entry.name, 'stderr') : io.stdout,
        }),
      };
    }),
  });
}

function lifecycleWriter(io: CliIo, json: boolean, width: number): (event: LifecycleEvent) => void {
  const color = useColor(io);
  const tag = paint(`${'xsup'.padEnd(width)} | `, 90, color);
  return (event) => {
    if (json) {
      io.stdout.write(
        `${JSON.stringify({ time: new Date().toISOString(), level: lifecycleLevel(event), ...event })}\n`,
      );
      return;
    }
    const line = oneLine(formatLifecycleEvent(event).replace(/^xsup[/:] ?/, ''));
    const level = lifecycleLevel(event);
    io.stdout.write(
      `${tag}${level === 'info' ? line : paint(line, level === 'error' ? 31 : 33, color)}\n`,
    );
  };
}

/**
 * Runs the `xsup` command line and resolves to the process exit code.
 *
 * @example
 *
 * ```ts
 * process.exitCode = await main(process.argv.slice(2));
 * ```
 */
export async function main(
  argv: readonly string[],
  io: CliIo = { stdout: process.stdout, stderr: process.stderr, env: process.env },
): Promise<number> {
  let exitCode = 0;
  const program = new Command('xsup')
    .description(
      'Run the processes of a Procfile under supervision: restarts with backoff, graceful shutdown.',
    )
    .version(packageVersion(), '-V, --version', 'print the version of xsup')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    });

  program
    .command('check')
    .description('validate a Procfile and print the processes it defines')
    .argument('[procfile]', 'path of the Procfile', 'Procfile')
    .action(async (file: string) => {
      const entries = await readProcfile(file);
      const width = Math.max(...entries.map((entry) => entry.name.length));
      io.stdout.write(`${file}: ${entries.length} process${entries.length === 1 ? '' : 'es'}\n`);
      for (const entry of entries)
        io.stdout.write(`  ${entry.name.padEnd(width)}  ${entry.command}\n`);
    });

  program
    .command('start')
    .description('start every process of a Procfile and keep them running')
    .argument('[procfile]', 'path of the Procfile', 'Procfile')
    .addOption(
      new Option('--backoff-initial <ms>', 'delay before the first restart')
        .default(200)
        .argParser(integer('--backoff-initial', 0, MAX_TIMER_MS)),
    )
    .addOption(
      new Option('--backoff-max <ms>', 'longest delay between restarts')
        .default(30_000)
        .argParser(integer('--backoff-max', 0, MAX_TIMER_MS)),
    )
    .addOption(
      new Option('--backoff-factor <n>', 'growth of the delay per failure')
        .default(2)
        .argParser(factor),
    )
    .addOption(
      new Option(
        '--max-restarts <count>',
        'give up after more restarts than this within the window (default: unlimited)',
      ).argParser(integer('--max-restarts', 0, Number.MAX_SAFE_INTEGER)),
    )
    .addOption(
      new Option('--max-restarts-window <ms>', 'the window of --max-restarts')
        .default(60_000)
        .argParser(integer('--max-restarts-window', 1, MAX_TIMER_MS)),
    )
    .addOption(
      new Option('--strategy <name>', 'what a failure does')
        .choices([...GROUP_STRATEGIES])
        .default('one-for-one'),
    )
    .addOption(
      new Option('--restart <type>', 'when a process that ended is started again')
        .choices([...RESTART_TYPES])
        .default('permanent'),
    )
    .addOption(
      new Option(
        '--shutdown-timeout <ms>',
        'grace period of each process after SIGTERM, then SIGKILL',
      )
        .default(10_000)
        .argParser(integer('--shutdown-timeout', 0, MAX_TIMER_MS)),
    )
    .addOption(
      new Option('--health <port>', 'serve /livez and /readyz on this loopback port').argParser(
        integer('--health', 0, 65_535),
      ),
    )
    .option('--json', 'write output and lifecycle as JSON lines', false)
    .addOption(
      new Option(
        '--inspect [port]',
        'stream the tree to the Stately inspector through a relay on this port (default 8080)',
      ).argParser(integer('--inspect', 1, 65_535)),
    )
    .option('--open', 'with --inspect, open the inspector in the browser', false)
    .action(async (file: string, options: StartOptions) => {
      const entries = await readProcfile(file);
      const width = nameWidth(entries);
      const machine = procfileGroup(entries, options, io);
      const failures = failureTracker();
      // The health endpoints and the inspector listen before any process starts: a port in
      // use is one line and exit code 2, with nothing started.
      exitCode = await runMain(machine, {
        name: 'xsup',
        stderr: io.stderr,
        log: false,
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
          observeLifecycle(actor as AnyActorRef, lifecycleWriter(io, options.json, width));
          observeLifecycle(actor as AnyActorRef, failures.observe);
        },
      });
      // A process failed and was not started again (`--restart=temporary`): not a clean run.
      if (failures.failedForGood() && exitCode === 0) exitCode = EXIT_FAILURE;
    });

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    if (error instanceof ProcfileError) {
      io.stderr.write(`xsup: ${error.message}\n`);
      return EXIT_USAGE;
    }
    throw error;
  }
}
