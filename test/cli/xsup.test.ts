/**
 * End-to-end tests of the `xsup` command: a real `xsup` process (the built one, run by
 * test/support/xsup.ts), real child processes (test/fixtures/cli/*.mjs) and real signals. Each
 * fixture prints its pid on every line, and each test checks at the end that every pid it saw
 * is gone.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, type TestContext, test } from 'vitest';
import { createActor } from 'xstate';
import { type CliIo, main, procfileGroup, type StartOptions } from '../../src/cli/main.js';
import { parseProcfile } from '../../src/cli/procfile.js';
import { shellCommand } from '../../src/node/shellCommand.js';
import { collector, waitGone } from '../fixtures/processes.js';
import { BOUND_MS, quote, ROOT, worker, Xsup } from '../support/xsup.js';

const ESC = '\u001b[';

const runs = new Set<Xsup>();
let dir: string;
let files = 0;

/** Starts `xsup` with these arguments; it is killed when the test ends, passed or failed. */
function xsup(
  context: TestContext,
  args: readonly string[],
  env?: Record<string, string | undefined>,
): Xsup {
  const run = new Xsup(args, { env });
  runs.add(run);
  context.onTestFinished(() => run.cleanup());
  return run;
}

/**
 * Writes a Procfile into a directory of its own under the temporary directory (each running
 * `xsup start` has its control socket, `.xsup.sock`, beside its Procfile) and returns its path.
 */
async function procfile(text: string): Promise<string> {
  const n = ++files;
  await mkdir(join(dir, `p${n}`));
  const file = join(dir, `p${n}`, `Procfile.${n}`);
  await writeFile(file, text);
  return file;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'xsup-test-'));
});

afterAll(async () => {
  for (const run of runs) run.cleanup();
  await rm(dir, { recursive: true, force: true });
});

