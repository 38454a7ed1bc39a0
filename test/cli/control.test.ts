/**
 * End-to-end tests of the control socket: a real `xsup start` in a temporary directory, and
 * `xsup status`, `stop`, `start` and `restart` run as a second terminal would run them. Every
 * pid the fixtures report is checked to be gone at the end.
 */
import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, type TestContext, test } from 'vitest';
import type { StatusReport } from '../../src/cli/status.js';
import { isAlive, waitFor, waitGone } from '../fixtures/processes.js';
import { worker, Xsup, xsupOnce } from '../support/xsup.js';

let root: string;
let dirs = 0;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'xsup-control-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

/** A fresh directory with this Procfile in it. */
async function project(text: string): Promise<{ dir: string; procfile: string }> {
  dirs += 1;
  const dir = join(root, `p${dirs}`);
  await mkdir(dir);
  const procfile = join(dir, 'Procfile');
  await writeFile(procfile, text);
  return { dir, procfile };
}

function start(context: TestContext, args: readonly string[], cwd?: string): Xsup {
  const run = new Xsup(args, cwd === undefined ? {} : { cwd });
  context.onTestFinished(() => run.cleanup());
  return run;
}

/** `xsup status --json` against the instance of this Procfile. */
async function status(procfile: string): Promise<StatusReport> {
  const { exit, stdout, stderr } = await xsupOnce(['status', '--json', '-f', procfile]);
  if (exit.code !== 0) throw new Error(`xsup status failed: ${stderr}`);
  return JSON.parse(stdout) as StatusReport;
}

const byName = (report: StatusReport) =>
  Object.fromEntries(report.processes.map((p) => [p.name, p]));

