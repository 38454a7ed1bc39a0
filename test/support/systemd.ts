/**
 * How systemd reads what `xsup export systemd` writes, for tests: a unit file's sections,
 * `Environment=` and `EnvironmentFile=` as systemd.exec(5) and systemd.syntax(7) describe them,
 * and systemd's own env file tokenizer when systemd is installed.
 *
 * {@link parseEnvironmentFile} follows systemd's `parse_env_file_internal()` (src/basic/env-file.c)
 * state by state, as `EnvironmentFile=` reads a file: `#` and `;` start comments (a backslash
 * continues a comment on the next line); an unquoted value keeps its inner blanks and anything
 * after them (a ` # comment` too), a backslash keeping the next character and a backslash at the
 * end of a line joining the next; single quotes keep everything up to the next single quote;
 * double quotes unescape `\"`, `\\`, `` \` `` and `\$`, drop an escaped line break and keep any
 * other backslash; after a closing quote the value goes on. A name that is not a valid variable
 * name (`export KEY`) drops the line.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const WHITESPACE = ' \t\n\r';
const NEWLINE = '\n\r';
const COMMENTS = '#;';
const SHELL_NEED_ESCAPE = '"\\`$';

/** A valid variable name for systemd's `strv_env_clean()`: no `=`, not starting with a digit. */
const isEnvName = (name: string) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(name);

/** The variables of an env file as systemd's `EnvironmentFile=` reads them; later ones win. */
export function parseEnvironmentFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  type State =
    | 'PRE_KEY'
    | 'KEY'
    | 'PRE_VALUE'
    | 'VALUE'
    | 'VALUE_ESCAPE'
    | 'SINGLE_QUOTE_VALUE'
    | 'DOUBLE_QUOTE_VALUE'
    | 'DOUBLE_QUOTE_VALUE_ESCAPE'
    | 'COMMENT'
    | 'COMMENT_ESCAPE';
  let state: State = 'PRE_KEY';
  let key = '';
  let value = '';
  let lastKeyWhitespace = -1;
  let lastValueWhitespace = -1;
  const push = (chompValue: boolean) => {
    let k = key;
    let v = value;
    if (chompValue && lastValueWhitespace !== -1) v = v.slice(0, lastValueWhitespace);
    if (lastKeyWhitespace !== -1) k = k.slice(0, lastKeyWhitespace);
    if (isEnvName(k)) env[k] = v;
    key = '';
    value = '';
  };
  for (const c of text) {
    switch (state) {
      case 'PRE_KEY':
        if (COMMENTS.includes(c)) state = 'COMMENT';
        else if (!WHITESPACE.includes(c)) {
          state = 'KEY';
          lastKeyWhitespace = -1;
          key += c;
        }
        break;
      case 'KEY':
        if (NEWLINE.includes(c)) {
          state = 'PRE_KEY';
          key = '';
        } else if (c === '=') {
          state = 'PRE_VALUE';
          lastValueWhitespace = -1;
        } else {
          if (!WHITESPACE.includes(c)) lastKeyWhitespace = -1;
          else if (lastKeyWhitespace === -1) lastKeyWhitespace = key.length;
          key += c;
        }
        break;
      case 'PRE_VALUE':
        if (NEWLINE.includes(c)) {
          state = 'PRE_KEY';
          push(false);
        } else if (c === "'") state = 'SINGLE_QUOTE_VALUE';
        else if (c === '"') state = 'DOUBLE_QUOTE_VALUE';
        else if (c === '\\') state = 'VALUE_ESCAPE';
        else if (!WHITESPACE.includes(c)) {
          state = 'VALUE';
          value += c;
        }
        break;
      case 'VALUE':
        if (NEWLINE.includes(c)) {
          state = 'PRE_KEY';
          push(true);
        } else if (c === '\\') {
          state = 'VALUE_ESCAPE';
          lastValueWhitespace = -1;
        } else {
          if (!WHITESPACE.includes(c)) lastValueWhitespace = -1;
          else if (lastValueWhitespace === -1) lastValueWhitespace = value.length;
          value += c;
        }
        break;
      case 'VALUE_ESCAPE':
        state = 'VALUE';
        if (!NEWLINE.includes(c)) value += c;
        break;
      case 'SINGLE_QUOTE_VALUE':
        if (c === "'") state = 'PRE_VALUE';
        else value += c;
        break;
      case 'DOUBLE_QUOTE_VALUE':
        if (c === '"') state = 'PRE_VALUE';
        else if (c === '\\') state = 'DOUBLE_QUOTE_VALUE_ESCAPE';
        else value += c;
        break;
      case 'DOUBLE_QUOTE_VALUE_ESCAPE':
        state = 'DOUBLE_QUOTE_VALUE';
        if (SHELL_NEED_ESCAPE.includes(c)) value += c;
        else if (c !== '\n') value += `\\${c}`;
        break;
      case 'COMMENT':
        if (c === '\\') state = 'COMMENT_ESCAPE';
        else if (NEWLINE.includes(c)) state = 'PRE_KEY';
        break;
      case 'COMMENT_ESCAPE':
        state = 'COMMENT';
        break;
    }
  }
  if (
    [
      'PRE_VALUE',
      'VALUE',
      'VALUE_ESCAPE',
      'SINGLE_QUOTE_VALUE',
      'DOUBLE_QUOTE_VALUE',
      'DOUBLE_QUOTE_VALUE_ESCAPE',
    ].includes(state)
  ) {
    push(state === 'VALUE');
  }
  return env;
}

