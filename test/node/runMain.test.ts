import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { type createActor, fromPromise, setup } from 'xstate';
import { fromProcess } from '../../src/actors/fromProcess.js';
import { idle } from '../../src/actors/idle.js';
import { createSupervisor } from '../../src/machines/supervisor.js';
import { formatErrorChain } from '../../src/node/errorChain.js';
import { ChildProcessError, fromChildProcess } from '../../src/node/fromChildProcess.js';
import { runMain } from '../../src/node/runMain.js';
import type { RunMainOptions } from '../../src/node/runMainOptions.js';
import {
  childArgs,
  collector,
  isAlive,
  killAll,
  waitFor,
  waitGone,
} from '../fixtures/processes.js';

const WATCHED = ['SIGINT', 'SIGTERM', 'SIGQUIT', 'SIGHUP'] as const;
const listenerCounts = () => WATCHED.map((signal) => process.listenerCount(signal));
const baseline = listenerCounts();
const leftovers = new Set<number>();

afterEach(() => {
  killAll(leftovers);
  leftovers.clear();
  expect(listenerCounts()).toEqual(baseline);
});

/** A process that ignores shutdown: it only ends when stopped. */
const stubborn = fromProcess(() => new Promise<void>(() => {}));

describe('runMain', () => {
  it('shuts the tree down gracefully on SIGTERM and resolves to 0', async () => {
    const stderr = collector();
    const exit = runMain(createSupervisor(idle, { id: 'app' }), { stderr, log: false });
    expect(listenerCounts()).toEqual(baseline.map((count) => count + 1));
    process.emit('SIGTERM');
    expect(await exit).toBe(0);
    expect(stderr.text()).toBe(
      'app: SIGTERM received, shutting down gracefully (send it again to stop at once)\n',
    );
  });

  it('resolves to 0 when the root actor completes on its own', async () => {
    const exit = runMain(
      fromPromise(async () => 'done'),
      { stderr: collector() },
    );
    expect(await exit).toBe(0);
  });

  it('stops the tree at once on a second shutdown signal and resolves to 128 + n', async () => {
    const stderr = collector();
    const exit = runMain(createSupervisor(stubborn, { shutdownTimeoutMs: 60_000 }), {
      stderr,
      log: false,
      name: 'svc',
    });
    process.emit('SIGINT');
    await new Promise((resolve) => setTimeout(resolve, 20));
    process.emit('SIGINT');
    expect(await exit).toBe(130);
    expect(stderr.lines()).toEqual([
      'svc: SIGINT received, shutting down gracefully (send it again to stop at once)',
      'svc: SIGINT received again, stopping at once',
    ]);
  });

  it('sends reload on SIGHUP, and follows a custom signal map', async () => {
    let reloads = 0;
    const worker = fromProcess(({ signal, onReload }) => {
      onReload(() => {
        reloads += 1;
      });
      return new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
    });
    const stderr = collector();
    const snapshots: string[] = [];
    const exit = runMain(createSupervisor(worker), {
      stderr,
      log: false,
      signals: { SIGHUP: 'reload', SIGUSR2: 'shutdown' },
      onSnapshot: (snapshot) => snapshots.push(JSON.stringify(snapshot.value)),
    });
    expect(process.listenerCount('SIGTERM')).toBe(baseline[1]);
    process.emit('SIGHUP');
    process.emit('SIGHUP');
    await waitFor('two reloads', () => reloads === 2);
    process.emit('SIGUSR2');
    expect(await exit).toBe(0);
    expect(process.listenerCount('SIGUSR2')).toBe(0);
    expect(stderr.lines()[0]).toBe('supervisor: SIGHUP received, sending reload');
    expect(snapshots.at(-1)).toBe('"stopped"');
  });

  it('resolves to 1 after a failure and prints the error with its chain of causes', async () => {
    const stderr = collector();
    const failing = fromPromise(async () => {
      throw new Error('cannot reach the database\nhost db:5432', {
        cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
      });
    });
    const exit = runMain(
      createSupervisor(failing, { id: 'api', maxRestarts: { count: 0, withinMs: 1_000 } }),
      {
        stderr,
        log: false,
      },
    );
    expect(await exit).toBe(1);
    const text = stderr.text();
    expect(text).toMatch(
      /^api failed:\nSupervisorError: supervisor "api" gave up on child "api" \(more than 0 restarts within 1000 ms\): Error: cannot reach the database\n {2}host db:5432\n {2}caused by Error: cannot reach the database\n {4}host db:5432\n {2}caused by Error: connect ECONNREFUSED\n {4}at /,
    );
  });

  it('stops the children of a root that fails, so no OS process outlives it', async () => {
    const machine = setup({
      actors: {
        worker: fromChildProcess({
          command: process.execPath,
          args: childArgs('steady'),
          stdout: false,
          stderr: false,
        }),
      },
    }).createMachine({
      invoke: { id: 'worker', src: 'worker' },
      on: {
        boom: {
          actions: () => {
            throw new Error('a bug in an action');
          },
        },
      },
    });
    let root: { send(event: { type: string }): void } | undefined;
    const stderr = collector();
    const exit = runMain(machine, { stderr, log: false, onStart: (actor) => (root = actor) });
    const pid = await waitFor('the worker pid', () => {
      const worker = (root as ReturnType<typeof createActor<typeof machine>>).getSnapshot().children
        .worker;
      return (worker?.getSnapshot() as { pid?: number } | undefined)?.pid;
    });
    leftovers.add(pid);
    root!.send({ type: 'boom' });
    expect(await exit).toBe(1);
    expect(stderr.text()).toContain('Error: a bug in an action\n    at ');
    await waitGone([pid]);
  });

  it('calls onStart before the root starts, so no emitted event is missed', async () => {
    const seen: string[] = [];
    const exit = runMain(createSupervisor(idle), {
      stderr: collector(),
      onStart: (actor) => {
        expect(actor.getSnapshot().status).toBe('active');
        actor.on('*', (event) => seen.push(event.type));
      },
    });
    process.emit('SIGQUIT');
    expect(await exit).toBe(0);
    expect(seen).toEqual(['child.started', 'shutdown.started', 'child.stopped']);
  });

  it('rejects bad arguments with a TypeError naming the option, the value and what is allowed', () => {
    const bad = (logic: unknown, options?: unknown) => () =>
      runMain(logic as typeof idle, options as RunMainOptions<typeof idle>);
    expect(bad(() => 1)).toThrow('runMain: option "logic" must be XState actor logic');
    expect(bad(idle, { signals: { SIGTERM: 'quit' } })).toThrow(
      'runMain: option "signals.SIGTERM" must be "shutdown", "reload" or an event object',
    );
    expect(bad(idle, { stderr: 'stderr' })).toThrow(
      'runMain: option "stderr" must be an object with a write(text) method; got "stderr"',
    );
    expect(bad(idle, { onStart: 1 })).toThrow('option "onStart" must be a function');
    expect(listenerCounts()).toEqual(baseline);
  });
});

