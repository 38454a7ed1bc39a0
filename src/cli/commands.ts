/**
 * The commands of `xsup` as commander declares them: their arguments, options and help, and
 * the action each one runs. `main` puts them together into the program.
 */
import { Argument, type Command, InvalidArgumentError, Option } from 'commander';
import { MAX_TIMER_MS } from '../policy/backoff.js';
import { RESTART_TYPES } from '../policy/options.js';
import { GROUP_STRATEGIES } from '../policy/restart.js';
import { type Formation, parseFormation } from './formation.js';
import { readProcfile } from './procfile.js';
import { DEFAULT_READY_TIMEOUT_MS } from './readiness.js';
import { remoteAction, remoteStatus, socketPath } from './remote.js';
import { startAction } from './startAction.js';
import type { CliIo, StartOptions } from './startGroup.js';
import { exportSystemd } from './systemd.js';

/** Hands the exit code of a command's action back to `main`. */
export type SetExitCode = (code: number) => void;

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

function formationArg(value: string): Formation {
  try {
    return parseFormation(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

/** `xsup check`: validates a Procfile and prints its processes. */
export function addCheckCommand(program: Command, io: CliIo): void {
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
}

/** The options of the commands that run the processes: their env files, ports and formation. */
function withRun(command: Command): Command {
  return command
    .option(
      '-e, --env <files>',
      'env files to load, FILE[,FILE] (default: .env beside the Procfile)',
    )
    .option('--no-env', 'load no env file')
    .addOption(
      new Option(
        '-p, --port <n>',
        'base PORT: each process gets N + 100 × its index + its instance − 1 (default: PORT, or 5000)',
      ).argParser(integer('--port', 0, 65_535)),
    )
    .addOption(
      new Option(
        '-m, --formation <counts>',
        'instances per process, e.g. all=1,web=2,worker=0',
      ).argParser(formationArg),
    );
}

/**
 * `xsup start`: runs the processes of a Procfile, or on a running xsup starts the named ones
 * there. Returns the command, whose options `xsup export` takes over.
 */
export function addStartCommand(program: Command, io: CliIo, setExitCode: SetExitCode): Command {
  const start = withRun(
    program
      .command('start')
      .description(
        'start the processes of a Procfile and keep them running; on a running xsup, start the named processes there',
      )
      .argument('[procfile]', 'path of the Procfile (default: ./Procfile)')
      .argument('[names...]', 'run only these processes'),
  );
  addRestartOptions(start);
  start
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
    .option('-s, --socket <path>', 'control socket (default: .xsup.sock beside the Procfile)')
    .option('-t, --timestamps', 'put the local time (HH:MM:SS) before each line', false)
    .addOption(
      new Option(
        '--ready <name:kind>',
        'how process NAME says it is ready: notify (READY=1 on NOTIFY_SOCKET), port (its PORT accepts a connection) or line:REGEX (a line of its output matches); repeatable',
      ).argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value]),
    )
    .addOption(
      new Option(
        '--ready-timeout <ms>',
        'how long a process with --ready has to be ready before it counts as failed',
      )
        .default(DEFAULT_READY_TIMEOUT_MS)
        .argParser(integer('--ready-timeout', 1, MAX_TIMER_MS)),
    )
    .option(
      '--sequential',
      'start the processes in Procfile order, each once the one before is ready',
      false,
    )
    .action(
      async (
        first: string | undefined,
        more: string[],
        options: StartOptions,
        command: Command,
      ) => {
        setExitCode(await startAction(io, first, more, options, command));
      },
    );
  return start;
}

/** The restart policy of `xsup start`: backoff, restart limit, strategy and grace period. */
function addRestartOptions(command: Command): void {
  command
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
    );
}

/** `xsup stop` and `xsup restart`: stop or restart processes of the running xsup. */
export function addControlCommands(program: Command, io: CliIo, setExitCode: SetExitCode): void {
  for (const action of ['stop', 'restart'] as const) {
    const command = program
      .command(action)
      .description(
        action === 'stop'
          ? 'stop processes of the running xsup (gracefully, then by force), leaving the others running'
          : 'restart processes of the running xsup: a graceful stop, then a fresh start',
      )
      .argument('<names...>', 'process or instance names (web, or web.2)')
      .option('-s, --socket <path>', 'control socket of the running xsup')
      .option(
        '-f, --procfile <path>',
        'the Procfile it runs, beside which its socket is',
        'Procfile',
      );
    if (action === 'restart') {
      command.option(
        '--rolling',
        'one instance at a time, each ready again before the next is stopped; returns once all are',
        false,
      );
    }
    command.action(
      async (
        names: string[],
        options: { socket?: string; procfile: string; rolling?: boolean },
      ) => {
        setExitCode(
          await remoteAction(io, socketPath(options.socket, options.procfile), action, names, {
            rolling: options.rolling === true,
          }),
        );
      },
    );
  }
}

/** `xsup status`: shows the processes of the running xsup. */
export function addStatusCommand(program: Command, io: CliIo, setExitCode: SetExitCode): void {
  program
    .command('status')
    .description('show the processes of the running xsup: state, pid, restarts, failures, uptime')
    .option('--json', 'print it as JSON', false)
    .option('-s, --socket <path>', 'control socket of the running xsup')
    .option('-f, --procfile <path>', 'the Procfile it runs, beside which its socket is', 'Procfile')
    .action(async (options: { json: boolean; socket?: string; procfile: string }) => {
      setExitCode(
        await remoteStatus(io, socketPath(options.socket, options.procfile), options.json),
      );
    });
}

/** `xsup export systemd`: writes units that run the processes as xsup would. */
export function addExportCommand(program: Command, io: CliIo, start: Command): void {
  const exporter = withRun(
    program
      .command('export')
      .description('write units for an init system that run the processes as xsup would')
      .addArgument(new Argument('<format>', 'the init system').choices(['systemd']))
      .argument('<dir>', 'directory to write the units into (made when missing)')
      .argument('[procfile]', 'path of the Procfile', 'Procfile'),
  );
  // The restart policy, the readiness checks and the start order, as `xsup start` takes them:
  // the units carry them over.
  for (const option of start.options) {
    if (
      /^--(backoff|max-restarts|restart|shutdown-timeout|ready|sequential)/.test(option.long ?? '')
    ) {
      exporter.addOption(option);
    }
  }
  exporter
    .option('-a, --app <name>', "the units' name (default: the Procfile's directory name)")
    .option('-u, --user <user>', 'the user the processes run as')
    .option('-d, --root <dir>', 'working directory of the processes (default: the current one)')
    .action(
      async (
        _format: 'systemd',
        dir: string,
        file: string,
        options: StartOptions & { app?: string; user?: string; root?: string },
      ) => {
        await exportSystemd(io, dir, file, options);
      },
    );
}
