/**
 * The env file of `xsup export systemd`: the variables of the env files as `xsup start` reads
 * them, written in the syntax of systemd's `EnvironmentFile=` (systemd.exec(5)), so that
 * systemd reads back exactly the values `xsup start` gives its processes.
 *
 * systemd does not read a `.env` as xsup (and foreman, dotenv) do: it keeps an unquoted
 * value's ` # comment`, takes `\n` in double quotes as a backslash and an `n`, and drops
 * `export KEY=value` lines. Writing every value in double quotes, with `\`, `"`, `` ` `` and
 * `$` escaped and line breaks as they are, is read back the same by every systemd version.
 */
import { EnvFileError, type LoadedEnv } from './env.js';

/** The first line of every file the export writes; only such files are ever removed. */
export const SYSTEMD_HEADER = '# Written by xsup export systemd.';

/** Variables each unit sets itself (`Environment=`), which win over the env files' as in xsup. */
export const UNIT_VARIABLES: readonly string[] = ['PORT', 'PS'];

/**
 * A value in the syntax of systemd's `EnvironmentFile=`: in double quotes, with `\`, `"`,
 * `` ` `` and `$` escaped by a backslash; line breaks and every other character as they are.
 *
 * @example
 *
 * ```ts
 * systemdEnvValue('two\nlines'); // '"two\nlines"' (a real line break)
 * systemdEnvValue('say "hi" to $USER'); // '"say \\"hi\\" to \\$USER"'
 * ```
 */
export function systemdEnvValue(value: string): string {
  return `"${value.replace(/[\\"`$]/g, '\\$&')}"`;
}

/**
 * Whether a value holds a character systemd refuses in an environment value (it drops the
 * variable with a warning): NUL, U+FEFF or a Unicode noncharacter.
 */
function refusedBySystemd(value: string): boolean {
  for (const char of value) {
    const code = char.codePointAt(0)!;
    if (code === 0 || code === 0xfeff || (code >= 0xfdd0 && code <= 0xfdef)) return true;
    if ((code & 0xfffe) === 0xfffe) return true;
  }
  return false;
}

/**
 * The variables of the env files for systemd, checked: a value systemd cannot hold is an
 * {@link EnvFileError} naming the file, the line and the variable (never the value).
 *
 * @example
 *
 * ```ts
 * const vars = systemdVars(await loadEnvFiles(envFiles({ env: undefined, procfile: 'Procfile' })));
 * ```
 */
export function systemdVars(loaded: LoadedEnv): Record<string, string> {
  for (const [key, value] of Object.entries(loaded.vars)) {
    if (!refusedBySystemd(value)) continue;
    const source = loaded.sources[key] ?? '';
    const at = /^(.*):(\d+)$/.exec(source);
    throw new EnvFileError(
      at?.[1] ?? source,
      Number(at?.[2] ?? 0),
      `the value of ${key} holds a character systemd's EnvironmentFile= cannot carry (NUL, U+FEFF or a Unicode noncharacter); remove it for the export`,
    );
  }
  return loaded.vars;
}

/**
 * The text of the env file the units read: a header, then `KEY="value"` for every variable
 * but `PORT` and `PS` (set by each unit, and winning over the files' as in `xsup start`), in
 * the order the env files set them. `null` when there is no such variable.
 *
 * @example
 *
 * ```ts
 * systemdEnvFile({ MOTD: 'two\nlines', PORT: '3000' }, { envFiles: ['/srv/shop/.env'], app: 'shop' });
 * // '# Written by xsup export systemd.\n# …\nMOTD="two\nlines"\n'
 * ```
 */
export function systemdEnvFile(
  vars: Readonly<Record<string, string>>,
  from: { envFiles: readonly string[]; app: string },
): string | null {
  const keys = Object.keys(vars).filter((key) => !UNIT_VARIABLES.includes(key));
  if (keys.length === 0) return null;
  // Paths as JSON strings: a comment line must not end in a backslash (systemd would continue
  // it on the next line) nor hold a line break.
  const files = from.envFiles.map((file) => JSON.stringify(file)).join(', ');
  return [
    SYSTEMD_HEADER,
    `# The variables of ${files} for the units of ${JSON.stringify(from.app)}, in the syntax of systemd's EnvironmentFile=. Export again after changing them.`,
    '# It holds their values: keep it private (mode 0600), and out of version control.',
    ...keys.map((key) => `${key}=${systemdEnvValue(vars[key]!)}`),
    '',
  ].join('\n');
}
