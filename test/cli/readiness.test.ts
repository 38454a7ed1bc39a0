/**
 * `--ready=NAME:KIND`, `--ready-timeout` and `--sequential`: the flags as parsed, the checks each
 * instance gets, the systemd units they make, and a real `xsup` whose `/readyz` and
 * `xsup status --json` wait for a port that opens late.
 */
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, type TestContext, test } from 'vitest';
import { parseFormation, planInstances } from '../../src/cli/formation.js';
import { type CliIo, main, runEntries } from '../../src/cli/main.js';
import { parseProcfile } from '../../src/cli/procfile.js';
import { parseReady, readyChecks } from '../../src/cli/readiness.js';
import { type SystemdExport, systemdUnits } from '../../src/cli/systemdUnits.js';
import { UsageError } from '../../src/cli/usage.js';
import { waitGone } from '../fixtures/processes.js';
import { quote, tempProjects, Xsup, xsupOnce } from '../support/xsup.js';

const READY_SCRIPT = fileURLToPath(new URL('../fixtures/ready.mjs', import.meta.url));
const ready = (...args: string[]) =>
  [quote(process.execPath), quote(READY_SCRIPT), ...args.map(quote)].join(' ');

const project = tempProjects('xsup-ready-');

function collect(): CliIo & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: {
      write(text: string | Uint8Array) {
        out += String(text);
      },
    },
    stderr: {
      write(text: string | Uint8Array) {
        err += String(text);
      },
    },
    env: {},
    out: () => out,
    err: () => err,
  };
}

const procfile = parseProcfile('web: node web.js\ndb: postgres\nworker: node worker.js\n');

describe('--ready=NAME:KIND', () => {
  test('parses notify, port and line:REGEX (the regex may hold colons)', () => {
    expect(parseReady('db:notify')).toEqual({ name: 'db', kind: 'notify' });
    expect(parseReady('web:port')).toEqual({ name: 'web', kind: 'port' });
    const line = parseReady('worker:line:^ready: (\\d+) jobs$');
    expect(line).toMatchObject({ name: 'worker', kind: 'line' });
    expect(line.kind === 'line' && line.pattern.test('ready: 3 jobs')).toBe(true);
  });

  test.each([
    ['web', /--ready: expected NAME:KIND, KIND one of notify, port, line:REGEX .*; got "web"/],
    ['web:http', /--ready: unknown kind "http" in "web:http"; the kinds: notify, port, line:REGEX/],
    [
      'web:line:',
      /--ready: the kind line needs a regular expression after "line:"; got "web:line:"/,
    ],
    ['web:line:(', /--ready: "\(" in "web:line:\(" is not a valid regular expression/],
    [':port', /--ready: expected NAME:KIND.*; got ":port"/],
  ])('refuses %j, naming the flag, the value and what is allowed', (value, message) => {
    expect(() => parseReady(value)).toThrow(UsageError);
    expect(() => parseReady(value)).toThrow(message);
  });

  test('names must be processes of the Procfile, once each; an instance name says to name the process', () => {
    expect([...readyChecks(['web:port', 'db:notify'], procfile, 'Procfile').keys()]).toEqual([
      'web',
      'db',
    ]);
    expect(() => readyChecks(['wbe:port'], procfile, 'Procfile')).toThrow(
      '--ready: no process named "wbe" in Procfile (in "wbe:port"); its processes: web, db, worker',
    );
    expect(() => readyChecks(['web.2:port'], procfile, 'Procfile')).toThrow(
      '--ready: "web.2:port" names the instance "web.2"; name the process ("web"): the check applies to each of its instances',
    );
    expect(() => readyChecks(['web:port', 'web:notify'], procfile, 'Procfile')).toThrow(
      '--ready: "web" is given twice',
    );
  });

  test('applies to every instance of a formation, a port check on each instance’s own PORT', () => {
    const instances = planInstances(procfile, {
      procfile: 'Procfile',
      formation: parseFormation('web=3,db=1,worker=1'),
      basePort: 7000,
    });
    const checks = readyChecks(['web:port', 'worker:line:^up$'], procfile, 'Procfile');
    const entries = runEntries(instances, {}, checks);
    expect(entries.map((entry) => [entry.name, entry.ready])).toEqual([
      ['web.1', { kind: 'port', port: 7000 }],
      ['web.2', { kind: 'port', port: 7001 }],
      ['web.3', { kind: 'port', port: 7002 }],
      ['db', undefined],
      ['worker', { kind: 'line', pattern: /^up$/ }],
    ]);
  });

  test('xsup start with a bad --ready exits 2 with one line, and starts nothing', async () => {
    const dir = await project({ Procfile: 'web: node web.js\n' });
    for (const [flag, message] of [
      ['--ready=web:http', 'xsup: --ready: unknown kind "http" in "web:http"'],
      ['--ready=api:port', 'xsup: --ready: no process named "api"'],
    ] as const) {
      const io = collect();
      expect(await main(['start', flag, join(dir, 'Procfile')], io)).toBe(2);
      expect(io.err()).toContain(message);
      expect(io.err().trim().split('\n')).toHaveLength(1);
      expect(io.out()).toBe('');
    }
    const io = collect();
    expect(await main(['start', '--ready-timeout=soon', join(dir, 'Procfile')], io)).toBe(2);
    expect(io.err()).toContain('--ready-timeout must be a whole number');
  });
});