describe('formatErrorChain', () => {
  it('writes each cause on its own line, non-Error values and cycles included', () => {
    const inner = new Error('inner');
    const outer = new Error('outer\nsecond line', { cause: inner });
    (inner as { cause?: unknown }).cause = outer;
    expect(formatErrorChain(outer)).toBe(
      'Error: outer\n  second line\n  caused by Error: inner\n  caused by (a cause seen above)',
    );
    expect(formatErrorChain(new TypeError('bad', { cause: 'disk full' }))).toBe(
      'TypeError: bad\n  caused by string: "disk full"',
    );
    expect(formatErrorChain(42)).toBe('number: 42');
    const withStack = formatErrorChain(
      new ChildProcessError('x', {
        failure: 'exit',
        processName: 'p',
        command: 'p',
        args: [],
        cwd: '/',
      }),
      { stack: true },
    );
    expect(withStack).toMatch(/^ChildProcessError: x\n {4}at /);
  });
});

describe('runMain in a real process', () => {
  const script = fileURLToPath(new URL('../fixtures/main.ts', import.meta.url));

  function start(mode: string) {
    const child = spawn(process.execPath, ['--import', 'tsx', script, mode], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output = { out: '', err: '' };
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output.out += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      output.err += chunk;
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    if (child.pid) leftovers.add(child.pid);
    const workerPid = () =>
      waitFor(
        'the worker to be ready',
        () => {
          const match = /worker \| child ready (\d+)\n/.exec(output.out);
          if (match) leftovers.add(Number(match[1]));
          return match ? Number(match[1]) : undefined;
        },
        15_000,
      );
    return { child, output, exited, workerPid };
  }

  it('shuts down gracefully on SIGTERM, exits 0 and by itself', async () => {
    const { child, output, exited, workerPid } = start('graceful');
    const worker = await workerPid();
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output.out).toContain('worker | child stopping\n');
    expect(output.out).toContain('event child.stopped\nexit code 0\n');
    expect(output.err).toBe(
      'service: SIGTERM received, shutting down gracefully (send it again to stop at once)\n',
    );
    expect(isAlive(worker)).toBe(false);
  });

  it('stops at once on a second SIGINT, kills the worker and exits 130', async () => {
    const { child, output, exited, workerPid } = start('stubborn');
    const worker = await workerPid();
    const t0 = performance.now();
    child.kill('SIGINT');
    await waitFor('the first SIGINT to be seen', () => output.out.includes('ignoring SIGTERM'));
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(performance.now() - t0).toBeLessThan(10_000);
    expect(output.err).toContain('service: SIGINT received again, stopping at once\n');
    expect(output.out).toContain('event child.forced\nexit code 130\n');
    await waitGone([worker]);
  });

  it('exits 1 after the tree failed, printing the cause chain with the stderr tail', async () => {
    const { output, exited } = start('fail');
    expect(await exited).toBe(1);
    expect(output.out).toContain('event supervisor.gaveUp\nexit code 1\n');
    expect(output.err.startsWith('worker | error line 1\nworker | error line 2\n')).toBe(true);
    expect(output.err).toMatch(
      /\nservice failed:\nSupervisorError: supervisor "service" gave up on child "service" \(more than 1 restarts within 60000 ms\): ChildProcessError: process "worker" \(pid \d+, command .*\) exited with code 3; its last 2 lines of stderr:\n/,
    );
    expect(output.err).toMatch(
      /\n {2}caused by ChildProcessError: process "worker" \(pid \d+, command .*\) exited with code 3; its last 2 lines of stderr:\n {6}error line 1\n {6}error line 2\n$/,
    );
  });
});

