import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProcfileError, parseProcfile, readProcfile } from '../../src/cli/procfile.js';

/** The ProcfileError `run` throws. */
function procfileError(run: () => unknown): ProcfileError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ProcfileError);
    return error as ProcfileError;
  }
  throw new Error('expected a ProcfileError, but nothing was thrown');
}

async function readError(file: string): Promise<ProcfileError> {
  const error = await readProcfile(file).then(
    () => new Error(`expected readProcfile(${file}) to fail`),
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ProcfileError);
  return error as ProcfileError;
}

describe('parseProcfile', () => {
  it('reads name: command lines, with their line numbers, in order', () => {
    expect(parseProcfile('web: node server.js\nworker: node worker.js --queue=jobs\n')).toEqual([
      { name: 'web', command: 'node server.js', line: 1 },
      { name: 'worker', command: 'node worker.js --queue=jobs', line: 2 },
    ]);
  });

  it('skips comments and blank lines, and keeps counting lines through them', () => {
    const text = [
      '# the processes of the app',
      '',
      'web: node server.js',
      '   ',
      '  # an indented comment',
      '\t',
      'worker: node worker.js',
    ].join('\n');
    expect(parseProcfile(text)).toEqual([
      { name: 'web', command: 'node server.js', line: 3 },
      { name: 'worker', command: 'node worker.js', line: 7 },
    ]);
  });

  it('reads CRLF line ends, without a carriage return left in the command', () => {
    expect(parseProcfile('web: node server.js\r\n\r\nworker: node worker.js\r\n')).toEqual([
      { name: 'web', command: 'node server.js', line: 1 },
      { name: 'worker', command: 'node worker.js', line: 3 },
    ]);
  });

  it('accepts names of letters, digits, "_" and "-", and any spacing around the colon', () => {
    expect(
      parseProcfile('Web_1: a\nworker-2 :b\n3:\tc  \n  indented: d --x "quoted: colon"\n'),
    ).toEqual([
      { name: 'Web_1', command: 'a', line: 1 },
      { name: 'worker-2', command: 'b', line: 2 },
      { name: '3', command: 'c', line: 3 },
      { name: 'indented', command: 'd --x "quoted: colon"', line: 4 },
    ]);
  });

  it('keeps the command as written for the shell: variables, quotes, operators', () => {
    const [entry] = parseProcfile(`web: PORT=\${PORT:-5000} node server.js 'a b' && echo done\n`);
    expect(entry?.command).toBe(`PORT=\${PORT:-5000} node server.js 'a b' && echo done`);
  });

  it('ignores the byte order mark some editors put at the start of a file', () => {
    expect(parseProcfile('\uFEFFweb: node server.js\n')).toEqual([
      { name: 'web', command: 'node server.js', line: 1 },
    ]);
  });

  it('reads a last line without a line break', () => {
    expect(parseProcfile('web: node server.js')).toEqual([
      { name: 'web', command: 'node server.js', line: 1 },
    ]);
  });

  it('rejects a line that is not "name: command", naming the file, the line and the text', () => {
    const error = procfileError(() =>
      parseProcfile('web: node server.js\n\nthis is not an entry\n', 'app/Procfile'),
    );
    expect(error.file).toBe('app/Procfile');
    expect(error.line).toBe(3);
    expect(error.message).toBe(
      'app/Procfile:3: expected "name: command" (a name of letters, digits, "_" or "-", a colon, then the command); got "this is not an entry"',
    );
  });

  it.each([
    ['a name with a space', 'my web: node server.js'],
    ['a name with a dot', 'web.1: node server.js'],
    ['no name', ': node server.js'],
    ['no colon', 'web node server.js'],
  ])('rejects %s', (_, line) => {
    const error = procfileError(() => parseProcfile(`ok: true\n${line}\n`, 'Procfile'));
    expect(error.line).toBe(2);
    expect(error.message).toMatch(/^Procfile:2: expected "name: command"/);
  });

  it('rejects a name used twice, naming the line of its first use', () => {
    const error = procfileError(() =>
      parseProcfile('web: a\nworker: b\n\nweb: c\n', 'Procfile.dev'),
    );
    expect(error.line).toBe(4);
    expect(error.message).toBe(
      'Procfile.dev:4: process name "web" is used twice (first on line 1); names must be unique',
    );
  });

  it('rejects a process without a command', () => {
    const error = procfileError(() => parseProcfile('web: a\nworker:   \n', 'Procfile'));
    expect(error.line).toBe(2);
    expect(error.message).toBe('Procfile:2: process "worker" has no command after the colon');
  });

  it.each([
    ['an empty file', ''],
    ['only blank lines', '\n\n  \n'],
    ['only comments', '# web: node server.js\n#worker: node worker.js\n'],
  ])('rejects %s, naming the file without a line', (_, text) => {
    const error = procfileError(() => parseProcfile(text, 'Procfile'));
    expect(error.line).toBe(0);
    expect(error.message).toBe('Procfile: no processes: add lines of the form "name: command"');
  });

  it('is an Error with the name ProcfileError', () => {
    const error = procfileError(() => parseProcfile(''));
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('ProcfileError');
  });
});

describe('readProcfile', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'xsup-procfile-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads and parses a file', async () => {
    const file = join(dir, 'Procfile');
    await writeFile(file, '# dev\r\nweb: node server.js\r\nworker: node worker.js\r\n');
    expect(await readProcfile(file)).toEqual([
      { name: 'web', command: 'node server.js', line: 2 },
      { name: 'worker', command: 'node worker.js', line: 3 },
    ]);
  });

  it('reads the example Procfile of the repository', async () => {
    const entries = await readProcfile('examples/Procfile');
    expect(entries.map((entry) => entry.name)).toEqual(['steady', 'flaky']);
  });

  it('names the file and the line of a mistake in it', async () => {
    const file = join(dir, 'Procfile.bad');
    await writeFile(file, 'web: node server.js\nweb: node other.js\n');
    const error = await readError(file);
    expect(error.file).toBe(file);
    expect(error.line).toBe(2);
    expect(error.message).toBe(
      `${file}:2: process name "web" is used twice (first on line 1); names must be unique`,
    );
  });

  it('rejects an empty file', async () => {
    const file = join(dir, 'Procfile.empty');
    await writeFile(file, '');
    const error = await readError(file);
    expect(error.message).toBe(`${file}: no processes: add lines of the form "name: command"`);
  });

  it('rejects a missing file, saying what to do, with the system error as the cause', async () => {
    const file = join(dir, 'no-such-Procfile');
    const error = await readError(file);
    expect(error.line).toBe(0);
    expect(error.message).toBe(
      `${file}: no such file; pass the path of a Procfile, or run where ./Procfile is`,
    );
    expect((error.cause as NodeJS.ErrnoException).code).toBe('ENOENT');
  });

  it('rejects a directory', async () => {
    const error = await readError(dir);
    expect(error.line).toBe(0);
    expect(error.message).toBe(`${dir}: is a directory, not a Procfile`);
  });
});
