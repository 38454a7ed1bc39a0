/**
 * `xsup export systemd` gives each process exactly the environment `xsup start` gives it: the
 * env files' variables (multi-line values, quotes, `$`, comments and `export ` lines
 * included), `PORT` and `PS`. Read back with a parser written to systemd.exec(5) (and systemd's
 * own tokenizer, and `systemd-analyze verify`, where systemd is installed), and compared with
 * what real processes of `xsup start` received.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseEnvFile } from '../../src/cli/env.js';
import { main } from '../../src/cli/main.js';
import { systemdEnvFile, systemdEnvValue } from '../../src/cli/systemdEnv.js';
import { collector, waitGone } from '../fixtures/processes.js';
import {
  hasSystemdTokenizer,
  parseEnvironmentFile,
  systemdTokenizerEnv,
  unitEnvironment,
} from '../support/systemd.js';
import { quote, Xsup } from '../support/xsup.js';

const DUMP_ENV = fileURLToPath(new URL('../fixtures/cli/dumpEnv.mjs', import.meta.url));

/** The example `.env` of docs/cli.md, then what real ones hold. */
const DOT_ENV = [
  '# the database of the development machine',
  'export DATABASE_URL="postgres://localhost/app_dev"',
  "GREETING='hello, $USER'       # single quotes: as written, no escapes",
  'MOTD="two\\nlines"             # double quotes: \\n is a line break, \\" a quote',
  'LOG_LEVEL=debug               # unquoted: up to a " #" comment, trimmed',
  'TLS_KEY="-----BEGIN PRIVATE KEY-----',
  'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC',
  '# not a comment: inside the quotes',
  '; nor this',
  '-----END PRIVATE KEY-----"',
  'SHELLISH=\'`date` $(id) \\ "q" %h %%\'',
  'TRAILING="ends with a backslash \\\\"',
  'SPACES="  around  "',
  'EMPTY=',
  'UNICODE=héllo wörld ✓',
  'PORT=7000',
  'PS=from-the-file',
  'CARRIAGE="a\rb"',
  '',
].join('\n');

/** MOTD of that file as systemd reads it. */
const RAW_MOTD = 'two\\nlines# double quotes: n is a line break, " a quote';

const xsupVars = () =>
  Object.fromEntries(parseEnvFile(DOT_ENV).map((entry) => [entry.key, entry.value]));

/** The variables xsup sets besides PORT and PS, which each unit sets itself. */
const fileVars = () => {
  const { PORT: _port, PS: _ps, ...rest } = xsupVars();
  return rest;
};

