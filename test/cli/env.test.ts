import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { EnvFileError, envFiles, loadEnvFiles, parseEnvFile } from '../../src/cli/env.js';

const values = (text: string) =>
  Object.fromEntries(parseEnvFile(text).map((entry) => [entry.key, entry.value]));

describe('parseEnvFile', () => {
  test('reads KEY=value, export KEY=value, quotes, comments and blank lines, as foreman', () => {
    const text = [
      '# the database',
      'DATABASE_URL=postgres://localhost/app',
      '',
      'export API_KEY=abc123',
      "SINGLE='a $literal \\n value'",
      'DOUBLE="line one\\nline two \\"quoted\\" \\\\ end"',
      'SPACED = hello world  # a comment',
      'EMPTY=',
      'HASH=a#b',
      'QUOTED_COMMENT="x" # why',
      '   INDENTED=1',
      'CRLF=yes\r',
    ].join('\n');
    expect(values(text)).toEqual({
      DATABASE_URL: 'postgres://localhost/app',
      API_KEY: 'abc123',
      SINGLE: 'a $literal \\n value',
      DOUBLE: 'line one\nline two "quoted" \\ end',
      SPACED: 'hello world',
      EMPTY: '',
      HASH: 'a#b',
      QUOTED_COMMENT: 'x',
      INDENTED: '1',
      CRLF: 'yes',
    });
  });

  test('reads a quoted value over several lines up to its closing quote: godotenv quoted.env J–M', () => {
    const text = [
      "OPTION_J='line 1",
      "line 2'",
      "OPTION_K='line one",
      "this is \\'quoted\\'",
      "one more line'",
      'OPTION_L="line 1',
      'line 2"',
      'OPTION_M="line one',
      'this is \\"quoted\\"',
      'one more line"',
      'AFTER=1',
    ].join('\n');
    expect(parseEnvFile(text, '.env').map((entry) => [entry.key, entry.value, entry.line])).toEqual(
      [
        ['OPTION_J', 'line 1\nline 2', 1],
        ['OPTION_K', "line one\nthis is \\'quoted\\'\none more line", 3],
        ['OPTION_L', 'line 1\nline 2', 6],
        ['OPTION_M', 'line one\nthis is "quoted"\none more line', 8],
        ['AFTER', '1', 11],
      ],
    );
  });

  test('reads a line break inside double quotes as godotenv TestVariableStringValueSeparator does', () => {
    expect(
      values(
        'TEST_URLS="stratum+tcp://stratum.antpool.com:3333\nstratum+tcp://stratum.antpool.com:443"',
      ),
    ).toEqual({
      TEST_URLS: 'stratum+tcp://stratum.antpool.com:3333\nstratum+tcp://stratum.antpool.com:443',
    });
  });

  test('reads a PEM key spread over lines, CRLF line ends as LF, a comment after the closing quote', () => {
    const pem = [
      '-----BEGIN PRIVATE KEY-----',
      'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC',
      '-----END PRIVATE KEY-----',
    ];
    const text = `# keys\r\nexport TLS_KEY="${pem.join('\r\n')}" # the key\r\nNEXT=2\r\n`;
    expect(parseEnvFile(text, '.env')).toEqual([
      { key: 'TLS_KEY', value: pem.join('\n'), file: '.env', line: 2 },
      { key: 'NEXT', value: '2', file: '.env', line: 5 },
    ]);
    // Whitespace at the ends of inner lines is the value's.
    expect(values('A="x  \n  y"\n')).toEqual({ A: 'x  \n  y' });
  });

  test('gives each variable its line, and keeps a key set twice in order (the later wins)', () => {
    expect(parseEnvFile('A=1\n\nA=2\n', 'app.env')).toEqual([
      { key: 'A', value: '1', file: 'app.env', line: 1 },
      { key: 'A', value: '2', file: 'app.env', line: 3 },
    ]);
  });

  test.each([
    ['no "="', 'A=1\nSECRET_TOKEN_hunter2\n', 2, 'expected KEY=value'],
    ['a name starting with a digit', '1A=hunter2\n', 1, 'expected KEY=value'],
    ['a space in the name', 'MY KEY=hunter2\n', 1, 'expected KEY=value'],
    [
      'an unclosed quote',
      'A=1\nB=2\nPASSWORD="hunter2\nC=3\n',
      3,
      'the value of PASSWORD opens a " quote that is not closed before the end of the file',
    ],
    [
      'text after a closing quote lines later',
      "A=1\nPASSWORD='hunter2\nhunter3' trailing\n",
      2,
      'the value of PASSWORD has text after its closing',
    ],
    ['a NUL byte in a value', 'A=1\nTOKEN="hunter2\0"\n', 2, 'the value of TOKEN holds a NUL byte'],
    [
      'text after the closing quote',
      "PASSWORD='hunter2' trailing\n",
      1,
      'has text after its closing',
    ],
  ])('rejects %s with the file and line, naming no value', (_what, text, line, message) => {
    let error: unknown;
    try {
      parseEnvFile(text, 'config/.env');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(EnvFileError);
    const { message: text2, file, line: at } = error as EnvFileError;
    expect(text2).toMatch(new RegExp(`^config/\\.env:${line}: `));
    expect(text2).toContain(message);
    expect(text2).not.toContain('hunter2');
    expect([file, at]).toEqual(['config/.env', line]);
  });
});

describe('env files', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'xsup-env-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  test('.env beside the Procfile by default, optional; --env files required; --no-env none', () => {
    expect(envFiles({ env: undefined, procfile: 'app/Procfile' })).toEqual([
      { file: 'app/.env', required: false },
    ]);
    expect(envFiles({ env: 'a.env, b.env', procfile: 'Procfile' })).toEqual([
      { file: 'a.env', required: true },
      { file: 'b.env', required: true },
    ]);
    expect(envFiles({ env: false, procfile: 'Procfile' })).toEqual([]);
    expect(() => envFiles({ env: 'a.env,', procfile: 'Procfile' })).toThrow(
      '-e, --env: expected FILE or FILE,FILE',
    );
  });

  test('later files win; a missing default file is skipped, a missing named one is an error', async () => {
    const first = join(dir, 'first.env');
    const second = join(dir, 'second.env');
    await writeFile(first, 'A=1\nB=1\n');
    await writeFile(second, 'B=2\n');
    const loaded = await loadEnvFiles([
      { file: join(dir, 'missing.env'), required: false },
      { file: first, required: true },
      { file: second, required: true },
    ]);
    expect(loaded.vars).toEqual({ A: '1', B: '2' });
    expect(loaded.sources).toEqual({ A: `${first}:1`, B: `${second}:1` });
    expect(loaded.files).toEqual([first, second]);
    await expect(
      loadEnvFiles([{ file: join(dir, 'missing.env'), required: true }]),
    ).rejects.toThrow(`${join(dir, 'missing.env')}: no such env file (named with -e, --env)`);
    await expect(loadEnvFiles([{ file: dir, required: true }])).rejects.toThrow(
      'is a directory, not an env file',
    );
  });
});