describe('xsup export systemd with --ready and --sequential', () => {
  const base: SystemdExport = {
    app: 'shop',
    procfile: '/srv/shop/Procfile',
    root: '/srv/shop',
    envFiles: [],
    vars: {},
    envFile: '/srv/shop/deploy/shop.env',
    instances: planInstances(
      parseProcfile('db: postgres -D data\nweb: cd app && node web.js\nworker: node worker.js\n'),
      { procfile: 'Procfile', formation: parseFormation('all=1,web=2') },
    ),
    restart: 'permanent',
    backoffInitial: 200,
    backoffMax: 30_000,
    backoffFactor: 2,
    maxRestartsWindow: 60_000,
    shutdownTimeout: 10_000,
  };
  const service = (units: ReturnType<typeof systemdUnits>, name: string) =>
    units.find((unit) => unit.file === `shop-${name}.service`)!.text.split('\n');

  test('Type=notify for notify processes: NotifyAccess=main when the program is the main process, all when a shell stays', () => {
    const units = systemdUnits({
      ...base,
      ready: readyChecks(
        ['db:notify', 'web:notify', 'worker:port'],
        base.instances.map((i) => i.entry),
        'Procfile',
      ),
      readyTimeout: 90_000,
    });
    const db = service(units, 'db');
    expect(db).toContain('Type=notify');
    expect(db).toContain('NotifyAccess=main');
    expect(db).toContain('TimeoutStartSec=90s');
    expect(db).not.toContain('Type=simple');
    const web = service(units, 'web.2');
    expect(web).toContain('Type=notify');
    expect(web).toContain('NotifyAccess=all');
    const worker = service(units, 'worker');
    expect(worker).toContain('Type=simple');
    expect(worker).toContain(
      '# --ready=worker:port: systemd has no such check; the service counts as started at once.',
    );
    expect(worker.some((line) => line.startsWith('NotifyAccess='))).toBe(false);
    // Without --ready, nothing changes.
    expect(service(systemdUnits(base), 'db')).toContain('Type=simple');
  });

  test('--sequential: each service after, and requiring, the one before it in Procfile order', () => {
    const units = systemdUnits({ ...base, sequential: true });
    const order = (name: string) =>
      service(units, name).filter((line) => /^(After|Requires)=/.test(line));
    expect(order('db')).toEqual(['After=network.target']);
    expect(order('web.1')).toEqual([
      'After=network.target',
      'After=shop-db.service',
      'Requires=shop-db.service',
    ]);
    expect(order('web.2')).toContain('Requires=shop-web.1.service');
    expect(order('worker')).toContain('After=shop-web.2.service');
    expect(service(systemdUnits(base), 'web.1').filter((l) => l.startsWith('Requires='))).toEqual(
      [],
    );
  });

  test('the command carries the flags into the units', async () => {
    const dir = await project({ Procfile: 'db: postgres\nweb: node web.js\n' });
    const out = join(dir, 'units');
    const io = collect();
    expect(
      await main(
        [
          'export',
          'systemd',
          out,
          join(dir, 'Procfile'),
          '--ready=db:notify',
          '--ready=web:port',
          '--ready-timeout=5000',
          '--sequential',
          '--app=shop',
        ],
        io,
      ),
    ).toBe(0);
    const db = await readFile(join(out, 'shop-db.service'), 'utf8');
    expect(db).toContain('\nType=notify\nNotifyAccess=main\n');
    expect(db).toContain('\nTimeoutStartSec=5s\n');
    const web = await readFile(join(out, 'shop-web.service'), 'utf8');
    expect(web).toContain('\nAfter=shop-db.service\nRequires=shop-db.service\n');
    const badIo = collect();
    expect(
      await main(['export', 'systemd', out, join(dir, 'Procfile'), '--ready=cache:notify'], badIo),
    ).toBe(2);
    expect(badIo.err()).toContain('--ready: no process named "cache"');
  });
});

