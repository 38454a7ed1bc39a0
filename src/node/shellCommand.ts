/**
 * How a shell command line is run so that signals reach the program, not only its shell.
 *
 * `fromChildProcess({ shell: true })` signals the command's whole process group. `/bin/sh`
 * (dash) stays the parent of the command instead of replacing itself with it, as bash does,
 * and dies of a SIGHUP it does not catch, so a reload would look like a crash. This module
 * rewrites the command line so that the right process gets each signal.
 */

/** First words that are shell builtins or keywords, not programs `exec` could run. */
const NOT_PROGRAMS = new Set(
  (
    '. : alias bg break builtin case cd command continue do done elif else esac eval exec exit ' +
    'export fg fi for function getopts hash if in jobs local read readonly return select set ' +
    'shift source then time times trap type ulimit umask unalias unset until wait while'
  ).split(' '),
);

/**
 * Whether a command line is one program with its arguments: a first word that names a
 * program (not an assignment, builtin or keyword) and none of the shell's operators. Quotes
 * hiding an operator make it look compound, which is safe.
 */
function isSimpleCommand(command: string): boolean {
  const first = /^\S+/.exec(command)?.[0] ?? '';
  return /^[\w@%+,./-]+$/.test(first) && !NOT_PROGRAMS.has(first) && !/[;&|<>()`\n]/.test(command);
}

/**
 * The shell command line that `command` is run as by `fromChildProcess({ shell: true })`.
 *
 * Signals go to the command's whole process group, the shell included, and `/bin/sh` (dash)
 * stays the parent of the command instead of replacing itself with it, as bash does. So a
 * simple command is run with `exec`: the process is the program itself, with its own pid,
 * exit status and signals. A compound one (`cd app && node server.js`) keeps its shell, which
 * catches SIGHUP and SIGTERM (`trap : HUP TERM`) so that a reload does not kill it and it
 * waits for its commands during a shutdown, then exits with their status; caught signals are
 * reset to their default in the commands the shell starts, so they still get them.
 *
 * @example
 *
 * ```ts
 * shellCommand('node server.js'); // 'exec node server.js'
 * shellCommand('cd app && node server.js'); // 'trap : HUP TERM; cd app && node server.js'
 * ```
 */
export function shellCommand(command: string): string {
  return isSimpleCommand(command) ? `exec ${command}` : `trap : HUP TERM; ${command}`;
}