describe('the env file of xsup export systemd', () => {
  test("a .env read with systemd's syntax is not what xsup reads: the reason for the export's own file", () => {
    const raw = parseEnvironmentFile(DOT_ENV);
    // A backslash and an n, and the comment after the closing quote goes on the value.
    expect(raw.MOTD).toBe(RAW_MOTD);
    expect(raw.LOG_LEVEL).toBe('debug               # unquoted: up to a " #" comment, trimmed');
    expect(raw).not.toHaveProperty('DATABASE_URL');
    expect(xsupVars()).toMatchObject({
      MOTD: 'two\nlines',
      LOG_LEVEL: 'debug',
      DATABASE_URL: 'postgres://localhost/app_dev',
    });
  });

  test('is read back by a parser written to systemd.exec(5) as exactly what xsup reads', () => {
    const text = systemdEnvFile(xsupVars(), { envFiles: ['/srv/app/.env'], app: 'app' })!;
    expect(parseEnvironmentFile(text)).toEqual(fileVars());
  });

  test('any value systemd can hold comes back the same: every ASCII character, and line breaks', () => {
    const ascii = Array.from({ length: 127 }, (_, i) => String.fromCharCode(i + 1)).join('');
    const values = [
      ascii,
      '\\',
      '\\\n',
      '"',
      "'",
      '$',
      '#',
      ' # ',
      '\n#x\n;y\n',
      'a\\',
      '\\n',
      '`',
    ];
    const vars = Object.fromEntries(values.map((value, i) => [`V${i}`, value]));
    const text = systemdEnvFile(vars, { envFiles: [], app: 'app' })!;
    expect(parseEnvironmentFile(text)).toEqual(vars);
    expect(systemdEnvValue('a"b')).toBe('"a\\"b"');
  });

  test.skipIf(!hasSystemdTokenizer)(
    "is read back by systemd's own tokenizer as exactly what xsup reads",
    () => {
      const vars = fileVars();
      const text = systemdEnvFile(vars, { envFiles: [], app: 'app' })!;
      // The environment.d generator expands $VAR after reading (EnvironmentFile= does not),
      // and skips empty values: compare the others.
      const comparable = Object.fromEntries(
        Object.entries(vars).filter(([, value]) => value !== '' && !value.includes('$')),
      );
      expect(Object.keys(comparable).length).toBeGreaterThan(6);
      const read = systemdTokenizerEnv(text);
      for (const [key, value] of Object.entries(comparable)) expect(read[key]).toBe(value);
      // Its reading of the raw .env is what the hand-written parser says.
      const raw = systemdTokenizerEnv(DOT_ENV);
      expect([raw.MOTD, raw.LOG_LEVEL, raw.DATABASE_URL]).toEqual([
        RAW_MOTD,
        'debug               # unquoted: up to a " #" comment, trimmed',
        undefined,
      ]);
    },
  );

  test('refuses a value systemd cannot hold, naming the file, line and variable but not the value', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'xsup-export-nul-'));
    try {
      await writeFile(join(dir, 'Procfile'), 'web: node web.js\n');
      await writeFile(join(dir, '.env'), 'A=1\nB=hunter2\uFFFE\n');
      const stderr = collector();
      const io = { stdout: collector(), stderr, env: {} };
      expect(await main(['export', 'systemd', join(dir, 'units'), join(dir, 'Procfile')], io)).toBe(
        2,
      );
      expect(stderr.text()).toBe(
        `xsup: ${join(dir, '.env')}:2: the value of B holds a character systemd's EnvironmentFile= cannot carry (NUL, U+FEFF or a Unicode noncharacter); remove it for the export\n`,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('xsup export systemd and xsup start give each process the same environment', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'xsup-parity-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  test('PORT, PS and every variable of the env files, per instance, read as systemd reads the units', async (context) => {
    const app = join(dir, 'app');
    const dumps = join(dir, 'dumps');
    await mkdir(app);
    await mkdir(dumps);
    const command = `${quote(process.execPath)} ${quote(DUMP_ENV)} ${quote(dumps)}`;
    await writeFile(join(app, 'Procfile'), `web: ${command}\nworker: ${command}\n`);
    await writeFile(join(app, '.env'), DOT_ENV);
    const flags = ['-m', 'web=2,worker=1', '-p', '6000'];

    // What xsup start gives them.
    const environment = { GREETING: 'from the environment', ONLY_OUTSIDE: 'kept' };
    const run = new Xsup(['start', ...flags, join(app, 'Procfile')], { env: environment });
    context.onTestFinished(() => run.cleanup());
    await run.waitLines(/ ready pid=\d+$/, 3);
    run.signal('SIGTERM');
    expect(await run.finished()).toEqual({ code: 0, signal: null });
    await waitGone(run.pids());

    // What the units give them.
    const units = join(dir, 'units');
    const io = { stdout: collector(), stderr: collector(), env: {} };
    expect(await main(['export', 'systemd', units, join(app, 'Procfile'), ...flags], io)).toBe(0);
    expect(io.stderr.text()).toBe('');
    const services = (await readdir(units)).filter((file) => file.endsWith('.service')).sort();
    expect(services).toEqual(['app-web.1.service', 'app-web.2.service', 'app-worker.service']);

    // xsup's own environment, as the runner gave it; the shell adds PWD (and bash SHLVL, _).
    const inherited: Record<string, string> = {};
    for (const [key, value] of Object.entries({
      ...process.env,
      NO_COLOR: undefined,
      PORT: undefined,
      ...environment,
    })) {
      if (value !== undefined) inherited[key] = value;
    }
    const shellAdded = ['PWD', 'OLDPWD', 'SHLVL', '_'];
    for (const [service, ps, port] of [
      ['app-web.1.service', 'web.1', '6000'],
      ['app-web.2.service', 'web.2', '6001'],
      ['app-worker.service', 'worker.1', '6100'],
    ] as const) {
      const got = JSON.parse(await readFile(join(dumps, `env-${ps}.json`), 'utf8'));
      for (const key of shellAdded) delete got[key];
      const fromUnit = unitEnvironment(await readFile(join(units, service), 'utf8'), (path) =>
        readFileSync(path, 'utf8'),
      );
      expect(fromUnit).toEqual({ ...fileVars(), PORT: port, PS: ps });
      for (const key of shellAdded) delete inherited[key];
      expect(got).toEqual({ ...inherited, ...fromUnit });
    }
  });
});

/** The version of systemd-analyze, or 0 when it is not installed. */
const systemdVersion = (() => {
  const result = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' });
  return result.status === 0 ? Number(/^systemd (\d+)/.exec(result.stdout)?.[1] ?? 0) : 0;
})();

describe.skipIf(systemdVersion === 0)(`systemd-analyze verify (systemd ${systemdVersion})`, () => {
  test('finds nothing wrong in the units but, before 254, the two settings it does not know', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'xsup-verify-'));
    try {
      await writeFile(
        join(dir, 'Procfile'),
        'web: node web.js --port $PORT\nclock: cd jobs && node clock.js 5%\n',
      );
      await writeFile(join(dir, '.env'), DOT_ENV);
      const units = join(dir, 'units');
      const io = { stdout: collector(), stderr: collector(), env: {} };
      expect(
        await main(
          ['export', 'systemd', units, join(dir, 'Procfile'), '-m', 'web=2,clock=1', '-a', 'shop'],
          io,
        ),
      ).toBe(0);
      const files = (await readdir(units)).filter((file) => /\.(service|target)$/.test(file));
      const verify = spawnSync(
        'systemd-analyze',
        ['verify', '--man=no', ...files.map((file) => join(units, file))],
        { encoding: 'utf8' },
      );
      const complaints = `${verify.stdout}${verify.stderr}`
        .split('\n')
        .filter((line) => line !== '');
      if (systemdVersion >= 254) {
        expect(complaints).toEqual([]);
        expect(verify.status).toBe(0);
      } else {
        for (const line of complaints) {
          expect(line).toMatch(
            /: Unknown key '(RestartSteps|RestartMaxDelaySec)' in section \[Service\], ignoring\.$/,
          );
        }
        expect(complaints).toHaveLength(2 * 3);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