describe.concurrent('xsup start', () => {
  test('restarts a crashed process with a growing backoff, printing each step', async (context) => {
    const { expect } = context;
    const counter = join(dir, 'crash-counter');
    const file = await procfile(`crashy: ${worker(`--crash-first=2:${counter}`)}\n`);
    const run = xsup(context, [
      'start',
      '--backoff-initial=100',
      '--backoff-factor=3',
      '--backoff-max=5000',
      file,
    ]);
    await run.waitLines(/^crashy \| ready pid=\d+$/, 3);
    const lifecycle = run.lines().filter((line) => line.startsWith('xsup '));
    expect(lifecycle.map((line) => line.replace(/: ChildProcessError: .*/, ''))).toEqual([
      'xsup   | crashy: started',
      'xsup   | crashy: failed (failure 1)',
      'xsup   | crashy: restarting in 100 ms (failure 1)',
      'xsup   | crashy: restarted (restart 1)',
      'xsup   | crashy: failed (failure 2)',
      'xsup   | crashy: restarting in 300 ms (failure 2)',
      'xsup   | crashy: restarted (restart 2)',
    ]);
    expect(lifecycle[1]).toMatch(/exited with code 1 \(its stderr is above\)$/);
    expect(run.lines()).not.toContain('  worker crashing on purpose');
    expect(run.lines()).toContain('crashy | worker crashing on purpose');

    run.signal('SIGTERM');
    expect(await run.finished()).toEqual({ code: 0, signal: null });
    expect(run.pids()).toHaveLength(3);
    await waitGone(run.pids());
  });

  test('on SIGTERM stops every process gracefully, grandchildren included, and exits 0; names are aligned and plain when piped', async (context) => {
    const { expect } = context;
    const file = await procfile(
      `# two processes\nweb: ${worker()}\nbackground: cd ${quote(dir)} && ${worker('--grandchild')}\n`,
    );
    const run = xsup(context, ['start', file]);
    const [web] = await run.waitLines(/^web {8}\| ready pid=(\d+)$/);
    const [background] = await run.waitLines(/^background \| ready pid=(\d+)$/);
    const [grandchild] = await run.waitLines(/^background \| grandchild ready pid=(\d+)$/);

    run.signal('SIGTERM');
    expect(await run.finished()).toEqual({ code: 0, signal: null });
    const lines = run.lines();
    expect(lines).toContain(`web        | stopping pid=${web![1]}`);
    expect(lines).toContain(`background | stopping pid=${background![1]}`);
    expect(lines).toContain(`background | grandchild stopping pid=${grandchild![1]}`);
    expect(lines).toContain('xsup       | shutting down');
    expect(lines).toContain('xsup       | web: stopped');
    expect(lines).toContain('xsup       | background: stopped');
    expect(run.lines('stderr')).toEqual([
      'xsup: SIGTERM received, shutting down gracefully (send it again to stop at once)',
    ]);
    for (const line of lines) expect(line).toMatch(/^(xsup|web|background) *\| /);
    for (const line of lines) expect(line.indexOf('|')).toBe('background '.length);
    expect(run.stdout + run.stderr).not.toContain(ESC);
    await waitGone(run.pids());
  });

  test('kills a process that ignores SIGTERM once --shutdown-timeout has passed, and says so', async (context) => {
    const { expect } = context;
    const file = await procfile(
      `stubborn: ${worker('--ignore-term', '--grandchild')}\ncalm: true && ${worker()}\n`,
    );
    const run = xsup(context, ['start', '--shutdown-timeout=300', file]);
    await run.waitLine(/^stubborn \| ready pid=\d+$/);
    await run.waitLine(/^calm {5}\| ready pid=\d+$/);

    run.signal('SIGTERM');
    await run.waitLine(/^stubborn \| ignoring SIGTERM pid=\d+$/);
    await run.waitLine(/^stubborn \| grandchild ignoring SIGTERM pid=\d+$/);
    const exit = await run.finished();
    expect(run.lines()).toContain(
      'xsup     | stubborn: did not stop within 300 ms; stopped by force',
    );
    expect(run.lines()).toContain('xsup     | calm: stopped');
    expect(exit).toEqual({ code: 0, signal: null });
    expect(run.pids()).toHaveLength(3);
    await waitGone(run.pids());
  });

  test('passes SIGHUP to every process and its group as a reload, and keeps them running', async (context) => {
    const { expect } = context;
    // a runs through a shell (a compound command), b is exec'd (a simple one).
    const file = await procfile(`a: true && ${worker('--grandchild')}\nb: ${worker()}\n`);
    const run = xsup(context, ['start', file]);
    const [a] = await run.waitLines(/^a {4}\| ready pid=(\d+)$/);
    const [b] = await run.waitLines(/^b {4}\| ready pid=(\d+)$/);
    const [grandchild] = await run.waitLines(/^a {4}\| grandchild ready pid=(\d+)$/);

    // Twice: the processes that got the first one are still there for the second.
    for (const times of [1, 2]) {
      run.signal('SIGHUP');
      await run.waitLines(new RegExp(`^a {4}\\| reloaded pid=${a![1]}$`), times);
      await run.waitLines(
        new RegExp(`^a {4}\\| grandchild reloaded pid=${grandchild![1]}$`),
        times,
      );
      await run.waitLines(new RegExp(`^b {4}\\| reloaded pid=${b![1]}$`), times);
      await run.waitLines(/^xsup: SIGHUP received, sending reload$/, times, 'stderr');
    }
    expect(run.lines().filter((line) => line === 'xsup | reload sent')).toHaveLength(2);
    // The reload was no failure: nothing was stopped or restarted.
    expect(run.stdout).not.toMatch(/stopping|failed|restart/);

    run.signal('SIGTERM');
    expect(await run.finished()).toEqual({ code: 0, signal: null });
    expect(run.pids()).toHaveLength(3);
    await waitGone(run.pids());
  });

  test('stops everything at once on a second SIGINT and exits 130', async (context) => {
    const { expect } = context;
    const file = await procfile(`stubborn: ${worker('--ignore-term', '--grandchild')}\n`);
    const run = xsup(context, ['start', '--shutdown-timeout=60000', file]);
    await run.waitLine(/^stubborn \| ready pid=\d+$/);

    run.signal('SIGINT');
    await run.waitLine(/^stubborn \| ignoring SIGTERM pid=\d+$/);
    await run.waitLine(/SIGINT received, shutting down gracefully/, 'stderr');
    const second = performance.now();
    run.signal('SIGINT');
    expect(await run.finished()).toEqual({ code: 130, signal: null });
    // Well within the 60 s grace period.
    expect(performance.now() - second).toBeLessThan(BOUND_MS);
    expect(run.lines('stderr')).toContain('xsup: SIGINT received again, stopping at once');
    expect(run.pids()).toHaveLength(2);
    await waitGone(run.pids());
  });

  test('gives up after --max-restarts restarts of an always-crashing process and exits 1', async (context) => {
    const { expect } = context;
    const file = await procfile(`doomed: ${worker('--crash-after=0')}\n`);
    const run = xsup(context, ['start', '--max-restarts=1', '--backoff-initial=50', file]);
    const exit = await run.finished();
    expect(exit).toEqual({ code: 1, signal: null });
    expect(run.lines().filter((line) => /^doomed \| ready/.test(line))).toHaveLength(2);
    expect(run.lines()).toContainEqual(
      expect.stringMatching(/^xsup {3}\| doomed: gave up \(max-restarts\): process "doomed"/),
    );
    expect(run.stderr).toMatch(
      /^xsup failed:\nGroupError: group "xsup" gave up \(more than 1 restarts within 60000 ms\)/,
    );
    await waitGone(run.pids());
  });

  test('reports a command that is not found, naming it, and gives up with --max-restarts=0', async (context) => {
    const { expect } = context;
    const file = await procfile('ghost: xsup-test-no-such-command --port 1\n');
    const run = xsup(context, ['start', '--max-restarts=0', file]);
    expect(await run.finished()).toEqual({ code: 1, signal: null });
    expect(run.lines()).toContainEqual(
      expect.stringMatching(/^ghost \| .*xsup-test-no-such-command: .*not found$/),
    );
    expect(run.lines()).toContainEqual(
      expect.stringMatching(
        /^xsup {2}\| ghost: failed \(failure 1\): ChildProcessError: process "ghost" .*xsup-test-no-such-command --port 1.* exited with code 127/,
      ),
    );
    expect(run.stderr).toMatch(/xsup-test-no-such-command: .*not found/);
  });

  test('--json writes every output line and lifecycle event as a JSON object', async (context) => {
    const { expect } = context;
    const file = await procfile(`w: ${worker()}\n`);
    const run = xsup(context, ['start', '--json', file]);
    await run.waitLine(/"line":"ready pid=\d+"/);
    run.signal('SIGTERM');
    expect(await run.finished()).toEqual({ code: 0, signal: null });

    const records = run.lines().map((line) => JSON.parse(line) as Record<string, unknown>);
    for (const record of records) expect(Date.parse(record.time as string)).not.toBeNaN();
    const strip = ({ time: _, ...rest }: Record<string, unknown>) => rest;
    expect(records.map(strip)).toEqual(
      expect.arrayContaining([
        { level: 'info', type: 'child.started', supervisorId: 'xsup', childId: 'w', restarts: 0 },
        { name: 'w', stream: 'stdout', line: expect.stringMatching(/^ready pid=\d+$/) },
        { name: 'w', stream: 'stdout', line: expect.stringMatching(/^stopping pid=\d+$/) },
        { level: 'info', type: 'child.stopped', supervisorId: 'xsup', childId: 'w' },
      ]),
    );
    expect(run.stdout).not.toContain(ESC);
    await waitGone(run.pids());
  });

  test('--health=0 serves /livez and /readyz on a free port, printed on stderr', async (context) => {
    const { expect } = context;
    const file = await procfile(`w: ${worker()}\n`);
    const run = xsup(context, ['start', '--health=0', file]);
    const [, url] = await run.waitLine(
      /^xsup: health endpoints on (http:\/\/127\.0\.0\.1:\d+)\/livez, \S+\/readyz and \S+\/metrics$/,
      'stderr',
    );
    await run.waitLine(/^w {4}\| ready pid=\d+$/);
    const live = await fetch(`${url}/livez`);
    expect(live.status).toBe(200);
    await live.body?.cancel();
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ready: true });

    run.signal('SIGTERM');
    expect(await run.finished()).toEqual({ code: 0, signal: null });
    await expect(fetch(`${url}/livez`)).rejects.toThrow();
    await waitGone(run.pids());
  });

  test('shuts down gracefully when its stdout is closed (xsup start | head)', async (context) => {
    const { expect } = context;
    const file = await procfile(`w: ${worker('--tick=50')}\n`);
    const run = xsup(context, ['start', file]);
    await run.waitLine(/^w {4}\| ready pid=\d+$/);
    run.child.stdout!.destroy();
    expect(await run.finished()).toEqual({ code: 0, signal: null });
    expect(run.lines('stderr')).toEqual([
      'xsup: stdout was closed; shutting down',
      'xsup: SIGTERM received, shutting down gracefully (send it again to stop at once)',
    ]);
    await waitGone(run.pids());
  });

  test('starts nothing and exits 2 with one clear line when the --health port is taken', async (context) => {
    const { expect } = context;
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    context.onTestFinished(() => void taken.close());
    const { port } = taken.address() as { port: number };
    const file = await procfile(`w: ${worker()}\n`);
    const run = xsup(context, ['start', `--health=${port}`, file]);
    expect(await run.finished()).toEqual({ code: 2, signal: null });
    expect(run.stderr).toBe(
      `xsup: the health endpoints cannot listen on 127.0.0.1:${port}: the port is in use; choose another port, or stop what listens there\n`,
    );
    expect(run.stdout).toBe('');
    await waitGone(run.pids());
  });

  test.for([
    {
      what: 'a malformed line',
      text: 'web: node server.js\n\nthis is not an entry\n',
      message: (file: string) => `${file}:3: expected "name: command"`,
    },
    {
      what: 'a duplicate name',
      text: 'web: node a.js\nworker: node b.js\nweb: node c.js\n',
      message: (file: string) =>
        `${file}:3: process name "web" is used twice (first on line 1); names must be unique`,
    },
    {
      what: 'an empty file',
      text: '# nothing to run yet\n',
      message: (file: string) => `${file}: no processes: add lines of the form "name: command"`,
    },
    {
      what: 'a missing file',
      text: null,
      message: (file: string) => `${file}: no such file`,
    },
  ])('rejects $what with the file and the line, and exits 2', async (given, context) => {
    const { expect } = context;
    const file = given.text === null ? join(dir, 'no-such-Procfile') : await procfile(given.text);
    const run = xsup(context, ['start', file]);
    expect(await run.finished()).toEqual({ code: 2, signal: null });
    expect(run.stderr).toContain(`xsup: ${given.message(file)}`);
    expect(run.stdout).toBe('');
  });

  test('rejects an unknown flag, naming it and the flag it resembles, and exits 2', async (context) => {
    const { expect } = context;
    const run = xsup(context, ['start', '--backoff-inital', '100', 'Procfile']);
    expect(await run.finished()).toEqual({ code: 2, signal: null });
    expect(run.stderr).toBe(
      "error: unknown option '--backoff-inital'\n(Did you mean --backoff-initial?)\n",
    );
    expect(run.stdout).toBe('');
  });

  test('rejects a bad flag value, naming the flag and the value, and exits 2', async (context) => {
    const { expect } = context;
    const run = xsup(context, ['start', '--shutdown-timeout=soon', 'examples/Procfile']);
    expect(await run.finished()).toEqual({ code: 2, signal: null });
    expect(run.stderr).toContain('--shutdown-timeout must be a whole number');
    expect(run.stderr).toContain('got "soon"');
    expect(run.stdout).toBe('');
  });
});