// Each test runs several commands one after the other: more time than one command needs.
describe.concurrent('control from another terminal', { timeout: 60_000 }, () => {
  test('xsup status shows each instance running with its pid and port; the socket is 0600 and gone after the run', async (context) => {
    const { expect } = context;
    const { dir, procfile } = await project(`web: ${worker()}\nclock: ${worker()}\n`);
    const run = start(context, ['start', '-m', 'web=2,clock=1', procfile]);
    const [web1] = await run.waitLines(/^web\.1 \| ready pid=(\d+)$/);
    const [web2] = await run.waitLines(/^web\.2 \| ready pid=(\d+)$/);
    const [clock] = await run.waitLines(/^clock \| ready pid=(\d+)$/);
    const socket = join(dir, '.xsup.sock');
    expect(statSync(socket).isSocket()).toBe(true);
    expect(statSync(socket).mode & 0o777).toBe(0o600);

    // The table, as a user reads it, from the Procfile's directory (the default socket).
    const table = await xsupOnce(['status'], { cwd: dir });
    expect(table.exit).toEqual({ code: 0, signal: null });
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`xsup (pid ${run.child.pid}) runs ${procfile}`);
    expect(lines[1]).toMatch(/^NAME {3}STATE {4}PID +PORT {2}RESTARTS {2}FAILURES {2}UPTIME$/);
    expect(lines[2]).toMatch(new RegExp(`^web\\.1  running  ${web1![1]} +5000  0 +0 +\\d+(ms|s)$`));
    expect(lines[3]).toMatch(new RegExp(`^web\\.2  running  ${web2![1]} +5001  0 +0 +\\d+(ms|s)$`));
    expect(lines[4]).toMatch(new RegExp(`^clock  running  ${clock![1]} +5100  0 +0 +\\d+(ms|s)$`));

    const report = await status(procfile);
    expect(report.pid).toBe(run.child.pid);
    expect(report.processes.map((p) => [p.name, p.process, p.state, p.pid, p.port])).toEqual([
      ['web.1', 'web', 'running', Number(web1![1]), 5000],
      ['web.2', 'web', 'running', Number(web2![1]), 5001],
      ['clock', 'clock', 'running', Number(clock![1]), 5100],
    ]);
    for (const p of report.processes) expect(p.uptimeMs).toBeGreaterThanOrEqual(0);

    run.signal('SIGTERM');
    expect(await run.finished()).toEqual({ code: 0, signal: null });
    expect(existsSync(socket)).toBe(false);
    await waitGone(run.pids());
    const after = await xsupOnce(['status', '-f', procfile]);
    expect(after.exit.code).toBe(1);
    expect(after.stderr).toBe(
      `xsup: no xsup is running here (nothing answers on ${socket}); start one with "xsup start", or pass the --socket or --procfile of the one you mean\n`,
    );
  });

  test('a process waiting for its restart shows as backing off, with the delay left and its failures', async (context) => {
    const { expect } = context;
    const { procfile } = await project(
      `steady: ${worker()}\ncrashy: ${worker('--crash-after=0')}\n`,
    );
    // A delay far longer than the test, so that it is still waiting however slow the machine.
    const run = start(context, ['start', '--backoff-initial=60000', procfile]);
    await run.waitLine(/^xsup {3}\| crashy: restarting in 60000 ms \(failure 1\)$/);
    const crashy = byName(await status(procfile)).crashy!;
    expect(crashy).toMatchObject({ state: 'backing off', pid: null, failures: 1, restarts: 0 });
    expect(crashy.restartInMs).toBeGreaterThan(0);
    expect(crashy.restartInMs).toBeLessThanOrEqual(60_000);
    const table = await xsupOnce(['status', '-f', procfile]);
    expect(table.stdout).toMatch(
      /\ncrashy {2}backing off \(restart in \d+\.\ds\) +- +5100 {2}0 +1 +-\n/,
    );

    run.signal('SIGTERM');
    expect(await run.finished()).toEqual({ code: 0, signal: null });
    await waitGone(run.pids());
  });

  test('xsup restart stops a process gracefully and starts it afresh, with its failure count reset', async (context) => {
    const { expect } = context;
    const counter = join(root, `counter-${Math.random()}`);
    const { procfile } = await project(
      `web: ${worker()}\ncrashy: ${worker(`--crash-first=1:${counter}`)}\n`,
    );
    const run = start(context, ['start', '--backoff-initial=50', procfile]);
    const [, first] = await run.waitLine(/^crashy \| ready pid=(\d+)$/);
    const [, second] = (await run.waitLines(/^crashy \| ready pid=(\d+)$/, 2))[1]!;
    const [, web] = await run.waitLine(/^web {4}\| ready pid=(\d+)$/);
    expect(byName(await status(procfile)).crashy).toMatchObject({ failures: 1, restarts: 1 });

    const restart = await xsupOnce(['restart', 'crashy', '-f', procfile]);
    expect(restart.stderr).toBe('');
    expect(restart.exit).toEqual({ code: 0, signal: null });
    const [, third] = (await run.waitLines(/^crashy \| ready pid=(\d+)$/, 3))[2]!;
    expect(restart.stdout).toBe(`crashy: restarted (pid ${third})\n`);
    // Gracefully: it got SIGTERM and said so before it went.
    expect(run.lines()).toContain(`crashy | stopping pid=${second}`);
    expect(run.lines()).toContain('xsup   | crashy: stopped');
    expect(isAlive(Number(first))).toBe(false);
    expect(isAlive(Number(second))).toBe(false);
    const after = byName(await status(procfile));
    expect(after.crashy).toMatchObject({
      state: 'running',
      pid: Number(third),
      failures: 0,
      restarts: 2,
    });
    // The other process was left alone.
    expect(after.web).toMatchObject({ state: 'running', pid: Number(web), restarts: 0 });

    run.signal('SIGTERM');
    expect(await run.finished()).toEqual({ code: 0, signal: null });
    await waitGone(run.pids());
  });

  test('xsup stop stops one process and xsup start starts it again; stopping the last one keeps xsup running', async (context) => {
    const { expect } = context;
    const { dir, procfile } = await project(`web: ${worker()}\nclock: ${worker()}\n`);
    const run = start(context, ['start', procfile]);
    const [, web] = await run.waitLine(/^web {3}\| ready pid=(\d+)$/);
    const [, clock] = await run.waitLine(/^clock \| ready pid=(\d+)$/);

    const stop = await xsupOnce(['stop', 'web', '-f', procfile]);
    expect([stop.exit.code, stop.stdout, stop.stderr]).toEqual([0, 'web: stopped\n', '']);
    expect(run.lines()).toContain(`web   | stopping pid=${web}`);
    expect(isAlive(Number(web))).toBe(false);
    expect(byName(await status(procfile)).web).toMatchObject({ state: 'stopped', pid: null });
    const again = await xsupOnce(['stop', 'web', '-f', procfile]);
    expect([again.exit.code, again.stdout]).toEqual([0, 'web: already stopped\n']);

    // The last process too: xsup keeps running, and answers.
    const last = await xsupOnce(['stop', 'clock', '-f', procfile]);
    expect([last.exit.code, last.stdout]).toEqual([0, 'clock: stopped\n']);
    expect(isAlive(Number(clock))).toBe(false);
    expect((await status(procfile)).processes.map((p) => p.state)).toEqual(['stopped', 'stopped']);
    expect(run.exit).toBeUndefined();

    // `xsup start NAME` beside a running instance starts it there (the default socket, as a
    // user in the project's directory types it).
    const started = await xsupOnce(['start', 'web'], { cwd: dir });
    expect(started.exit).toEqual({ code: 0, signal: null });
    const [, newWeb] = (await run.waitLines(/^web {3}\| ready pid=(\d+)$/, 2))[1]!;
    expect(started.stdout).toBe(`web: started (pid ${newWeb})\n`);
    const running = await xsupOnce(['start', 'web', '-s', join(dir, '.xsup.sock')]);
    expect(running.stdout).toBe(`web: already running (pid ${newWeb})\n`);
    // The flags of a new run do not change a running one, and it says so.
    const flagged = await xsupOnce(['start', '-m', 'web=2', 'web'], { cwd: dir });
    expect(flagged.exit.code).toBe(0);
    expect(flagged.stdout).toBe(`web: already running (pid ${newWeb})\n`);
    expect(flagged.stderr).toBe(
      'xsup: starting web in the xsup running on .xsup.sock; --formation is for a new run and not used\n',
    );
    expect(byName(await status(procfile)).web).toMatchObject({ state: 'running', restarts: 1 });
    // Nothing of the keeper shows.
    expect(run.stdout).not.toContain('xsup:control');

    run.signal('SIGTERM');
    expect(await run.finished()).toEqual({ code: 0, signal: null });
    await waitGone(run.pids());
  });

  test('a restart of a process that ignores SIGTERM forces it after the grace period and says so', async (context) => {
    const { expect } = context;
    const { procfile } = await project(`stubborn: ${worker('--ignore-term')}\n`);
    const run = start(context, ['start', '--shutdown-timeout=300', procfile]);
    const [, pid] = await run.waitLine(/^stubborn \| ready pid=(\d+)$/);
    const restart = await xsupOnce(['restart', 'stubborn', '-f', procfile]);
    expect(restart.exit.code).toBe(0);
    const [, next] = (await run.waitLines(/^stubborn \| ready pid=(\d+)$/, 2))[1]!;
    expect(restart.stdout).toBe(`stubborn: restarted (pid ${next})\n`);
    expect(run.lines()).toContain(`stubborn | ignoring SIGTERM pid=${pid}`);
    expect(run.lines()).toContain(
      'xsup     | stubborn: did not stop within 300 ms; stopped by force',
    );
    expect(isAlive(Number(pid))).toBe(false);

    run.signal('SIGTERM');
    await run.waitLine(new RegExp(`^stubborn \\| ignoring SIGTERM pid=${next}$`));
    expect(await run.finished()).toEqual({ code: 0, signal: null });
    await waitGone(run.pids());
  });

  test('names the instance does not have are a usage error (exit 2) and nothing is done', async (context) => {
    const { expect } = context;
    const { procfile } = await project(`web: ${worker()}\n`);
    const run = start(context, ['start', '-m', 'web=2', procfile]);
    await run.waitLines(/^web\.\d \| ready pid=\d+$/, 2);
    const wrong = await xsupOnce(['stop', 'web.1', 'wbe', '-f', procfile]);
    expect(wrong.exit.code).toBe(2);
    expect(wrong.stderr).toBe(
      'xsup: no process named "wbe" in this xsup; its processes: web.1, web.2\n',
    );
    expect((await status(procfile)).processes.map((p) => p.state)).toEqual(['running', 'running']);
    // A process name stands for all of its instances.
    const stop = await xsupOnce(['stop', 'web', '-f', procfile]);
    expect(stop.stdout).toBe('web.1: stopped\nweb.2: stopped\n');

    run.signal('SIGTERM');
    expect(await run.finished()).toEqual({ code: 0, signal: null });
    await waitGone(run.pids());
  });

  test('with no instance running, stop, restart and status say so and exit 1', async (context) => {
    const { expect } = context;
    const { dir } = await project(`web: ${worker()}\n`);
    for (const args of [['status'], ['stop', 'web'], ['restart', 'web']]) {
      const { exit, stdout, stderr } = await xsupOnce(args, { cwd: dir });
      expect(exit).toEqual({ code: 1, signal: null });
      expect(stdout).toBe('');
      expect(stderr).toContain('xsup: no xsup is running here (nothing answers on .xsup.sock)');
    }
  });

  test('a second xsup start refuses while one runs; a stale socket from a killed run is replaced', async (context) => {
    const { expect } = context;
    const { dir, procfile } = await project(`web: ${worker()}\n`);
    const socket = join(dir, '.xsup.sock');
    // A socket left behind by a process that was killed.
    const killed = spawn(
      process.execPath,
      [
        '-e',
        `require('net').createServer().listen(${JSON.stringify(socket)}, () => process.kill(process.pid, 'SIGKILL'))`,
      ],
      { stdio: 'ignore' },
    );
    await new Promise((resolve) => killed.once('exit', resolve));
    expect(statSync(socket).isSocket()).toBe(true);

    const run = start(context, ['start', procfile]);
    await run.waitLine(/^web {2}\| ready pid=\d+$/);
    const second = await xsupOnce(['start', procfile]);
    expect(second.exit).toEqual({ code: 1, signal: null });
    expect(second.stdout).toBe('');
    expect(second.stderr).toBe(
      `xsup: another xsup is already running here (it answers on ${socket}); use "xsup status", "xsup restart NAME" or "xsup stop NAME" to act on it, stop it first, or pass --socket to run another\n`,
    );
    // A file that is not a socket is never removed.
    const other = join(dir, 'not-a-socket');
    await writeFile(other, 'mine');
    const refused = await xsupOnce(['start', procfile, '-s', other]);
    expect(refused.exit.code).toBe(1);
    expect(refused.stderr).toContain(
      `cannot use ${other} as the control socket: it is a file that is not a socket`,
    );
    expect(existsSync(other)).toBe(true);

    run.signal('SIGTERM');
    expect(await run.finished()).toEqual({ code: 0, signal: null });
    await waitGone([...run.pids(), ...second.run.pids(), ...refused.run.pids()]);
    await waitFor('the socket to be removed', () => !existsSync(socket));
  });

  test('xsup start PROCFILE NAME runs only the named processes; a name not in the file is exit 2', async (context) => {
    const { expect } = context;
    const { procfile } = await project(`web: ${worker()}\nclock: ${worker()}\nmail: ${worker()}\n`);
    const wrong = await xsupOnce(['start', procfile, 'web', 'wbe']);
    expect(wrong.exit).toEqual({ code: 2, signal: null });
    expect(wrong.stderr).toBe(
      `xsup: ${procfile}: no process named "wbe"; its processes: web, clock, mail\n`,
    );
    const run = start(context, ['start', procfile, 'mail', 'web']);
    await run.waitLine(/^mail \| ready pid=\d+$/);
    await run.waitLine(/^web {2}\| ready pid=\d+$/);
    const report = await status(procfile);
    // In Procfile order, with the ports of their Procfile index.
    expect(report.processes.map((p) => [p.name, p.port])).toEqual([
      ['web', 5000],
      ['mail', 5200],
    ]);
    expect(run.stdout).not.toMatch(/clock/);
    run.signal('SIGTERM');
    expect(await run.finished()).toEqual({ code: 0, signal: null });
    await waitGone(run.pids());
  });
});