async function freePorts(count: number): Promise<number> {
  for (;;) {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise((resolve) => server.close(resolve));
    if (port + count > 65_535) continue;
    const free = await Promise.all(
      Array.from({ length: count }, (_, i) => port + i).map(
        (candidate) =>
          new Promise<boolean>((resolve) => {
            const probe = createServer();
            probe.once('error', () => resolve(false));
            probe.listen(candidate, '127.0.0.1', () => probe.close(() => resolve(true)));
          }),
      ),
    );
    if (free.every(Boolean)) return port;
  }
}

function start(context: TestContext, args: readonly string[]): Xsup {
  const run = new Xsup(args);
  context.onTestFinished(() => run.cleanup());
  return run;
}

/*
 * These need the group to wait for a child that signals readiness (`readyTimeoutMs`, and
 * `describeTree`'s `ready` meaning ready): before that, /readyz answers 200 as soon as the
 * processes run.
 */
describe.concurrent('xsup start --ready: /readyz and status wait for readiness', () => {
  test('/readyz answers 503 until every instance’s port accepts connections, then 200; status --json says which are ready', async (context) => {
    const { expect } = context;
    const base = await freePorts(2);
    // web.1 opens its port 2 s after it started, web.2 after 4 s (by their PORTs).
    const command = [quote(process.execPath), quote(READY_SCRIPT), 'port'].join(' ');
    const dir = await project({
      Procfile: `web: ${command} $(( 2000 * (PORT - ${base} + 1) ))\n`,
    });
    const file = join(dir, 'Procfile');
    const run = start(context, [
      'start',
      '-m',
      'web=2',
      '-p',
      String(base),
      '--ready=web:port',
      '--ready-timeout=20000',
      '--health=0',
      file,
    ]);
    const [, url] = await run.waitLine(
      /^xsup: health endpoints on (http:\/\/127\.0\.0\.1:\d+)\/livez, \S+\/readyz and \S+\/metrics$/,
      'stderr',
    );
    await run.waitLines(/started pid=\d+$/, 2);
    const readyz = async () => {
      const response = await fetch(`${url}/readyz`);
      await response.body?.cancel();
      return response.status;
    };
    const status = async () => {
      const { stdout } = await xsupOnce(['status', '--json', '-f', file]);
      return Object.fromEntries(
        (
          JSON.parse(stdout) as { processes: Array<{ name: string; ready: boolean }> }
        ).processes.map((p) => [p.name, p.ready]),
      );
    };
    expect(await readyz()).toBe(503);
    expect(await status()).toEqual({ 'web.1': false, 'web.2': false });
    await run.waitLine(/^web\.1 +\| ready now$/);
    // web.1 is ready (its port accepts), web.2 not yet.
    await expect.poll(status, { timeout: 5_000, interval: 100 }).toEqual({
      'web.1': true,
      'web.2': false,
    });
    expect(await readyz()).toBe(503);
    await expect.poll(readyz, { timeout: 10_000, interval: 100 }).toBe(200);
    expect(await status()).toEqual({ 'web.1': true, 'web.2': true });
    run.signal('SIGTERM');
    expect(await run.finished()).toEqual({ code: 0, signal: null });
    await waitGone(run.pids());
  });

  test('--sequential with --ready=NAME:line starts the next process only once the one before printed its line', async (context) => {
    const { expect } = context;
    const dir = await project({
      Procfile: `first: ${ready('line', '1200')}\nsecond: ${ready('line', '0')}\n`,
    });
    const run = start(context, [
      'start',
      '--sequential',
      '--ready=first:line:^listening on',
      join(dir, 'Procfile'),
    ]);
    await run.waitLine(/^second +\| started pid=\d+$/);
    const lines = run.lines();
    const firstReady = lines.findIndex((line) => /^first +\| listening on/.test(line));
    const secondStarted = lines.findIndex((line) => /^second +\| started pid=/.test(line));
    expect(firstReady).toBeGreaterThanOrEqual(0);
    expect(secondStarted).toBeGreaterThan(firstReady);
    run.signal('SIGTERM');
    expect(await run.finished()).toEqual({ code: 0, signal: null });
    await waitGone(run.pids());
  });
});