describe.concurrent('xsup check', () => {
  test('prints the entries of a valid Procfile and exits 0', async (context) => {
    const { expect } = context;
    const file = await procfile(
      '# app\nweb: node server.js --port 5000\n\nbackground: node jobs.js\n',
    );
    const run = xsup(context, ['check', file]);
    expect(await run.finished()).toEqual({ code: 0, signal: null });
    expect(run.stdout).toBe(
      `${file}: 2 processes\n  web         node server.js --port 5000\n  background  node jobs.js\n`,
    );
    expect(run.stderr).toBe('');
  });

  test('rejects a malformed Procfile with the file and the line, and exits 2', async (context) => {
    const { expect } = context;
    const file = await procfile('web node server.js\n');
    const run = xsup(context, ['check', file]);
    expect(await run.finished()).toEqual({ code: 2, signal: null });
    expect(run.stderr).toMatch(new RegExp(`^xsup: ${file.replaceAll('.', '\\.')}:1: expected`));
  });
});

describe('xsup flags', () => {
  test.each([
    ['--backoff-initial=-1', '--backoff-initial must be a whole number from 0'],
    ['--backoff-max=1.5', '--backoff-max must be a whole number from 0'],
    ['--backoff-factor=0.5', '--backoff-factor must be a number of at least 1; got "0.5"'],
    ['--max-restarts=many', '--max-restarts must be a whole number from 0'],
    ['--max-restarts-window=0', '--max-restarts-window must be a whole number from 1'],
    ['--strategy=random', "'--strategy <name>' argument 'random' is invalid"],
    ['--restart=sometimes', "'--restart <type>' argument 'sometimes' is invalid"],
    ['--shutdown-timeout=', '--shutdown-timeout must be a whole number'],
    ['--health=70000', '--health must be a whole number from 0 to 65535; got "70000"'],
    ['--shutdown-timeout', "option '--shutdown-timeout <ms>' argument missing"],
  ])('rejects %s with exit code 2 and a message naming the flag', async (flag, message) => {
    const stdout = collector();
    const stderr = collector();
    const code = await main(['start', flag], { stdout, stderr, env: {} });
    expect(code).toBe(2);
    expect(stderr.text()).toContain(message);
    expect(stdout.text()).toBe('');
  });

  test('--strategy and --restart list their choices', async () => {
    const stderr = collector();
    await main(['start', '--strategy=x'], { stdout: collector(), stderr, env: {} });
    expect(stderr.text()).toContain(
      'Allowed choices are fail-fast, one-for-one, one-for-all, rest-for-one.',
    );
  });

  test('--help and --version print to stdout and exit 0', async () => {
    const help = collector();
    expect(await main(['start', '--help'], { stdout: help, stderr: collector(), env: {} })).toBe(0);
    for (const flag of [
      '--backoff-initial',
      '--backoff-max',
      '--backoff-factor',
      '--max-restarts',
      '--max-restarts-window',
      '--strategy',
      '--restart',
      '--shutdown-timeout',
      '--health',
      '--json',
    ]) {
      expect(help.text()).toContain(flag);
    }
    const version = collector();
    expect(await main(['--version'], { stdout: version, stderr: collector(), env: {} })).toBe(0);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      version: string;
    };
    expect(version.text()).toBe(`${pkg.version}\n`);
  });

  test('with no command, prints the usage and exits 2', async () => {
    const stderr = collector();
    expect(await main([], { stdout: collector(), stderr, env: {} })).toBe(2);
    expect(stderr.text()).toContain('Usage: xsup');
  });
});

