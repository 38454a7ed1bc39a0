/**
 * Procfile parsing: `name: command` lines, as foreman, honcho and Heroku read them.
 *
 * Blank lines and lines starting with `#` are skipped. A name is letters, digits, `_` and `-`.
 * Every mistake is a {@link ProcfileError} that names the file and the line, so `xsup check`
 * and `xsup start` can say exactly what to fix.
 */
import { open } from 'node:fs/promises';

/** One process of a Procfile. */
export interface ProcfileEntry {
  /** The process name, unique in the file. */
  name: string;
  /** The command line, run through the shell. */
  command: string;
  /** The 1-based line it is on. */
  line: number;
}

/**
 * A Procfile that cannot be used: missing, empty, a malformed line, or a name used twice.
 * `file` and `line` (0 when it concerns the whole file) say where.
 *
 * @example
 *
 * ```ts
 * try {
 *   await readProcfile('Procfile');
 * } catch (error) {
 *   if (error instanceof ProcfileError) console.error(error.message); // "Procfile:3: ..."
 * }
 * ```
 */
export class ProcfileError extends Error {
  override readonly name = 'ProcfileError';
  readonly file: string;
  readonly line: number;

  constructor(file: string, line: number, problem: string, options?: { cause?: unknown }) {
    super(`${line > 0 ? `${file}:${line}` : file}: ${problem}`, options);
    this.file = file;
    this.line = line;
  }
}

const ENTRY = /^([A-Za-z0-9_-]+)[ \t]*:[ \t]*(.*)$/;

/** The largest Procfile read, in bytes (1 MiB): far more than any list of processes needs. */
export const MAX_PROCFILE_BYTES = 1024 * 1024;

/** How much of a line an error message quotes, in characters. */
const QUOTED_LINE_LENGTH = 120;

/** A line as an error message quotes it: JSON-quoted, cut after 120 characters. */
function quoteLine(line: string): string {
  if (line.length <= QUOTED_LINE_LENGTH) return JSON.stringify(line);
  return `${JSON.stringify(line.slice(0, QUOTED_LINE_LENGTH))}… (${line.length} characters)`;
}

/**
 * Parses Procfile text. `file` is only used in error messages.
 *
 * @example
 *
 * ```ts
 * parseProcfile('web: node server.js\n# a comment\nworker: node worker.js\n', 'Procfile');
 * // [{ name: 'web', command: 'node server.js', line: 1 }, { name: 'worker', command: 'node worker.js', line: 3 }]
 * ```
 */
export function parseProcfile(text: string, file = 'Procfile'): ProcfileEntry[] {
  const entries: ProcfileEntry[] = [];
  const seen = new Map<string, number>();
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const match = ENTRY.exec(trimmed);
    if (!match) {
      throw new ProcfileError(
        file,
        line,
        `expected "name: command" (a name of letters, digits, "_" or "-", a colon, then the command); got ${quoteLine(trimmed)}`,
      );
    }
    const name = match[1]!;
    const command = match[2]!.trim();
    if (command === '')
      throw new ProcfileError(file, line, `process "${name}" has no command after the colon`);
    const first = seen.get(name);
    if (first !== undefined) {
      throw new ProcfileError(
        file,
        line,
        `process name "${name}" is used twice (first on line ${first}); names must be unique`,
      );
    }
    seen.set(name, line);
    entries.push({ name, command, line });
  });
  if (entries.length === 0) {
    throw new ProcfileError(file, 0, 'no processes: add lines of the form "name: command"');
  }
  return entries;
}

/**
 * Reads and parses a Procfile; a missing or unreadable file is a {@link ProcfileError} too.
 *
 * @example
 *
 * ```ts
 * const entries = await readProcfile('examples/Procfile');
 * ```
 */
export async function readProcfile(file: string): Promise<ProcfileEntry[]> {
  let text: string;
  try {
    text = await readCapped(file);
  } catch (error) {
    if (error instanceof ProcfileError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const problem =
      code === 'ENOENT'
        ? 'no such file; pass the path of a Procfile, or run where ./Procfile is'
        : code === 'EISDIR'
          ? 'is a directory, not a Procfile'
          : `cannot be read (${code ?? (error as Error).message})`;
    throw new ProcfileError(file, 0, problem, { cause: error });
  }
  return parseProcfile(text, file);
}

/**
 * Reads at most {@link MAX_PROCFILE_BYTES}; a larger file (or an endless one, `/dev/zero`) is a
 * {@link ProcfileError} that says so.
 */
async function readCapped(file: string): Promise<string> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(MAX_PROCFILE_BYTES + 1);
    let size = 0;
    while (size < buffer.length) {
      const { bytesRead } = await handle.read(buffer, size, buffer.length - size, null);
      if (bytesRead === 0) break;
      size += bytesRead;
    }
    if (size > MAX_PROCFILE_BYTES) {
      throw new ProcfileError(
        file,
        0,
        `is larger than ${MAX_PROCFILE_BYTES / 1024 / 1024} MiB, too large for a Procfile; pass the path of a Procfile`,
      );
    }
    return buffer.toString('utf8', 0, size);
  } finally {
    await handle.close();
  }
}