/** The settings of a unit file by section, in order: `[section, key, value]`. */
export function parseUnit(text: string): Array<[string, string, string]> {
  const settings: Array<[string, string, string]> = [];
  let section = '';
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    let line = lines[i]!.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    while (line.endsWith('\\') && i + 1 < lines.length) {
      line = `${line.slice(0, -1)} ${lines[++i]!.trim()}`;
    }
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      section = header[1]!;
      continue;
    }
    const eq = line.indexOf('=');
    if (eq === -1) throw new Error(`not a setting: ${JSON.stringify(line)}`);
    settings.push([section, line.slice(0, eq).trim(), line.slice(eq + 1).trim()]);
  }
  return settings;
}

/** Expands `%%` (the only specifier the export writes) and refuses any other. */
function specifiers(text: string): string {
  return text.replace(/%(.)/g, (_, c: string) => {
    if (c !== '%') throw new Error(`unexpected specifier %${c} in ${text}`);
    return '%';
  });
}

/** The words of an `Environment=` value: quotes removed, C escapes decoded. */
function environmentWords(text: string): string[] {
  const words: string[] = [];
  let word: string | null = null;
  let quote: string | null = null;
  const escapes: Record<string, string> = {
    n: '\n',
    t: '\t',
    r: '\r',
    '\\': '\\',
    '"': '"',
    "'": "'",
    s: ' ',
  };
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i]!;
    if (c === '\\') {
      const next = text[++i]!;
      word = (word ?? '') + (escapes[next] ?? next);
    } else if (quote !== null) {
      if (c === quote) quote = null;
      else word = (word ?? '') + c;
    } else if (c === '"' || c === "'") {
      quote = c;
      word ??= '';
    } else if (c === ' ' || c === '\t') {
      if (word !== null) words.push(word);
      word = null;
    } else word = (word ?? '') + c;
  }
  if (word !== null) words.push(word);
  return words;
}

/**
 * The variables a service unit gives its process, as systemd computes them: its
 * `Environment=` assignments, then each `EnvironmentFile=` (read with `read`), whose variables
 * win. (The manager's own environment comes below both; it is not the unit's.)
 */
export function unitEnvironment(
  unitText: string,
  read: (path: string) => string,
): Record<string, string> {
  const env: Record<string, string> = {};
  const files: string[] = [];
  for (const [section, key, value] of parseUnit(unitText)) {
    if (section !== 'Service') continue;
    if (key === 'Environment') {
      for (const word of environmentWords(specifiers(value))) {
        const eq = word.indexOf('=');
        if (eq > 0 && isEnvName(word.slice(0, eq))) env[word.slice(0, eq)] = word.slice(eq + 1);
      }
    }
    if (key === 'EnvironmentFile') files.push(specifiers(value));
  }
  for (const file of files) {
    const optional = file.startsWith('-');
    const path = optional ? file.slice(1) : file;
    if (optional && !existsSync(path)) continue;
    Object.assign(env, parseEnvironmentFile(read(path)));
  }
  return env;
}

/** systemd's environment.d generator, which reads files with the same tokenizer. */
const GENERATOR = '/usr/lib/systemd/user-environment-generators/30-systemd-environment-d-generator';

/** Whether systemd's own env file tokenizer can be run here. */
export const hasSystemdTokenizer = existsSync(GENERATOR);

/** Decodes a value as the generator prints it (`shell_maybe_quote()`: C escapes in quotes). */
function decodeShellQuoted(text: string): string {
  if (!text.startsWith('"')) return text;
  const escapes: Record<string, string> = {
    n: '\n',
    t: '\t',
    r: '\r',
    a: '\x07',
    b: '\b',
    f: '\f',
    v: '\v',
  };
  return text.slice(1, -1).replace(/\\(x[0-9a-fA-F]{2}|[0-7]{3}|.)/gs, (_, e: string) => {
    if (e.startsWith('x')) return String.fromCharCode(Number.parseInt(e.slice(1), 16));
    if (/^[0-7]{3}$/.test(e)) return String.fromCharCode(Number.parseInt(e, 8));
    return escapes[e] ?? e;
  });
}

/**
 * The variables of an env file as systemd's own tokenizer reads it, through the
 * environment.d generator (which expands `$VAR` afterwards, as `EnvironmentFile=` does not:
 * compare values without `$` only). Only the variables of this file are returned.
 */
export function systemdTokenizerEnv(text: string): Record<string, string> {
  const home = mkdtempSync(join(tmpdir(), 'xsup-envd-'));
  try {
    mkdirSync(join(home, 'environment.d'));
    writeFileSync(join(home, 'environment.d', '99-xsup-test.conf'), text);
    const base = spawnSync(GENERATOR, [], {
      env: { XDG_CONFIG_HOME: join(home, 'none') },
      encoding: 'utf8',
    });
    const run = spawnSync(GENERATOR, [], { env: { XDG_CONFIG_HOME: home }, encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`the generator failed: ${run.stderr}`);
    const read = (output: string) =>
      Object.fromEntries(
        output
          .split('\n')
          .filter((line) => line.includes('='))
          .map((line) => [
            line.slice(0, line.indexOf('=')),
            decodeShellQuoted(line.slice(line.indexOf('=') + 1)),
          ]),
      );
    const before = read(base.stdout);
    const after = read(run.stdout);
    return Object.fromEntries(
      Object.entries(after).filter(([key, value]) => before[key] !== value),
    );
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}
