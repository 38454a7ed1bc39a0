import { join } from 'node:path';
import { describe, type TestContext, test } from 'vitest';
import { waitGone } from '../fixtures/processes.js';
import { tempProjects, worker, Xsup, xsupOnce } from '../support/xsup.js';

const project = tempProjects('xsup-start-');

function start(
  context: TestContext,
  args: readonly string[],
  env?: Record<string, string | undefined>,
): Xsup {
  const run = new Xsup(args, env === undefined ? {} : { env });
  context.onTestFinished(() => run.cleanup());
  return run;
}

/** A Procfile command that prints what it got, then runs the worker fixture. */
const reporter = `echo "PORT=$PORT PS=$PS GREETING=$GREETING SECRET=\${SECRET:+set}" && ${worker()}`;

describe.concurrent('xsup start: env files, ports, formation, timestamps', () => {
  test('loads .env beside the Procfile; later --env files win; the environment loses; PORT by index and instance, PS the instance', async (context) => {
    const { expect } = context;
    const dir = await project({
      Procfile: `web: ${reporter}\nworker: ${reporter}\n`,
      '.env': '# defaults\nexport GREETING="hello world" # friendly\nSECRET=hunter2\nPS=file\n',
      'local.env': "GREETING='hi there'\n",
    });
    const procfile = join(dir, 'Procfile');

    // Default: .env beside the Procfile wins over the environment; PORT from 5000.
    const plain = start(context, ['start', '-m', 'web=2,worker=1', procfile], {
      GREETING: 'from env',
    });
    await plain.waitLines(/ ready pid=\d+$/, 3);
    expect(
      plain
        .lines()
        .filter((line) => line.includes('PORT='))
        .sort(),
    ).toEqual([
      'web.1  | PORT=5000 PS=web.1 GREETING=hello world SECRET=set',
      'web.2  | PORT=5001 PS=web.2 GREETING=hello world SECRET=set',
      'worker | PORT=5100 PS=worker.1 GREETING=hello world SECRET=set',
    ]);

    // Several files: the later wins; -p sets the base port.
    const named = start(context, [
      'start',
      '-e',
      `${join(dir, '.env')},${join(dir, 'local.env')}`,
      '-p',
      '6000',
      '-s',
      join(dir, 'b.sock'),
      procfile,
    ]);
    await named.waitLines(/ ready pid=\d+$/, 2);
    expect(
      named
        .lines()
        .filter((line) => line.includes('PORT='))
        .sort(),
    ).toEqual([
      'web    | PORT=6000 PS=web.1 GREETING=hi there SECRET=set',
      'worker | PORT=6100 PS=worker.1 GREETING=hi there SECRET=set',
    ]);

    // --no-env: only the environment, whose PORT is the base.
    const none = start(context, ['start', '--no-env', '-s', join(dir, 'c.sock'), procfile], {
      GREETING: 'from env',
      PORT: '7000',
    });
    await none.waitLines(/ ready pid=\d+$/, 2);
    expect(
      none
        .lines()
        .filter((line) => line.includes('PORT='))
        .sort(),
    ).toEqual([
      'web    | PORT=7000 PS=web.1 GREETING=from env SECRET=',
      'worker | PORT=7100 PS=worker.1 GREETING=from env SECRET=',
    ]);

    // `xsup status` names the processes, never a value of the env files.
    const status = await xsupOnce(['status', '--json', '-f', procfile]);
    expect(status.exit.code).toBe(0);
    expect(JSON.parse(status.stdout).processes).toHaveLength(3);
    expect(status.stdout + status.stderr).not.toMatch(/hunter2|hello world/);

    for (const run of [plain, named, none]) run.signal('SIGTERM');
    for (const run of [plain, named, none]) {
      expect(await run.finished()).toEqual({ code: 0, signal: null });
      // No value of the env files in anything xsup itself says.
      expect(run.stderr).not.toContain('hunter2');
      await waitGone(run.pids());
    }
  });

  test('a malformed env file stops xsup with the file and line and exit 2, naming no value', async (context) => {
    const { expect } = context;
    const dir = await project({
      Procfile: `web: ${worker()}\n`,
      '.env': 'A=1\n\nAPI_KEY="hunter2\n',
    });
    const { exit, stdout, stderr } = await xsupOnce(['start', join(dir, 'Procfile')]);
    expect(exit).toEqual({ code: 2, signal: null });
    expect(stdout).toBe('');
    expect(stderr).toBe(
      `xsup: ${join(dir, '.env')}:3: the value of API_KEY opens a " quote that is not closed before the end of the file\n`,
    );
    const missing = await xsupOnce(['start', '-e', join(dir, 'nope.env'), join(dir, 'Procfile')]);
    expect(missing.exit.code).toBe(2);
    expect(missing.stderr).toBe(
      `xsup: ${join(dir, 'nope.env')}: no such env file (named with -e, --env); create it, or leave it out\n`,
    );
  });

  test.for([
    ['-m', 'web=x', "option '-m, --formation <counts>' argument 'web=x' is invalid"],
    ['-m', 'wbe=2', '-m, --formation: no process named "wbe"'],
    ['-m', 'all=0', 'nothing to run'],
    ['-p', '99999', '--port must be a whole number from 0 to 65535; got "99999"'],
  ])('rejects %s %s with exit 2', async ([flag, value, message], { expect }) => {
    const dir = await project({ Procfile: `web: ${worker()}\n` });
    const { exit, stderr, stdout } = await xsupOnce([
      'start',
      flag!,
      value!,
      join(dir, 'Procfile'),
    ]);
    expect(exit).toEqual({ code: 2, signal: null });
    expect(stderr).toContain(message);
    expect(stdout).toBe('');
  });

  test('-m runs only the processes it names, as foreman does, and -t puts the local time before every line', async (context) => {
    const { expect } = context;
    const dir = await project({
      Procfile: `web: ${worker()}\nworker: ${worker()}\nclock: ${worker()}\n`,
    });
    const run = start(context, ['start', '-t', '-m', 'worker=2', join(dir, 'Procfile')]);
    await run.waitLines(/ ready pid=\d+$/, 2);
    run.signal('SIGTERM');
    expect(await run.finished()).toEqual({ code: 0, signal: null });
    const lines = run.lines();
    for (const line of lines) expect(line).toMatch(/^\d\d:\d\d:\d\d (xsup|worker\.[12]) +\| /);
    expect(lines.map((line) => line.slice(9)).filter((line) => line.startsWith('xsup '))).toEqual(
      expect.arrayContaining(['xsup     | worker.1: started', 'xsup     | worker.2: started']),
    );
    expect(run.stdout).not.toMatch(/web|clock/);
    // The time is now's, in local time.
    const [hours, minutes] = lines[0]!.split(':').map(Number);
    const now = new Date();
    expect(
      Math.abs(hours! * 60 + minutes! - (now.getHours() * 60 + now.getMinutes())) % 1439,
    ).toBeLessThanOrEqual(1);
    await waitGone(run.pids());
  });
});
