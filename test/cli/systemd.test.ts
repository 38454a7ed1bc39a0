import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseFormation, planInstances } from '../../src/cli/formation.js';
import { main } from '../../src/cli/main.js';
import { parseProcfile } from '../../src/cli/procfile.js';
import { systemdStartsWithin } from '../../src/cli/systemdRestart.js';
import { execArgument } from '../../src/cli/systemdSyntax.js';
import { type SystemdExport, systemdUnits } from '../../src/cli/systemdUnits.js';
import { collector } from '../fixtures/processes.js';

const procfile = parseProcfile(
  'web: node server.js --port $PORT\nworker: cd jobs && node worker.js 100%\n',
);

const base: SystemdExport = {
  app: 'shop',
  procfile: '/srv/shop/Procfile',
  root: '/srv/shop',
  envFiles: ['/srv/shop/.env'],
  vars: { DATABASE_URL: 'postgres://localhost/shop', PORT: '5000' },
  envFile: '/srv/shop/deploy/shop.env',
  instances: planInstances(procfile, {
    procfile: 'Procfile',
    formation: parseFormation('web=2,worker=1'),
  }),
  restart: 'permanent',
  backoffInitial: 200,
  backoffMax: 30_000,
  backoffFactor: 2,
  maxRestartsWindow: 60_000,
  shutdownTimeout: 10_000,
};