describe('runMain observability options', () => {
  it('logs the lifecycle of the whole tree on stderr by default, one line per event', async () => {
    const stderr = collector();
    const exit = runMain(createSupervisor(idle, { id: 'app' }), { stderr });
    process.emit('SIGTERM');
    expect(await exit).toBe(0);
    expect(stderr.text().split('\n')).toEqual([
      'app/app: started',
      'app: SIGTERM received, shutting down gracefully (send it again to stop at once)',
      'app/app: shutting down',
      'app/app: stopped',
      '',
    ]);
  });

  it('writes JSON lines when asked', async () => {
    const stderr = collector();
    const exit = runMain(createSupervisor(idle, { id: 'app' }), {
      stderr,
      log: { format: 'json', now: () => new Date(0) },
    });
    process.emit('SIGTERM');
    expect(await exit).toBe(0);
    const first = JSON.parse(stderr.text().split('\n')[0]!);
    expect(first).toEqual({
      time: '1970-01-01T00:00:00.000Z',
      level: 'info',
      type: 'child.started',
      supervisorId: 'app',
      childId: 'app',
      restarts: 0,
    });
  });

  it('serves health endpoints and metrics while the tree runs and closes them after', async () => {
    const stderr = collector();
    let url = '';
    const exit = runMain(createSupervisor(idle, { id: 'app' }), {
      stderr,
      log: false,
      health: { port: 0 },
    });
    await waitFor('the health server', () =>
      /health endpoints on (http:\/\/[^/\s]+)\/livez/.test(stderr.text()),
    );
    url = /health endpoints on (http:\/\/[^/\s]+)\/livez/.exec(stderr.text())![1]!;
    expect(stderr.text()).toBe(
      `app: health endpoints on ${url}/livez, ${url}/readyz and ${url}/metrics\n`,
    );
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(200);
    const metrics = await fetch(`${url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('\nxstate_supervisor_child_up{path="app/app"} 1\n');
    process.emit('SIGTERM');
    expect(await exit).toBe(0);
    await expect(fetch(`${url}/livez`)).rejects.toThrow();
  });

  it('exits 2 with one clear line, starting nothing, when the health port is taken', async () => {
    const { createServer } = await import('node:net');
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve()));
    const port = (blocker.address() as { port: number }).port;
    const stderr = collector();
    const exit = runMain(createSupervisor(idle, { id: 'app' }), {
      stderr,
      log: false,
      health: { port },
    });
    expect(await exit).toBe(2);
    // One line that says what to change: no stack, no chain of causes.
    expect(stderr.text()).toBe(
      `app: the health endpoints cannot listen on 127.0.0.1:${port}: the port is in use; choose another port, or stop what listens there\n`,
    );
    blocker.close();
  });
});
