/**
 * Env files, with foreman's conventions: `.env` beside the Procfile by default, `-e FILE[,FILE]`
 * for others, later files winning over earlier ones and over the process environment.
 *
 * A line is `KEY=value` or `export KEY=value`; the value may be in single quotes (taken as it
 * is) or double quotes (`\n` is a line break, a backslash keeps the next character), and a
 * quoted value may span lines up to its closing quote; an unquoted value ends at ` #`, which
 * starts a comment. Blank lines and lines starting with `#`
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

const ASSIGNMENT = /^(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_]*)[ \t]*=[ \t]*(.*)$/s;
const EXPECTED =
  'expected KEY=value or export KEY=value (a name of letters, digits and "_", not starting with a digit, then "=", then the value)';

/**
 * Parses the text of an env file into its variables, in file order (a key set twice appears
 * twice; the later one wins when they are merged). A quoted value may span lines, up to its
 * closing quote (a PEM key, a certificate); its entry has the line where it starts. `file` is
 * only used in error messages.
 *
 * @example
 *
 * ```ts
 * parseEnvFile('# db\nexport DATABASE_URL="postgres://localhost/app"\nDEBUG=1 # on\n', '.env');
 * // [{ key: 'DATABASE_URL', value: 'postgres://localhost/app', file: '.env', line: 2 },
 * //  { key: 'DEBUG', value: '1', file: '.env', line: 3 }]
 * parseEnvFile('KEY="-----BEGIN KEY-----\nMIIB\n-----END KEY-----"\n', '.env')[0].value;
 * // '-----BEGIN KEY-----\nMIIB\n-----END KEY-----'
 * ```
 */
export function parseEnvFile(text: string, file = '.env'): EnvEntry[] {
  const source = text.replace(/^\uFEFF/, '').replaceAll('\r\n', '\n');
  const entries: EnvEntry[] = [];
  let pos = 0;
  let line = 1;
  while (pos <= source.length) {
    const eol = source.indexOf('\n', pos);
    const end = eol === -1 ? source.length : eol;
    const raw = source.slice(pos, end).trimStart();
    const startLine = line;
    let next = end + 1;
    line += 1;
    const trimmed = raw.trimEnd();
    if (trimmed !== '' && !trimmed.startsWith('#')) {
      const match = ASSIGNMENT.exec(raw);
      if (!match) throw new EnvFileError(file, startLine, EXPECTED);
      const key = match[1]!;
      const fail = (problem: string): never => {
        throw new EnvFileError(file, startLine, `the value of ${key} ${problem}`);
      };
      const rest = match[2]!;
      const quote = rest[0];
      let value: string;
      if (quote === "'" || quote === '"') {
        // From the opening quote on, in the whole text: the value may go on over more lines.
        const open = end - rest.length;
        const read = readQuoted(source, open, quote, fail);
        value = read.value;
        const closingEol = source.indexOf('\n', read.after);
        const closingEnd = closingEol === -1 ? source.length : closingEol;
        const after = source.slice(read.after, closingEnd).trim();
        if (after !== '' && !after.startsWith('#')) {
          fail(
            `has text after its closing ${quote} quote; quote the whole value, or put a # before a comment`,
          );
        }
        line += countLines(source, open, read.after);
        next = closingEnd + 1;
      } else {
        // Unquoted: up to a comment (a # after a blank), trimmed.
        const comment = /[ \t]#/.exec(rest);
        value = (comment ? rest.slice(0, comment.index) : rest).trim();
      }
      if (value.includes('\0')) {
        fail('holds a NUL byte, which no environment variable can carry; remove it');
      }
      entries.push({ key, value, file, line: startLine });
    }
    pos = next;
  }
  return entries;
}

/**
 * Reads a quoted value that starts at `open` (its opening quote). In double quotes, a backslash
 * keeps the next character and `\n` is a line break; in single quotes, every character is as
 * written, and a quote after a backslash does not close the value (as dotenv and godotenv read
 * it). Resolves to the value and the position after its closing quote.
 */
function readQuoted(
  source: string,
  open: number,
  quote: '"' | "'",
  fail: (problem: string) => never,
): { value: string; after: number } {
  let value = '';
  for (let i = open + 1; i < source.length; i += 1) {
    const char = source[i]!;
    if (char === quote) return { value, after: i + 1 };
    if (char === '\\' && i + 1 < source.length) {
      const nextChar = source[i + 1]!;
      if (quote === '"') {
        value += nextChar === 'n' ? '\n' : nextChar;
        i += 1;
        continue;
      }
      if (nextChar === "'") {
        value += "\\'";
        i += 1;
        continue;
      }
    }
    value += char;
  }
  return fail(`opens a ${quote} quote that is not closed before the end of the file`);
}

/** The line breaks between two positions of the text. */
function countLines(source: string, from: number, to: number): number {
  let count = 0;
  for (let i = source.indexOf('\n', from); i !== -1 && i < to; i = source.indexOf('\n', i + 1)) {
    count += 1;
  }
  return count;
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
