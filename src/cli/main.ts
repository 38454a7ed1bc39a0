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
import { Command, CommanderError } from 'commander';
import {
  addCheckCommand,
  addControlCommands,
  addExportCommand,
  addStartCommand,
  addStatusCommand,
} from './commands.js';
import { ProcfileError } from './procfile.js';
import type { CliIo } from './startGroup.js';
import { UsageError } from './usage.js';

/** Exit code for a usage mistake or an unusable Procfile. */
export const EXIT_USAGE = 2;

export {
  type CliIo,
  procfileChildren,
  procfileGroup,
  type RunEntry,
  runEntries,
  type StartOptions,
} from './startGroup.js';

/** The package's version, from its `package.json` (two levels up, in `src/` and in `dist/`). */
function packageVersion(): string {
  try {
    const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
    return String((JSON.parse(text) as { version?: unknown }).version ?? 'unknown');
  } catch {
    return 'unknown';
  }
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
  const setExitCode = (code: number) => {
    exitCode = code;
  };
  addCheckCommand(program, io);
  const start = addStartCommand(program, io, setExitCode);
  addControlCommands(program, io, setExitCode);
  addStatusCommand(program, io, setExitCode);
  addExportCommand(program, io, start);

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    if (error instanceof ProcfileError || error instanceof UsageError) {
      io.stderr.write(`xsup: ${error.message}\n`);
      return EXIT_USAGE;
    }
    throw error;
  }
}