describe('xsup export systemd: the units', () => {
  test('one target that wants one service per instance, and the env file, private', () => {
    const units = systemdUnits(base);
    expect(units.map((unit) => [unit.file, unit.mode])).toEqual([
      ['shop.target', undefined],
      ['shop-web.1.service', undefined],
      ['shop-web.2.service', undefined],
      ['shop-worker.service', undefined],
      ['shop.env', 0o600],
    ]);
    expect(units[0]!.text).toBe(
      [
        '# Written by xsup export systemd.',
        '# From /srv/shop/Procfile; export again after changing it.',
        '[Unit]',
        'Description=shop: the processes of /srv/shop/Procfile',
        'Wants=shop-web.1.service shop-web.2.service shop-worker.service',
        '',
        '[Install]',
        'WantedBy=multi-user.target',
        '',
      ].join('\n'),
    );
  });

  test('a service runs its command as xsup does and is stopped and restarted as xsup would', () => {
    const web2 = systemdUnits(base)[2]!.text;
    expect(web2).toBe(
      [
        '# Written by xsup export systemd.',
        '# From /srv/shop/Procfile; export again after changing it.',
        '[Unit]',
        'Description=shop: web.2 (/srv/shop/Procfile line 1)',
        'PartOf=shop.target',
        'After=network.target',
        '# No restart limit, as xsup without --max-restarts: on systemd 254 or later the growing delay never starts the service more than 8 times within 30s.',
        '# systemd before 254 does not grow the delay and restarts every 200ms: there, this limit ends a crash loop (the service is left failed).',
        'StartLimitIntervalSec=30s',
        'StartLimitBurst=8',
        '',
        '[Service]',
        'Type=simple',
        'WorkingDirectory=/srv/shop',
        'Environment=PORT=5001',
        'Environment=PS=web.2',
        'EnvironmentFile=/srv/shop/deploy/shop.env',
        'ExecStart=/bin/sh -c "exec node server.js --port $$PORT"',
        '# SIGHUP to every process of the service, as xsup reloads.',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: systemd's own ${MAINPID}
        'ExecReload=/bin/kill -s HUP -- -${MAINPID}',
        '# SIGTERM to every process of the service, SIGKILL to what is left after the grace period.',
        'KillMode=control-group',
        'KillSignal=SIGTERM',
        'TimeoutStopSec=10s',
        '# A shell ended by SIGTERM exits with 143: a clean stop.',
        'SuccessExitStatus=143',
        'Restart=always',
        'RestartSec=200ms',
        '# The delay grows over 8 restarts to the longest one (systemd 254 or later).',
        'RestartSteps=8',
        'RestartMaxDelaySec=30s',
        'SyslogIdentifier=shop-web.2',
        '',
      ].join('\n'),
    );
  });

  test('a compound command keeps its shell and its trap; % and quotes are escaped for systemd', () => {
    const worker = systemdUnits(base)[3]!.text;
    expect(worker).toContain(
      'ExecStart=/bin/sh -c "trap : HUP TERM; cd jobs && node worker.js 100%%"',
    );
    expect(execArgument(`echo "a\\b" $HOME 5%`)).toBe('"echo \\"a\\\\b\\" $$HOME 5%%"');
  });

  test.each([
    ['transient', 'Restart=on-failure'],
    ['temporary', 'Restart=no'],
  ] as const)('--restart=%s is %s', (restart, line) => {
    const text = systemdUnits({ ...base, restart })[1]!.text;
    expect(text).toContain(`\n${line}\n`);
    if (restart === 'temporary') expect(text).not.toContain('RestartSec');
  });

  test('--max-restarts, --shutdown-timeout, --user and the backoff flags carry over', () => {
    const text = systemdUnits({
      ...base,
      user: 'shop',
      maxRestarts: 5,
      maxRestartsWindow: 30_000,
      shutdownTimeout: 2_500,
      backoffInitial: 1_000,
      backoffMax: 1_000,
      vars: { PORT: '3000' },
    })[1]!.text;
    expect(text).toContain('\nStartLimitIntervalSec=30s\nStartLimitBurst=6\n');
    expect(text).toContain('\nTimeoutStopSec=2500ms\n');
    expect(text).toContain('\nUser=shop\n');
    expect(text).toContain('\nRestartSec=1s\n');
    expect(text).not.toContain('RestartSteps');
    expect(text).not.toContain('EnvironmentFile');
  });

  test('the env file holds every variable but PORT and PS, double-quoted as systemd reads them', () => {
    const env = systemdUnits({
      ...base,
      vars: { MOTD: 'two\nlines', PS: 'x', QUOTE: 'a "b" `c` $d \\e', PORT: '1' },
    }).at(-1)!;
    expect(env.file).toBe('shop.env');
    expect(env.text).toBe(
      [
        '# Written by xsup export systemd.',
        `# The variables of "/srv/shop/.env" for the units of "shop", in the syntax of systemd's EnvironmentFile=. Export again after changing them.`,
        '# It holds their values: keep it private (mode 0600), and out of version control.',
        'MOTD="two',
        'lines"',
        'QUOTE="a \\"b\\" \\`c\\` \\$d \\\\e"',
        '',
      ].join('\n'),
    );
    // Without such variables, no env file and no EnvironmentFile=.
    const units = systemdUnits({ ...base, vars: { PORT: '7000' } });
    expect(units.map((unit) => unit.file)).not.toContain('shop.env');
    expect(units[1]!.text).not.toContain('EnvironmentFile');
  });
});

/** Durations as the units write them: `200ms`, `30s`. */
const seconds = (text: string) =>
  text.endsWith('ms') ? Number(text.slice(0, -2)) / 1000 : Number(text.slice(0, -1));

/**
 * A service that fails at once, every time, under systemd: the start at which the start limit
 * stops it, or null when it is still restarting after `starts` starts. systemd 254 or later grows
 * the delay (`RestartSteps=`, `RestartMaxDelaySec=`, as service_restart_usec_next()); older
 * versions ignore both and wait `RestartSec=` every time. The limit is systemd's ratelimit: a
 * window of `StartLimitIntervalSec=` from its first start, at most `StartLimitBurst=` starts in it.
 */