describe('shellCommand', () => {
  test.each([
    'node server.js',
    'bundle exec rails server -p $PORT',
    'node --title="web 1" server.js \'a b\'',
    './bin/web --port=5000',
    '/usr/bin/env node server.js',
  ])('execs the simple command %s', (command) => {
    expect(shellCommand(command)).toBe(`exec ${command}`);
  });

  test.each([
    'cd app && node server.js',
    'cd app; node server.js',
    'node server.js | tee web.log',
    'node server.js > web.log',
    'node server.js &',
    'PORT=5000 node server.js',
    'exec node server.js',
    '. ./env.sh && node server.js',
    'node $(cat args)',
    'if true; then node server.js; fi',
    "node -e 'a(); b()'",
    'node server.js\nnode other.js',
  ])('keeps the shell of %j, which catches SIGHUP and SIGTERM', (command) => {
    expect(shellCommand(command)).toBe(`trap : HUP TERM; ${command}`);
  });
});

describe('colors', () => {
  const options = {
    backoffInitial: 100,
    backoffMax: 1000,
    backoffFactor: 2,
    maxRestartsWindow: 60_000,
    strategy: 'one-for-one',
    shutdownTimeout: 1000,
    restart: 'temporary',
    json: false,
  } as StartOptions;

  /** Runs `hi: echo hello` through the group `xsup start` builds, and returns what it wrote. */
  async function output(isTTY: boolean, env: CliIo['env']): Promise<string> {
    const out = collector();
    const io: CliIo = { stdout: Object.assign(out, { isTTY }), stderr: collector(), env };
    const actor = createActor(procfileGroup(parseProcfile('hi: echo hello\n'), options, io));
    const done = new Promise<void>((resolve, reject) =>
      actor.subscribe({ complete: resolve, error: reject }),
    );
    actor.start();
    await done;
    return out.text();
  }

  test.concurrent.for([
    { terminal: true, env: {}, expected: `${ESC}36mhi   | ${ESC}0mhello\n` },
    { terminal: true, env: { NO_COLOR: '' }, expected: `${ESC}36mhi   | ${ESC}0mhello\n` },
    { terminal: true, env: { NO_COLOR: '1' }, expected: 'hi   | hello\n' },
    { terminal: true, env: { TERM: 'dumb' }, expected: 'hi   | hello\n' },
    { terminal: false, env: {}, expected: 'hi   | hello\n' },
  ])(
    'terminal: $terminal, env: $env → $expected',
    async ({ terminal, env, expected }, { expect }) => {
      expect(await output(terminal, env)).toBe(expected);
    },
  );
});

describe('the built executable', () => {
  test('package.json bin points at what the build makes of src/cli/xsup.ts, a node script that runs', async (context) => {
    const { expect } = context;
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      bin: { xsup: string };
    };
    const build = JSON.parse(readFileSync(join(ROOT, 'tsconfig.build.json'), 'utf8')) as {
      compilerOptions: { rootDir: string; outDir: string };
    };
    const { rootDir, outDir } = build.compilerOptions;
    expect(pkg.bin.xsup).toBe(`./${outDir}/cli/xsup.js`);
    const source = join(ROOT, rootDir, 'cli', 'xsup.ts');
    expect(readFileSync(source, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');

    const built = join(ROOT, pkg.bin.xsup);
    expect(existsSync(built), `${built}: the global setup (test/support/build.ts) builds it`).toBe(
      true,
    );
    const child = spawn(process.execPath, [built, 'check', 'examples/Procfile'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    context.onTestFinished(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    const code = await new Promise((resolve) => child.once('close', resolve));
    expect(code).toBe(0);
    expect(stdout).toMatch(/^examples\/Procfile: 2 processes\n/);
  });
});
