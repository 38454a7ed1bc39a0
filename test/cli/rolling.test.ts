/**
 * `xsup restart --rolling NAME...`: a real `xsup start -m web=3 --ready=web:port` whose
 * instances are servers that listen on their PORT a moment after they start, restarted from
 * another terminal while a poller connects to the three ports: at every sample at least two
 * answer, and the command returns once all three are ready again with new pids. Also the
 * request on the control socket, names it refuses, a second rolling restart while one goes
 * on, a replacement that never gets ready, and a shutdown in the middle.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, type TestContext, test } from 'vitest';
import { parseRequest } from '../../src/cli/control.js';
import { rollingStepMs } from '../../src/cli/rolling.js';
import type { StatusReport } from '../../src/cli/status.js';
import { isAlive, waitGone } from '../fixtures/processes.js';
import { quote, Xsup, xsupOnce } from '../support/xsup.js';

const READY_SCRIPT = fileURLToPath(new URL('../fixtures/ready.mjs', import.meta.url));
/** A server that listens on its PORT `delay` ms after it started; SIGTERM ends it at once. */
const server = (delay: number) =>
  [quote(process.execPath), quote(READY_SCRIPT), 'port', String(delay)].join(' ');

let root: string;
let dirs = 0;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'xsup-rolling-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

async function project(text: string): Promise<string> {
  dirs += 1;
  const dir = join(root, `p${dirs}`);
  await mkdir(dir);
  const procfile = join(dir, 'Procfile');
  await writeFile(procfile, text);
  return procfile;
}

/** A base port with `count` free ports from it. */
async function freePorts(count: number): Promise<number> {
  for (;;) {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as { port: number };
    await new Promise((resolve) => probe.close(resolve));
    if (port + count > 65_535) continue;
    const free = await Promise.all(
      Array.from({ length: count }, (_, i) => port + i).map(
        (candidate) =>
          new Promise<boolean>((resolve) => {
            const one = createServer();
            one.once('error', () => resolve(false));
            one.listen(candidate, '127.0.0.1', () => one.close(() => resolve(true)));
          }),
      ),
    );
    if (free.every(Boolean)) return port;
  }
}

/** Whether something accepts a connection on this loopback port. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2_000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Connects to each port over and over until stopped; each sample counts the ports that answered. */
function pollPorts(ports: readonly number[]): { stop(): Promise<number[]> } {
  const samples: number[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const answers = await Promise.all(ports.map(accepts));
      samples.push(answers.filter(Boolean).length);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return samples;
    },
  };
}

function start(context: TestContext, args: readonly string[]): Xsup {
  const run = new Xsup(args);
  context.onTestFinished(() => run.cleanup());
  return run;
}

async function status(procfile: string): Promise<StatusReport> {
  const { exit, stdout, stderr } = await xsupOnce(['status', '--json', '-f', procfile]);
  if (exit.code !== 0) throw new Error(`xsup status failed: ${stderr}`);
  return JSON.parse(stdout) as StatusReport;
}

/** Name → [pid, ready] of each process. */
const pidsAndReady = async (procfile: string) =>
  Object.fromEntries((await status(procfile)).processes.map((p) => [p.name, [p.pid, p.ready]]));

