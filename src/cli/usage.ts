/**
 * Usage errors of `xsup`: a mistake in what the user asked for (a flag's value, a process name,
 * an env file), found before anything runs. `main` prints the message and exits with code 2.
 */

/**
 * A mistake in the command line or in a file it names. The message says what is wrong and what
 * is allowed; it never carries the value of an environment variable.
 *
 * @example
 *
 * ```ts
 * throw new UsageError('-m, --formation: no process "wbe" in Procfile; its processes: web, worker');
 * ```
 */
export class UsageError extends Error {
  override readonly name: string = 'UsageError';
}