function crashLoop(unit: string, version: 252 | 254, starts = 2_000): number | null {
  const setting = (key: string) => new RegExp(`^${key}=(.+)$`, 'm').exec(unit)?.[1];
  const restartSec = seconds(setting('RestartSec')!);
  const steps = version >= 254 ? Number(setting('RestartSteps') ?? 0) : 0;
  const maxDelay = version >= 254 ? seconds(setting('RestartMaxDelaySec') ?? '0s') : 0;
  const interval = seconds(setting('StartLimitIntervalSec')!);
  const burst = Number(setting('StartLimitBurst') ?? 5);
  let now = 0;
  let begin = -1;
  let count = 0;
  for (let start = 1; start <= starts; start += 1) {
    if (start > 1) {
      const restart = start - 1;
      now +=
        steps === 0 || restart <= 1
          ? restartSec
          : restart > steps
            ? maxDelay
            : restartSec * (maxDelay / restartSec) ** ((restart - 1) / steps);
    }
    if (interval === 0) continue;
    if (begin < 0 || now - begin > interval) {
      begin = now;
      count = 0;
    }
    if (count >= burst) return start;
    count += 1;
  }
  return null;
}

describe('xsup export systemd: restarts on systemd before 254 and after', () => {
  test('systemdStartsWithin counts the starts of the growing delay within a window', () => {
    // 200 ms growing to 30 s over 8 steps: starts at 0, 0.2, 0.57, 1.27, 2.58, 5.03, 9.61, 18.2 s, then 34.2 s.
    expect(systemdStartsWithin(30_000, { initialMs: 200, maxMs: 30_000, steps: 8 })).toBe(8);
    expect(systemdStartsWithin(18_000, { initialMs: 200, maxMs: 30_000, steps: 8 })).toBe(7);
    expect(systemdStartsWithin(10_000, { initialMs: 1_000, maxMs: 2_000, steps: 1 })).toBe(6);
  });

  test.each([
    { backoffInitial: 200, backoffMax: 30_000, backoffFactor: 2 },
    { backoffInitial: 1_000, backoffMax: 2_000, backoffFactor: 2 },
    { backoffInitial: 50, backoffMax: 600_000, backoffFactor: 1.5 },
    { backoffInitial: 5_000, backoffMax: 300_000, backoffFactor: 3 },
    { backoffInitial: 1_000, backoffMax: 1_001, backoffFactor: 1.000001 },
  ])(
    'without --max-restarts, a crash loop goes on for ever on systemd 254 and ends on 252 (%o)',
    (policy) => {
      const unit = systemdUnits({ ...base, ...policy })[1]!.text;
      expect(crashLoop(unit, 254)).toBeNull();
      const ended = crashLoop(unit, 252);
      expect(ended).not.toBeNull();
      expect(ended!).toBeLessThanOrEqual(100);
    },
  );

  test('with --max-restarts, 254 gives up as xsup would, and 252 gives up too', () => {
    // 3 restarts within 10 s: the 5th quick start is refused on both.
    const few = systemdUnits({ ...base, maxRestarts: 3, maxRestartsWindow: 10_000 })[1]!.text;
    expect(few).toContain('\nStartLimitIntervalSec=10s\nStartLimitBurst=4\n');
    expect([crashLoop(few, 254), crashLoop(few, 252)]).toEqual([5, 5]);
    // 1000 restarts within a minute: 254's delay never allows them; 252's every 200 ms would,
    // so the limit is the most 254 can reach, and 252 still stops.
    const many = systemdUnits({ ...base, maxRestarts: 1000, maxRestartsWindow: 60_000 })[1]!.text;
    expect(many).toContain('\nStartLimitIntervalSec=60s\nStartLimitBurst=9\n');
    expect(crashLoop(many, 254)).toBeNull();
    expect(crashLoop(many, 252)).toBe(10);
  });

  test('a delay that does not grow is the same on every systemd: no limit without --max-restarts', () => {
    const unit = systemdUnits({ ...base, backoffInitial: 1_000, backoffMax: 1_000 })[1]!.text;
    expect(unit).toContain('\nStartLimitIntervalSec=0\n');
    expect(unit).not.toContain('RestartSteps');
    expect([crashLoop(unit, 254), crashLoop(unit, 252)]).toEqual([null, null]);
  });
});

