import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseFormation, planInstances } from '../../src/cli/formation.js';
import { main } from '../../src/cli/main.js';
import { parseProcfile } from '../../src/cli/procfile.js';
import {
  execArgument,
  type SystemdExport,
  systemdEnvWarnings,
  systemdUnits,
} from '../../src/cli/systemd.js';
import { collector } from '../fixtures/processes.js';

const procfile = parseProcfile(
  'web: node server.js --port $PORT\nworker: cd jobs && node worker.js 100%\n',
);

const base: SystemdExport = {
  app: 'shop',
  procfile: '/srv/shop/Procfile',
  root: '/srv/shop',
  envFiles: ['/srv/shop/.env'],
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
  test('one target that wants one service per instance', () => {
    const units = systemdUnits(base);
    expect(units.map((unit) => unit.file)).toEqual([
      'shop.target',
      'shop-web.1.service',
      'shop-web.2.service',
      'shop-worker.service',
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
        '# No restart limit, as xsup without --max-restarts.',
        'StartLimitIntervalSec=0',
        '',
        '[Service]',
        'Type=simple',
        'WorkingDirectory=/srv/shop',
        'EnvironmentFile=/srv/shop/.env',
        'ExecStart=/usr/bin/env PORT=5001 /bin/sh -c "exec node server.js --port $$PORT"',
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
      'ExecStart=/usr/bin/env PORT=5100 /bin/sh -c "trap : HUP TERM; cd jobs && node worker.js 100%%"',
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
      envFiles: [],
    })[1]!.text;
    expect(text).toContain('\nStartLimitIntervalSec=30s\nStartLimitBurst=6\n');
    expect(text).toContain('\nTimeoutStopSec=2500ms\n');
    expect(text).toContain('\nUser=shop\n');
    expect(text).toContain('\nRestartSec=1s\n');
    expect(text).not.toContain('RestartSteps');
    expect(text).not.toContain('EnvironmentFile');
  });

  test('warns about env file lines systemd reads differently', () => {
    expect(systemdEnvWarnings('.env', 'A=1\nexport B=2\n')).toEqual([
      `.env:2: systemd's EnvironmentFile= does not take the "export " prefix; write KEY=value there for the units`,
    ]);
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
      'app.target',
    ]);
    const web1 = await readFile(join(out, 'app-web.1.service'), 'utf8');
    expect(web1).toContain(`EnvironmentFile=${join(app, '.env')}\n`);
    expect(web1).toContain('ExecStart=/usr/bin/env PORT=7000 /bin/sh -c "exec node web.js"');
    expect(web1).toContain(`WorkingDirectory=${process.cwd()}\n`);
    expect(web1).toContain('TimeoutStopSec=3s');
    // The value of a variable never goes into a unit or a message.
    for (const file of await readdir(out))
      expect(await readFile(join(out, file), 'utf8')).not.toContain('hunter2');
    expect(stderr.text()).toBe(
      `xsup: ${join(app, '.env')}:1: systemd's EnvironmentFile= does not take the "export " prefix; write KEY=value there for the units\n`,
    );
    expect(stdout.lines()).toContain(`wrote ${join(out, 'app.target')}`);

    // Again with one web: web.1 and web.2 are gone, web is new; a file of the user's stays.
    await writeFile(join(out, 'app-notes.service'), '# mine\n');
    expect(await main([...args, '--app', 'app'], { ...io, stdout: collector() })).toBe(0);
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
