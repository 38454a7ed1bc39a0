import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type AnyActorLogic, type AnyActorRef, createActor } from 'xstate';
import { createSupervisor, type SupervisorOutput } from '../../src/machines/supervisor.js';
import {
  ChildProcessError,
  type ChildProcessOptions,
  type ChildProcessOutput,
  fromChildProcess,
} from '../../src/node/fromChildProcess.js';
import {
  childArgs,
  collector,
  isAlive,
  killAll,
  waitFor,
  waitGone,
} from '../fixtures/processes.js';

const started = new Set<number>();
const scratch = mkdtempSync(join(tmpdir(), 'xsup-child-'));

afterEach(() => {
  killAll(started);
  started.clear();
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Options for running the child fixture in a mode, output collected rather than printed. */
function node(args: string[], extra: Partial<ChildProcessOptions> = {}): ChildProcessOptions {
  return {
    command: process.execPath,
    args,
    name: 'child',
    stdout: false,
    stderr: false,
    ...extra,
  };
}

interface Ended {
  status: string;
  output?: unknown;
  error?: unknown;
}

/**
 * Starts an actor, recording the output lines of every child-process actor in its system (and
 * the pids they announce), restarts included.
 */
function run(logic: AnyActorLogic) {
  const lines: string[] = [];
  /** When each line arrived (the first time). */
  const arrivals = new Map<string, number>();
  const record = (event: { line: string }) => {
    lines.push(event.line);
    if (!arrivals.has(event.line)) arrivals.set(event.line, performance.now());
    const ready = /ready (\d+)$/.exec(event.line);
    if (ready) started.add(Number(ready[1]));
  };
  const actor = createActor(logic, {
    inspect: (event) => {
      if (event.type === '@xstate.actor') (event.actorRef as AnyActorRef).on('output', record);
    },
  });
  const ended = new Promise<Ended>((resolve) => {
    actor.subscribe({
      complete: () => {
        const snapshot = actor.getSnapshot();
        resolve({ status: snapshot.status, output: snapshot.output });
      },
      error: (error) => resolve({ status: 'error', error }),
    });
  });
  actor.start();
  const pidOf = (who: string) =>
    waitFor(`${who} to be ready`, () => {
      for (const line of lines) {
        const match = new RegExp(`^${who} ready (\\d+)$`).exec(line);
        if (match) return Number(match[1]);
      }
      return undefined;
    });
  const sawLine = (line: string) => waitFor(`line "${line}"`, () => lines.includes(line));
  return { actor, lines, arrivals, ended, pidOf, sawLine };
}

describe('fromChildProcess', () => {
  it('ends as done on exit code 0, forwarding and emitting each output line', async () => {
    const out = collector();
    const { ended, lines } = run(
      fromChildProcess(node(childArgs('exit0'), { name: 'greeter', stdout: out })),
    );
    const result = await ended;
    expect(result.status).toBe('done');
    expect(result.output).toEqual({
      name: 'greeter',
      pid: expect.any(Number),
      exitCode: 0,
      signal: null,
      shutdown: false,
    } satisfies ChildProcessOutput);
    expect(lines).toEqual(['hello', 'last line without a line break']);
    expect(out.text()).toBe('greeter | hello\ngreeter | last line without a line break\n');
  });

  it('adds env variables to the inherited environment, and removes those set to undefined', async () => {
    const { ended, lines } = run(
      fromChildProcess(node(childArgs('env'), { env: { FIXTURE_VALUE: '42', HOME: undefined } })),
    );
    expect((await ended).status).toBe('done');
    expect(lines).toEqual(['FIXTURE_VALUE=42 HOME_SET=false']);
  });

  it('fails with a ChildProcessError carrying the exit code and the last 20 lines of stderr', async () => {
    const err = collector();
    const { ended } = run(
      fromChildProcess(
        node(childArgs('crash', '25'), { name: 'crasher', stderr: err, prefix: '[c] ' }),
      ),
    );
    const { status, error } = await ended;
    expect(status).toBe('error');
    expect(error).toBeInstanceOf(ChildProcessError);
    const failure = error as ChildProcessError;
    expect(failure).toMatchObject({
      name: 'ChildProcessError',
      failure: 'exit',
      processName: 'crasher',
      exitCode: 3,
      signal: null,
      code: 3,
    });
    expect(failure.stderrTail).toHaveLength(20);
    expect(failure.stderrTail[0]).toBe('error line 6');
    expect(failure.stderrTail[19]).toBe('error line 25');
    expect(failure.message).toMatch(
      /^process "crasher" \(pid \d+, command .*child\.mjs crash 25\) exited with code 3; its last 20 lines of stderr:\n {2}error line 6\n/,
    );
    expect(failure.message).not.toContain('error line 5\n');
    expect(err.lines()).toHaveLength(25);
    expect(err.lines()[0]).toBe('[c] error line 1');
  });

  it('fails with a clear message when the command cannot be started', async () => {
    const notFound = await run(
      fromChildProcess({ command: 'xsup-no-such-command', args: ['x'], cwd: scratch }),
    ).ended;
    expect(notFound.status).toBe('error');
    expect(notFound.error).toMatchObject({
      name: 'ChildProcessError',
      failure: 'spawn',
      code: 'ENOENT',
    });
    expect((notFound.error as Error).message).toBe(
      `process "xsup-no-such-command" could not be started (command xsup-no-such-command x, cwd "${scratch}"): command "xsup-no-such-command" was not found (in "${scratch}" or on PATH); check its name, install it or give its full path`,
    );
    expect((notFound.error as Error).cause).toMatchObject({ code: 'ENOENT' });

    const missingDir = join(scratch, 'missing');
    const badCwd = await run(fromChildProcess(node(childArgs('exit0'), { cwd: missingDir }))).ended;
    expect(badCwd.status).toBe('error');
    expect((badCwd.error as Error).message).toContain(
      `its working directory "${missingDir}" does not exist or is not a directory; create it or fix the "cwd" option`,
    );

    const script = join(scratch, 'not-executable.sh');
    writeFileSync(script, '#!/bin/sh\necho hi\n');
    chmodSync(script, 0o644);
    const notExecutable = await run(fromChildProcess({ command: script })).ended;
    expect(notExecutable.status).toBe('error');
    expect((notExecutable.error as Error).message).toContain(
      `command "${script}" is not executable (permission denied)`,
    );
  });

  it('sends reload (SIGHUP) and shutdown (SIGTERM) to the whole process group', async () => {
    const { actor, ended, lines, pidOf, sawLine } = run(
      fromChildProcess(node(childArgs('with-grandchild', 'steady', 'steady'))),
    );
    const pids = [await pidOf('child'), await pidOf('grandchild')];
    expect(actor.getSnapshot().pid).toBe(pids[0]);

    actor.send({ type: 'reload' });
    await sawLine('child reloaded');
    await sawLine('grandchild reloaded');

    actor.send({ type: 'shutdown' });
    const result = await ended;
    expect(result.status).toBe('done');
    expect(result.output).toMatchObject({ exitCode: 0, signal: null, shutdown: true });
    expect(lines).toContain('child stopping');
    expect(lines).toContain('grandchild stopping');
    await waitGone(pids);
  });

  it('counts a process ended by its shutdown signal as a clean shutdown', async () => {
    const { actor, ended, pidOf } = run(
      fromChildProcess(node(childArgs('default-term'), { shutdownSignal: 'SIGINT' })),
    );
    const pid = await pidOf('child');
    actor.send({ type: 'shutdown' });
    const result = await ended;
    expect(result.status).toBe('done');
    expect(result.output).toMatchObject({ exitCode: null, signal: 'SIGINT', shutdown: true });
    await waitGone([pid]);
  });

  it('fails when a signal it was not asked to stop with ends the process', async () => {
    const { ended, pidOf } = run(fromChildProcess(node(childArgs('default-term'))));
    const pid = await pidOf('child');
    process.kill(pid, 'SIGTERM');
    const { status, error } = await ended;
    expect(status).toBe('error');
    expect(error).toMatchObject({
      failure: 'signal',
      signal: 'SIGTERM',
      exitCode: null,
      code: 'SIGTERM',
    });
    expect((error as Error).message).toContain(
      'was ended by signal SIGTERM; it wrote nothing to stderr',
    );
  });

  it('SIGKILLs the whole group when the actor is stopped', async () => {
    const { actor, pidOf } = run(
      fromChildProcess(node(childArgs('with-grandchild', 'ignore-term', 'ignore-term'))),
    );
    const pids = [await pidOf('child'), await pidOf('grandchild')];
    actor.stop();
    expect(actor.getSnapshot().status).toBe('stopped');
    await waitGone(pids);
  });

  it('is SIGKILLed, grandchild included, when it outlives a supervisor grace period', async () => {
    const supervisor = createSupervisor(
      fromChildProcess(node(childArgs('with-grandchild', 'ignore-term', 'ignore-term'))),
      { shutdownTimeoutMs: 300 },
    );
    const { actor, ended, pidOf } = run(supervisor);
    const pids = [await pidOf('child'), await pidOf('grandchild')];

    const t0 = performance.now();
    actor.send({ type: 'shutdown' });
    const result = await ended;
    const elapsed = performance.now() - t0;
    expect(result.status).toBe('done');
    expect((result.output as SupervisorOutput).reason).toBe('forced');
    expect(elapsed).toBeGreaterThanOrEqual(295);
    expect(elapsed).toBeLessThan(5_000);
    await waitGone(pids);
  });

  it('sends SIGTERM to processes left in the group after a clean exit', async () => {
    const { ended, lines, pidOf } = run(
      fromChildProcess(node(childArgs('with-grandchild', 'steady', 'exit0'))),
    );
    const grandchild = await pidOf('grandchild');
    const result = await ended;
    expect(result.status).toBe('done');
    expect(result.output).toMatchObject({ exitCode: 0, shutdown: false });
    expect(lines).toContain('grandchild stopping');
    expect(isAlive(grandchild)).toBe(false);
  });

  it('SIGKILLs leftovers that ignore SIGTERM after leftoverGraceMs, then reports the crash', async () => {
    const { ended, arrivals, pidOf } = run(
      fromChildProcess(
        node(childArgs('with-grandchild', 'ignore-term', 'crash'), { leftoverGraceMs: 300 }),
      ),
    );
    const grandchild = await pidOf('grandchild');
    const parent = await pidOf('child');
    const { status, error } = await ended;
    // The parent crashes right after saying it is ready; the leftover grace starts after that.
    expect(performance.now() - arrivals.get(`child ready ${parent}`)!).toBeGreaterThanOrEqual(295);
    expect(status).toBe('error');
    expect(error).toMatchObject({ failure: 'exit', exitCode: 4, stderrTail: ['child crashes'] });
    expect(isAlive(grandchild)).toBe(false);
  });

  it('is restarted with backoff by a supervisor after crashes', async () => {
    const counter = join(scratch, 'starts');
    const supervisor = createSupervisor(
      fromChildProcess(node(childArgs('crash-until', counter, '2'))),
      { backoff: { initialMs: 50, maxMs: 1_000, factor: 2 } },
    );
    const t0 = performance.now();
    const { actor, ended, pidOf } = run(supervisor);
    const events: string[] = [];
    actor.on('*', (event: { type: string; delayMs?: number }) => {
      // The child's own `output` events are emitted by the supervisor too; only the lifecycle here.
      if (event.type === 'output') return;
      events.push(event.delayMs === undefined ? event.type : `${event.type} ${event.delayMs}`);
    });
    const pid = await pidOf('child');
    expect(performance.now() - t0).toBeGreaterThanOrEqual(140);
    const { context } = actor.getSnapshot();
    expect(context).toMatchObject({ restarts: 2, failures: 2 });
    expect(context.lastError).toMatchObject({ name: 'ChildProcessError', code: 2 });
    expect(context.lastError.message).toContain('exited with code 2');
    expect(context.lastError.message).toContain('start 2 fails');
    expect(events).toEqual([
      'child.failed',
      'restart.scheduled 50',
      'child.started',
      'child.failed',
      'restart.scheduled 100',
      'child.started',
    ]);
    actor.send({ type: 'shutdown' });
    const result = await ended;
    expect(result.output).toMatchObject({ reason: 'shutdown', restarts: 2 });
    await waitGone([pid]);
  });

  it('SIGKILLs the groups still running when Node exits', async () => {
    const script = fileURLToPath(new URL('../fixtures/exitEarly.ts', import.meta.url));
    const program = spawn(process.execPath, ['--import', 'tsx', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    program.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
    });
    const code = await new Promise<number | null>((resolve) => program.once('exit', resolve));
    const pids = (/^pids (\d+) (\d+)\n$/.exec(out) ?? []).slice(1).map(Number);
    for (const pid of pids) started.add(pid);
    expect(code).toBe(0);
    expect(pids).toHaveLength(2);
    await waitGone(pids);
  });

  it('rejects bad options with a TypeError naming the option, the value and what is allowed', () => {
    const bad = (options: unknown) => () => fromChildProcess(options as ChildProcessOptions);
    expect(bad(undefined)).toThrow(TypeError);
    expect(bad({ command: '' })).toThrow(
      'fromChildProcess: option "command" must be a non-empty string; got ""',
    );
    expect(bad({ command: 'x', args: 'a b' })).toThrow(
      'option "args" must be an array of strings; got "a b"',
    );
    expect(bad({ command: 'x', env: { A: 1 } })).toThrow(
      'option "env.A" must be a string, or undefined to remove the variable; got a value of type number (not shown)',
    );
    expect(bad({ command: 'x', shutdownSignal: 'SIGTERMINATE' })).toThrow(
      /option "shutdownSignal" must be one of "SIGHUP", .*"SIGTERM".*; got "SIGTERMINATE"/,
    );
    expect(bad({ command: 'x', stdout: 'inherit' })).toThrow(
      'option "stdout" must be false or an object with a write(text) method; got "inherit"',
    );
    expect(bad({ command: 'x', stderrTailLines: -1 })).toThrow('option "stderrTailLines"');
    expect(bad({ command: 'x', leftoverGraceMs: 'soon' })).toThrow('option "leftoverGraceMs"');
    expect(bad({ command: 'x', shell: 1 })).toThrow(
      'option "shell" must be true, false or the path of a shell',
    );
    expect(bad({ command: 'x', prefix: 3 })).toThrow(
      'option "prefix" must be a string or false; got 3',
    );
  });

  it('runs a command line through the shell, and names it after the program', async () => {
    const out = collector();
    const { ended } = run(
      fromChildProcess({
        command: `"${process.execPath}" -e "console.log(1 + 1)"`,
        shell: true,
        name: undefined,
        stdout: out,
      }),
    );
    expect((await ended).status).toBe('done');
    expect(out.text()).toBe('node | 2\n');
  });
});