describe('xsup export systemd: the command', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'xsup-export-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  test('writes the units into DIR, replaces an earlier export and leaves other files alone', async () => {
    const app = join(dir, 'app');
    const out = join(dir, 'units');
    await rm(app, { recursive: true, force: true });
    await import('node:fs/promises').then((fs) => fs.mkdir(app, { recursive: true }));
    await writeFile(join(app, 'Procfile'), 'web: node web.js\nworker: node worker.js\n');
    await writeFile(join(app, '.env'), 'export SECRET=hunter2\nPORT=7000\n');
    const stdout = collector();
    const stderr = collector();
    const io = { stdout, stderr, env: {} };
    const args = ['export', 'systemd', out, join(app, 'Procfile'), '--shutdown-timeout=3000'];
    expect(await main([...args, '-m', 'web=2,worker=1'], io)).toBe(0);
    expect((await readdir(out)).sort()).toEqual([
      'app-web.1.service',
      'app-web.2.service',
      'app-worker.service',
      'app.env',
      'app.target',
    ]);
    const web1 = await readFile(join(out, 'app-web.1.service'), 'utf8');
    expect(web1).toContain(
      `Environment=PORT=7000\nEnvironment=PS=web.1\nEnvironmentFile=${join(out, 'app.env')}\n`,
    );
    expect(web1).toContain('ExecStart=/bin/sh -c "exec node web.js"');
    expect(web1).toContain(`WorkingDirectory=${process.cwd()}\n`);
    expect(web1).toContain('TimeoutStopSec=3s');
    // The values are in the env file only, which only its owner reads; never in a unit or a message.
    expect(await readFile(join(out, 'app.env'), 'utf8')).toContain('\nSECRET="hunter2"\n');
    expect((await stat(join(out, 'app.env'))).mode & 0o777).toBe(0o600);
    for (const file of await readdir(out)) {
      if (file !== 'app.env')
        expect(await readFile(join(out, file), 'utf8')).not.toContain('hunter2');
    }
    expect(stderr.text()).toBe('');
    expect(stdout.text()).not.toContain('hunter2');
    expect(stdout.lines()).toContain(`wrote ${join(out, 'app.target')}`);
    expect(stdout.lines()).toContain(
      `wrote ${join(out, 'app.env')} (mode 0600: it holds the values of the env files)`,
    );

    // Again with one web and no env file: web.1, web.2 and app.env are gone, web is new; a
    // file of the user's stays.
    await writeFile(join(out, 'app-notes.service'), '# mine\n');
    expect(await main([...args, '--app', 'app', '--no-env'], { ...io, stdout: collector() })).toBe(
      0,
    );
    expect((await readdir(out)).sort()).toEqual([
      'app-notes.service',
      'app-web.service',
      'app-worker.service',
      'app.target',
    ]);
    expect((await stat(join(out, 'app-web.service'))).isFile()).toBe(true);
  });

  test('rejects an unknown format, a bad --app and a malformed env file with exit code 2', async () => {
    const stderr = collector();
    const io = { stdout: collector(), stderr, env: {} };
    expect(await main(['export', 'upstart', dir], io)).toBe(2);
    expect(stderr.text()).toContain(
      "value 'upstart' is invalid for argument 'format'. Allowed choices are systemd.",
    );
    await writeFile(join(dir, 'Procfile'), 'web: node web.js\n');
    expect(await main(['export', 'systemd', dir, join(dir, 'Procfile'), '-a', 'a b'], io)).toBe(2);
    expect(stderr.text()).toContain('-a, --app must be letters, digits');
    await writeFile(join(dir, '.env'), 'A=1\nnot a line\n');
    expect(await main(['export', 'systemd', join(dir, 'out'), join(dir, 'Procfile')], io)).toBe(2);
    expect(stderr.text()).toContain(`xsup: ${join(dir, '.env')}:2: expected KEY=value`);
  });
});