/** Waits until the instance answers and every process of it is ready; returns name → pid. */
async function allReady(procfile: string): Promise<Record<string, number>> {
  const deadline = performance.now() + 20_000;
  for (;;) {
    // Until `xsup start` listens, nothing answers: asked again.
    const report = await status(procfile).catch((error: Error) => error);
    if (report instanceof Error) {
      if (performance.now() > deadline) throw report;
    } else if (report.processes.every((p) => p.ready && p.pid !== null)) {
      return Object.fromEntries(report.processes.map((p) => [p.name, p.pid!]));
    }
    if (performance.now() > deadline) throw new Error(`not all ready: ${JSON.stringify(report)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('the rolling restart request on the control socket', () => {
  test('takes rolling: true for a restart, and refuses it elsewhere or not a boolean', () => {
    expect(parseRequest('{"command":"restart","names":["web"],"rolling":true}')).toEqual({
      command: 'restart',
      names: ['web'],
      rolling: true,
    });
    expect(parseRequest('{"command":"restart","names":["web"],"rolling":false}')).toEqual({
      command: 'restart',
      names: ['web'],
    });
    expect(parseRequest('{"command":"stop","names":["web"],"rolling":true}')).toBe(
      '"rolling" is for "restart" only',
    );
    expect(parseRequest('{"command":"restart","names":["web"],"rolling":"yes"}')).toBe(
      '"rolling" must be true or false',
    );
  });

  test('one step may take the grace period, the readiness timeout and a margin', () => {
    expect(rollingStepMs(10_000, 60_000)).toBe(75_000);
    expect(rollingStepMs(500, 1_500)).toBe(7_000);
  });
});

describe.concurrent('xsup restart --rolling', { timeout: 90_000 }, () => {
  test('with -m web=3, at least two instances answer at every moment; it returns once all three are ready with new pids', async (context) => {
    const { expect } = context;
    const base = await freePorts(3);
    const procfile = await project(`web: ${server(700)}\n`);
    const ports = [base, base + 1, base + 2];
    const run = start(context, [
      'start',
      '-m',
      'web=3',
      '-p',
      String(base),
      '--ready=web:port',
      procfile,
    ]);
    const before = await allReady(procfile);
    expect(Object.keys(before)).toEqual(['web.1', 'web.2', 'web.3']);
    expect(await Promise.all(ports.map(accepts))).toEqual([true, true, true]);

    const poller = pollPorts(ports);
    const restart = await xsupOnce(['restart', '--rolling', 'web', '-f', procfile]);
    const samples = await poller.stop();

    expect(restart.stderr).toBe('');
    expect(restart.exit).toEqual({ code: 0, signal: null });
    // All three ready again, each with a new pid, the moment the command returned.
    const after = await pidsAndReady(procfile);
    for (const name of ['web.1', 'web.2', 'web.3']) {
      expect(after[name]![1]).toBe(true);
      expect(after[name]![0]).not.toBe(before[name]);
      expect(isAlive(before[name]!)).toBe(false);
    }
    expect(restart.stdout).toBe(
      ['web.1', 'web.2', 'web.3']
        .map((name) => `${name}: restarted (pid ${after[name]![0]})\n`)
        .join(''),
    );
    expect(await Promise.all(ports.map(accepts))).toEqual([true, true, true]);

    // Never fewer than two answering; and the poller did see each gap (one port down at a time).
    expect(samples.length).toBeGreaterThan(20);
    expect(Math.min(...samples)).toBeGreaterThanOrEqual(2);
    expect(samples.filter((count) => count === 2).length).toBeGreaterThan(0);

    // One at a time: the next instance stopped only once the one before was ready again.
    const lines = run.lines();
    const at = (text: string, from = 0) => lines.indexOf(text, from);
    const ready = (name: string) => at(`xsup  | ${name}: ready`, at(`xsup  | ${name}: stopped`));
    expect(ready('web.1')).toBeGreaterThan(0);
    expect(at('xsup  | web.2: shutting down')).toBeGreaterThan(ready('web.1'));
    expect(at('xsup  | web.3: shutting down')).toBeGreaterThan(ready('web.2'));
    expect(ready('web.3')).toBeGreaterThan(at('xsup  | web.3: shutting down'));

    run.signal('SIGTERM');
    expect(await run.finished()).toEqual({ code: 0, signal: null });
    await waitGone(run.pids());
  });

  test('an unknown name exits 2 with one line naming the processes, and restarts nothing', async (context) => {
    const { expect } = context;
    const procfile = await project(`web: ${server(0)}\n`);
    const base = await freePorts(2);
    const run = start(context, ['start', '-m', 'web=2', '-p', String(base), procfile]);
    const before = await allReady(procfile);
    const unknown = await xsupOnce(['restart', '--rolling', 'web', 'api', '-f', procfile]);
    expect(unknown.exit).toEqual({ code: 2, signal: null });
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr).toBe(
      'xsup: no process named "api" in this xsup; its processes: web.1, web.2\n',
    );
    expect(await allReady(procfile)).toEqual(before);
    run.signal('SIGTERM');
    expect(await run.finished()).toEqual({ code: 0, signal: null });
    await waitGone(run.pids());
  });

  test('a second rolling restart while one goes on is refused; a stopped instance is started first; a shutdown ends the wait', async (context) => {
    const { expect } = context;
    const base = await freePorts(3);
    const procfile = await project(`web: ${server(1_000)}\n`);
    const run = start(context, [
      'start',
      '-m',
      'web=3',
      '-p',
      String(base),
      '--ready=web:port',
      procfile,
    ]);
    await allReady(procfile);

    const first = xsupOnce(['restart', '--rolling', 'web', '-f', procfile]);
    await run.waitLine(/^xsup +\| web\.1: shutting down$/);
    const second = await xsupOnce(['restart', '--rolling', 'web.2', '-f', procfile]);
    expect(second.exit).toEqual({ code: 1, signal: null });
    expect(second.stdout).toBe('');
    expect(second.stderr).toBe(
      'xsup: a rolling restart of web.1, web.2, web.3 is still going on; run it again once it is done (see "xsup status")\n',
    );
    const done = await first;
    expect(done.stderr).toBe('');
    expect(done.exit).toEqual({ code: 0, signal: null });
    expect(done.stdout.trimEnd().split('\n')).toHaveLength(3);

    // web.2 stopped by hand: it is started (and ready) before the others roll.
    expect((await xsupOnce(['stop', 'web.2', '-f', procfile])).exit.code).toBe(0);
    const again = await xsupOnce(['restart', '--rolling', 'web', '-f', procfile]);
    expect(again.stderr).toBe('');
    expect(again.exit).toEqual({ code: 0, signal: null });
    const pids = await pidsAndReady(procfile);
    expect(again.stdout).toBe(
      `web.1: restarted (pid ${pids['web.1']![0]})\nweb.2: started (pid ${pids['web.2']![0]})\nweb.3: restarted (pid ${pids['web.3']![0]})\n`,
    );
    const lines = run.lines();
    const startedAt = lines.lastIndexOf('xsup  | web.2: ready');
    expect(startedAt).toBeGreaterThan(0);
    expect(lines.lastIndexOf('xsup  | web.1: shutting down')).toBeGreaterThan(startedAt);

    // xsup shuts down in the middle of one: the command says so, exit 1.
    const third = xsupOnce(['restart', '--rolling', 'web', '-f', procfile]);
    await run.waitLines(/^xsup +\| web\.1: shutting down$/, 3);
    run.signal('SIGTERM');
    const cut = await third;
    expect(cut.exit).toEqual({ code: 1, signal: null });
    expect(cut.stderr).toMatch(/^xsup: xsup is shutting down(; restarted before it: [\w., ]+)?\n$/);
    expect(await run.finished()).toEqual({ code: 0, signal: null });
    await waitGone(run.pids());
  });

  test('a replacement that is never ready ends the wait after one step’s time, and the group goes on with it', async (context) => {
    const { expect } = context;
    const mark = join(root, `mark-${Math.random()}`);
    // The first run is ready at once; every later one would listen after 60 s.
    const procfile = await project(
      `web: if [ -e ${quote(mark)} ]; then exec ${server(60_000)}; else touch ${quote(mark)}; exec ${server(0)}; fi\n`,
    );
    const base = await freePorts(1);
    const run = start(context, [
      'start',
      '-p',
      String(base),
      '--ready=web:port',
      '--ready-timeout=1500',
      '--shutdown-timeout=500',
      '--backoff-initial=100',
      procfile,
    ]);
    await allReady(procfile);
    const began = performance.now();
    const restart = await xsupOnce(['restart', '--rolling', 'web', '-f', procfile]);
    const took = performance.now() - began;
    expect(restart.exit).toEqual({ code: 1, signal: null });
    expect(restart.stdout).toBe('');
    expect(restart.stderr).toBe(
      'xsup: web is not ready again after 7000 ms (its --shutdown-timeout, then its --ready-timeout); the rolling restart goes on in xsup: see "xsup status"\n',
    );
    expect(took).toBeGreaterThanOrEqual(6_500);
    // Meanwhile the readiness timeout failed its new runs, which were started again.
    expect(run.lines().some((line) => /^xsup +\| web: failed \(failure 1\)/.test(line))).toBe(true);
    const refused = await xsupOnce(['restart', '--rolling', 'web', '-f', procfile]);
    expect(refused.exit.code).toBe(1);
    expect(refused.stderr).toContain('a rolling restart of web is still going on');
    run.signal('SIGTERM');
    expect(await run.finished()).toEqual({ code: 0, signal: null });
    await waitGone(run.pids());
  });
});
