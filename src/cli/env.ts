/**
 * Env files, with foreman's conventions: `.env` beside the Procfile by default, `-e FILE[,FILE]`
 * for others, later files winning over earlier ones and over the process environment.
 *
 * A line is `KEY=value` or `export KEY=value`; the value may be in single quotes (taken as it
 * is) or double quotes (`\n` is a line break, a backslash keeps the next character); an
 * unquoted value ends at ` #`, which starts a comment. Blank lines and lines starting with `#`
 * are skipped. Unlike dotenv, foreman and Node's `util.parseEnv`, which skip a line they cannot
 * read, a malformed line is an {@link EnvFileError} naming the file and the line, so a typo does
 * not silently drop a variable. Messages name variables, never their values.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { UsageError } from './usage.js';

/**
 * An env file that cannot be used: missing (when named with `--env`), unreadable, or with a
 * malformed line. `file` and `line` (0 for the whole file) say where.
 *
 * @example
 *
 * ```ts
 * try {
 *   parseEnvFile('API_KEY="abc\n', '.env');
 * } catch (error) {
 *   if (error instanceof EnvFileError) console.error(error.message); // ".env:1: the value of API_KEY …"
 * }
 * ```
 */
export class EnvFileError extends UsageError {
  override readonly name = 'EnvFileError';
  readonly file: string;
  readonly line: number;

  constructor(file: string, line: number, problem: string, options?: { cause?: unknown }) {
    super(`${line > 0 ? `${file}:${line}` : file}: ${problem}`, options);
    this.file = file;
    this.line = line;
  }
}

/** One variable of an env file, and where it was set. */
export interface EnvEntry {
  key: string;
  value: string;
  file: string;
  line: number;
}

const ASSIGNMENT = /^(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_]*)[ \t]*=[ \t]*(.*)$/;
const EXPECTED =
  'expected KEY=value or export KEY=value (a name of letters, digits and "_", not starting with a digit, then "=", then the value)';

/**
 * Parses the text of an env file into its variables, in file order (a key set twice appears
 * twice; the later one wins when they are merged). `file` is only used in error messages.
 *
 * @example
 *
 * ```ts
 * parseEnvFile('# db\nexport DATABASE_URL="postgres://localhost/app"\nDEBUG=1 # on\n', '.env');
 * // [{ key: 'DATABASE_URL', value: 'postgres://localhost/app', file: '.env', line: 2 },
 * //  { key: 'DEBUG', value: '1', file: '.env', line: 3 }]
 * ```
 */
export function parseEnvFile(text: string, file = '.env'): EnvEntry[] {
  const entries: EnvEntry[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const match = ASSIGNMENT.exec(trimmed);
    if (!match) throw new EnvFileError(file, line, EXPECTED);
    const key = match[1]!;
    const value = parseValue(match[2]!, (problem) => {
      throw new EnvFileError(file, line, `the value of ${key} ${problem}`);
    });
    entries.push({ key, value, file, line });
  });
  return entries;
}

function parseValue(text: string, fail: (problem: string) => never): string {
  const quote = text[0];
  if (quote !== "'" && quote !== '"') {
    // Unquoted: up to a comment (a # after a blank), trimmed.
    const comment = /[ \t]#/.exec(text);
    return (comment ? text.slice(0, comment.index) : text).trim();
  }
  let value = '';
  let end = -1;
  for (let i = 1; i < text.length; i += 1) {
    const char = text[i]!;
    if (char === quote) {
      end = i;
      break;
    }
    if (quote === '"' && char === '\\' && i + 1 < text.length) {
      const next = text[i + 1]!;
      value += next === 'n' ? '\n' : next;
      i += 1;
    } else value += char;
  }
  if (end === -1) {
    fail(`opens a ${quote} quote that is not closed on the same line`);
  }
  const rest = text.slice(end + 1).trim();
  if (rest !== '' && !rest.startsWith('#')) {
    fail(
      `has text after its closing ${quote} quote; quote the whole value, or put a # before a comment`,
    );
  }
  return value;
}

/** The variables of several env files merged, and where each came from. */
export interface LoadedEnv {
  /** Variable name → value; a later file wins over an earlier one. */
  vars: Record<string, string>;
  /** Variable name → `file:line` where its value was set. */
  sources: Record<string, string>;
  /** The files that were read, in order. */
  files: string[];
}

/** Where `xsup` looks for env files. */
export interface EnvFileChoice {
  /** The value of `-e, --env` (`FILE[,FILE]`), `false` for `--no-env`, `undefined` when not given. */
  env: string | false | undefined;
  /** The Procfile, whose directory holds the default `.env`. */
  procfile: string;
}

/**
 * The env files to read: those named with `--env` (which must exist), none with `--no-env`, or
 * `.env` in the Procfile's directory (read only when it exists).
 *
 * @example
 *
 * ```ts
 * envFiles({ env: undefined, procfile: 'app/Procfile' }); // [{ file: 'app/.env', required: false }]
 * envFiles({ env: '.env,.env.local', procfile: 'Procfile' }); // both required
 * ```
 */
export function envFiles(choice: EnvFileChoice): Array<{ file: string; required: boolean }> {
  if (choice.env === false) return [];
  if (choice.env === undefined) {
    return [{ file: join(dirname(choice.procfile), '.env'), required: false }];
  }
  const files = choice.env.split(',').map((file) => file.trim());
  if (files.some((file) => file === '')) {
    throw new UsageError(
      `-e, --env: expected FILE or FILE,FILE (paths separated by commas); got ${JSON.stringify(choice.env)}`,
    );
  }
  return files.map((file) => ({ file, required: true }));
}

/**
 * Reads and merges env files: later files win. A required file that is missing, or any file
 * that cannot be read or has a malformed line, is an {@link EnvFileError}.
 *
 * @example
 *
 * ```ts
 * const { vars } = await loadEnvFiles(envFiles({ env: undefined, procfile: 'Procfile' }));
 * ```
 */
export async function loadEnvFiles(
  files: ReadonlyArray<{ file: string; required: boolean }>,
): Promise<LoadedEnv> {
  const loaded: LoadedEnv = { vars: {}, sources: {}, files: [] };
  for (const { file, required } of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' && !required) continue;
      const problem =
        code === 'ENOENT'
          ? 'no such env file (named with -e, --env); create it, or leave it out'
          : code === 'EISDIR'
            ? 'is a directory, not an env file'
            : `cannot be read (${code ?? (error as Error).message})`;
      throw new EnvFileError(file, 0, problem, { cause: error });
    }
    loaded.files.push(file);
    for (const entry of parseEnvFile(text, file)) {
      loaded.vars[entry.key] = entry.value;
      loaded.sources[entry.key] = `${entry.file}:${entry.line}`;
    }
  }
  return loaded;
}
