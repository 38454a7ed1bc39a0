/**
 * The syntax of systemd's unit files that `xsup export systemd` writes in: durations, the `%`
 * of specifiers, and the quoted arguments of `ExecStart=`.
 */

/**
 * A duration in systemd's syntax: `10s`, or `1500ms` when it is not whole seconds.
 *
 * @example
 *
 * ```ts
 * systemdDuration(10_000); // '10s'
 * systemdDuration(1_500); // '1500ms'
 * ```
 */
export function systemdDuration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** Escapes text for a unit file's value: `%` starts a specifier in systemd. */
export function specifiers(text: string): string {
  return text.replaceAll('%', '%%');
}

/**
 * Quotes an argument for `ExecStart=`: double quotes, with `\` and `"` escaped, `$` doubled
 * (so that the shell, not systemd, expands variables, as under `xsup start`) and `%` doubled.
 *
 * @example
 *
 * ```ts
 * execArgument('exec node server.js --port $PORT'); // '"exec node server.js --port $$PORT"'
 * ```
 */
export function execArgument(text: string): string {
  const escaped = text.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('$', '$$$$');
  return `"${specifiers(escaped)}"`;
}
