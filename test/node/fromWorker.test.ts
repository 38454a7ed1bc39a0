/**
 * `fromWorker` with real worker threads: events down and up through a supervisor, failures and
 * restarts, graceful and forced shutdown, readiness, transfer lists, and the pool example.
 * Every test ends with as many OS threads as the process had before it: no thread is left.
 */
import { readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import fc from 'fast-check';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type AnyActorLogic, type AnyActorRef, assign, createActor, setup } from 'xstate';
import { createWorkerPool, type JobResult, type PrimeJob } from '../../examples/workerPool.js';
import type { LifecycleEvent } from '../../src/lifecycle.js';
import { createSupervisor, type SupervisorOutput } from '../../src/machines/supervisor.js';
import {
  type EventFromWorker,
  fromWorker,
  WorkerError,
  type WorkerOutput,
} from '../../src/node/fromWorker.js';
import { RESOURCE_LIMIT_KEYS, WORKER_OPTION_KEYS } from '../../src/node/workerOptions.js';
import { childOf } from '../../src/runtime/reach.js';
import { describeTree, isTreeReady } from '../../src/tree.js';
import { waitFor } from '../fixtures/processes.js';

type EchoIn =
  | { type: 'echo'; value: unknown }
  | { type: 'bytes'; data: ArrayBuffer }
  | { type: 'describe' }
  | { type: 'junk' }
  | { type: 'crash' }
  | { type: 'exit'; code: number }
  | { type: 'finish' };
type EchoOut =
  | { type: 'hello'; workerData: unknown }
  | { type: 'echoed'; value: unknown; id?: string }
  | { type: 'bytes'; length: number; keys: string[] }
  | { type: 'described'; env?: string; home: string; argv: string[]; execArgv: string[] }
  | { type: 'stopping' }
  | { type: 'after-junk' };

const fixture = (name: string) => new URL(`../fixtures/workers/${name}`, import.meta.url);
const echo = (options: Partial<Parameters<typeof fromWorker>[0]> = {}) =>
  fromWorker<EchoIn, EchoOut, { id?: string; readyAfterMs?: number } | undefined>({
    file: fixture('echo.mjs'),
    ...options,
  });

/** OS threads of this process (Linux); a worker is one while it runs. */
const threads = () => readdirSync('/proc/self/task').length;
let baseline = 0;

beforeAll(async () => {
  // Start what Node starts once (the libuv pool, a first worker), then count.
  await readFile(new URL(import.meta.url));
  const actor = createActor(echo()).start();
  await waitFor('the warm-up worker to say hello', () => actor.getSnapshot().threadId);
  actor.stop();
  await new Promise((resolve) => setTimeout(resolve, 200));
  baseline = threads();
});

const actors: AnyActorRef[] = [];
afterEach(async () => {
  for (const actor of actors.splice(0)) actor.stop();
  await waitFor(`the threads to be back to ${baseline}`, () => threads() <= baseline, 10_000);
});

interface Ended {
  status: 'done' | 'error';
  output?: unknown;
  error?: unknown;
}

/** Starts an actor; resolves when it ends. */
function run(logic: AnyActorLogic, input?: unknown) {
  const actor = createActor(logic, { input });
  actors.push(actor);
  const lifecycle: LifecycleEvent[] = [];
  actor.on('*', (event) => lifecycle.push(event as LifecycleEvent));
  const ended = new Promise<Ended>((resolve) =>
    actor.subscribe({
      complete: () => resolve({ status: 'done', output: actor.getSnapshot().output }),
      error: (error) => resolve({ status: 'error', error }),
    }),
  );
  actor.start();
  return { actor, lifecycle, ended };
}

/** An app machine that invokes a supervisor around the worker and keeps every event that reaches it. */
function appAround(
  logic: ReturnType<typeof echo>,
  options: Parameters<typeof createSupervisor>[1],
) {
  return setup({
    types: {
      context: {} as { up: Array<EventFromWorker<typeof logic>> },
      events: {} as EventFromWorker<typeof logic>,
    },
    actors: { supervisor: createSupervisor(logic, options) },
  }).createMachine({
    context: { up: [] },
    invoke: { id: 'supervisor', src: 'supervisor' },
    on: { '*': { actions: assign({ up: ({ context, event }) => [...context.up, event] }) } },
  });
}

/** Starts an app around the worker; `send` goes down to the supervisor, `up` lists what came up. */
function runApp(logic: ReturnType<typeof echo>, options: Parameters<typeof createSupervisor>[1]) {
  const { actor, lifecycle, ended } = run(appAround(logic, options));
  const supervisor = actor.getSnapshot().children.supervisor as AnyActorRef;
  const supervisorLifecycle: LifecycleEvent[] = [];
  supervisor.on('*', (event) => supervisorLifecycle.push(event as LifecycleEvent));
  const up = () =>
    actor.getSnapshot().context.up as Array<{ type: string } & Record<string, unknown>>;
  const upOf = (type: string) => up().filter((event) => event.type === type);
  return {
    actor,
    supervisor,
    lifecycle: supervisorLifecycle,
    ended,
    appLifecycle: lifecycle,
    send: (event: EchoIn | { type: 'shutdown' }) => supervisor.send(event),
    up,
    upOf,
  };
}

const fast = { backoff: { initialMs: 20, maxMs: 200, factor: 2, jitter: 'none' as const } };

describe('fromWorker: events down and up', () => {
  it('posts events to the worker and sends what it posts to the app above its supervisor, once each', async () => {
    const app = runApp(echo(), { ...fast, input: { id: 'w1' } });
    await waitFor('hello', () => app.upOf('hello').length === 1);
    expect(app.upOf('hello')[0]).toEqual({ type: 'hello', workerData: { id: 'w1' } });
    app.send({ type: 'echo', value: { nested: [1, 'two'] } });
    app.send({ type: 'echo', value: 3 });
    await waitFor('two echoes', () => app.upOf('echoed').length === 2);
    expect(app.upOf('echoed')).toEqual([
      { type: 'echoed', value: { nested: [1, 'two'] }, id: 'w1' },
      { type: 'echoed', value: 3, id: 'w1' },
    ]);
    // Nothing came back down: the worker saw only what was sent to it.
    expect(app.upOf('unknown')).toEqual([]);
  });

  it('moves a transfer list to the worker and leaves `transfer` out of the message', async () => {
    const { actor } = run(
      setup({
        types: { context: {} as { got: unknown[] } },
        actors: { worker: echo() },
      }).createMachine({
        context: { got: [] },
        invoke: { id: 'worker', src: 'worker' },
        on: {
          bytes: { actions: assign({ got: ({ context, event }) => [...context.got, event] }) },
        },
      }),
    );
    const worker = actor.getSnapshot().children.worker as AnyActorRef;
    const data = new ArrayBuffer(4096);
    worker.send({ type: 'bytes', data, transfer: [data] });
    expect(data.byteLength, 'moved, not copied: detached here').toBe(0);
    await waitFor('the answer', () => actor.getSnapshot().context.got.length === 1);
    expect(actor.getSnapshot().context.got).toEqual([
      { type: 'bytes', length: 4096, keys: ['type', 'data'] },
    ]);
  });

  it('passes env, argv and execArgv to the worker', async () => {
    const { actor } = run(
      setup({
        types: { context: {} as { got: unknown[] } },
        actors: {
          worker: echo({
            env: { FROM_WORKER_TEST: 'yes', HOME: undefined },
            argv: ['--one', 'two'],
            execArgv: ['--no-deprecation'],
          }),
        },
      }).createMachine({
        context: { got: [] },
        invoke: { id: 'worker', src: 'worker' },
        on: {
          described: { actions: assign({ got: ({ context, event }) => [...context.got, event] }) },
        },
      }),
    );
    (actor.getSnapshot().children.worker as AnyActorRef).send({ type: 'describe' });
    await waitFor('the answer', () => actor.getSnapshot().context.got.length === 1);
    expect(actor.getSnapshot().context.got).toEqual([
      {
        type: 'described',
        env: 'yes',
        home: 'unset',
        argv: ['--one', 'two'],
        execArgv: ['--no-deprecation'],
      },
    ]);
    expect(process.env.FROM_WORKER_TEST).toBeUndefined();
  });

  it('drops what is not an event, and reserved xstate.* types, and reports them to the supervisor', async () => {
    const app = runApp(echo(), fast);
    await waitFor('hello', () => app.upOf('hello').length === 1);
    app.send({ type: 'junk' });
    await waitFor('the event after the junk', () => app.upOf('after-junk').length === 1);
    const dropped = app.lifecycle.filter((event) => event.type === 'message.dropped');
    expect(dropped.map((event) => event.type === 'message.dropped' && event.count)).toEqual([1, 1]);
    expect(app.up().map((event) => event.type)).toEqual(['hello', 'after-junk']);
    expect(app.supervisor.getSnapshot().status).toBe('active');
  });

  it('fails with a WorkerError naming the event when an event cannot be posted, and ends the thread', async () => {
    const { actor, ended } = run(echo());
    await waitFor('the thread', () => actor.getSnapshot().threadId);
    actor.send({ type: 'echo', value: () => 1 });
    const end = await ended;
    expect(end.status).toBe('error');
    expect(end.error).toBeInstanceOf(WorkerError);
    expect((end.error as WorkerError).failure).toBe('post');
    expect(String((end.error as Error).message)).toMatch(
      /^worker "echo.mjs" \(thread \d+, .*echo\.mjs\) could not be posted the event "echo": DataCloneError/,
    );
  });
});

describe('fromWorker: failures', () => {
  it('an uncaught error fails the run; the supervisor restarts it with backoff and the new thread works', async () => {
    const app = runApp(echo(), { ...fast, input: { id: 'w1' } });
    await waitFor('hello', () => app.upOf('hello').length === 1);
    const first = (childOf(app.supervisor) as AnyActorRef | undefined)?.getSnapshot()
      .threadId as number;
    app.send({ type: 'crash' });
    await waitFor('a second hello', () => app.upOf('hello').length === 2);
    app.send({ type: 'crash' });
    await waitFor('a third hello', () => app.upOf('hello').length === 3);
    const delays = app.lifecycle.flatMap((event) =>
      event.type === 'restart.scheduled' ? [event.delayMs] : [],
    );
    expect(delays).toEqual([20, 40]);
    const failed = app.lifecycle.filter((event) => event.type === 'child.failed');
    expect(failed).toHaveLength(2);
    const context = app.supervisor.getSnapshot().context as {
      lastError: { name: string; message: string; code?: unknown };
    };
    expect(context.lastError.name).toBe('WorkerError');
    expect(context.lastError.message).toMatch(
      /^worker "echo.mjs" \(thread \d+, .*echo\.mjs\) failed: Error: crashed on purpose \(w1\)$/,
    );
    app.send({ type: 'echo', value: 'after two crashes' });
    await waitFor('the echo', () => app.upOf('echoed').length === 1);
    const third = (childOf(app.supervisor) as AnyActorRef | undefined)?.getSnapshot()
      .threadId as number;
    expect(third).toBeGreaterThan(first);
  });

  it('an exit with a code other than 0 fails the actor with a WorkerError carrying the code', async () => {
    const { actor, ended } = run(echo());
    await waitFor('the thread', () => actor.getSnapshot().threadId);
    actor.send({ type: 'exit', code: 3 });
    const end = await ended;
    expect(end.status).toBe('error');
    const error = end.error as WorkerError;
    expect(error).toBeInstanceOf(WorkerError);
    expect(error).toMatchObject({ failure: 'exit', exitCode: 3, code: 3, workerName: 'echo.mjs' });
    expect(error.message).toMatch(
      /^worker "echo.mjs" \(thread \d+, \/.*\/echo\.mjs\) exited with code 3$/,
    );
  });

  it('a worker that ends on its own with exit code 0 completes the actor', async () => {
    const { actor, ended } = run(echo({ name: 'echo' }));
    await waitFor('the thread', () => actor.getSnapshot().threadId);
    actor.send({ type: 'finish' });
    const end = await ended;
    expect(end.status).toBe('done');
    expect(end.output).toEqual({
      name: 'echo',
      threadId: actor.getSnapshot().threadId!,
      exitCode: 0,
      shutdown: false,
    } satisfies WorkerOutput);
  });

  it('a worker over its resourceLimits fails with the worker’s out-of-memory error', async () => {
    const { ended } = run(
      fromWorker({ file: fixture('hog.mjs'), resourceLimits: { maxOldGenerationSizeMb: 16 } }),
    );
    const end = await ended;
    expect(end.status).toBe('error');
    expect(end.error).toMatchObject({ failure: 'error', code: 'ERR_WORKER_OUT_OF_MEMORY' });
  });

  it('a script that cannot be loaded fails the actor, naming the script', async () => {
    const { ended } = run(fromWorker({ file: fixture('missing.mjs') }));
    const end = await ended;
    expect(end.status).toBe('error');
    expect((end.error as Error).message).toMatch(
      /^worker "missing.mjs" \(thread \d+, .*missing\.mjs\) failed: Error: Cannot find module/,
    );
  });
});

describe('fromWorker: shutdown and stop', () => {
  it('shutdown is posted to the worker, which ends on its own: done, nothing forced', async () => {
    const app = runApp(echo(), { ...fast, shutdownTimeoutMs: 5_000 });
    await waitFor('hello', () => app.upOf('hello').length === 1);
    const child = childOf(app.supervisor) as AnyActorRef;
    const started = performance.now();
    app.send({ type: 'shutdown' });
    await waitFor('the supervisor to stop', () => app.supervisor.getSnapshot().status === 'done');
    expect(performance.now() - started).toBeLessThan(4_000);
    const output = app.supervisor.getSnapshot().output as SupervisorOutput<WorkerOutput>;
    expect(output).toMatchObject({ reason: 'shutdown', forced: [] });
    expect(output.output).toMatchObject({ exitCode: 0, shutdown: true });
    expect(child.getSnapshot().status).toBe('done');
    // The worker heard the shutdown: its last word came up before it ended.
    expect(app.upOf('stopping')).toHaveLength(1);
  });

  it('a worker that ignores shutdown is terminated after the grace period', async () => {
    const stubborn = fromWorker({ file: fixture('stubborn.mjs') });
    const { actor, lifecycle, ended } = run(
      createSupervisor(stubborn, { ...fast, shutdownTimeoutMs: 300 }),
    );
    await waitFor('the thread', () => threads() > baseline);
    const started = performance.now();
    actor.send({ type: 'shutdown' });
    const end = await ended;
    const took = performance.now() - started;
    expect(end.status).toBe('done');
    expect(end.output).toMatchObject({ reason: 'forced', forced: ['supervisor'] });
    expect(took).toBeGreaterThanOrEqual(290);
    expect(lifecycle.some((event) => event.type === 'child.forced')).toBe(true);
    await waitFor('the thread to be gone', () => threads() <= baseline);
  });

  it('actor.stop() terminates every thread, also of workers that ignore shutdown', async () => {
    const logics = [echo(), fromWorker({ file: fixture('stubborn.mjs') }), echo()];
    const running = logics.map((logic) => createActor(logic).start());
    await waitFor('three threads', () => running.every((actor) => actor.getSnapshot().threadId));
    await waitFor('three threads running', () => threads() >= baseline + 3);
    for (const actor of running) actor.stop();
    for (const actor of running) expect(actor.getSnapshot().status).toBe('stopped');
    await waitFor('every thread to be gone', () => threads() <= baseline);
  });

  it('stopping a supervisor tree stops its worker thread with it', async () => {
    const { actor } = run(createSupervisor(echo(), fast));
    await waitFor('the thread', () => threads() > baseline);
    actor.stop();
    await waitFor('the thread to be gone', () => threads() <= baseline);
  });
});

describe('fromWorker: readiness', () => {
  function parentOf(logic: AnyActorLogic) {
    return setup({
      types: { context: {} as { readyAt: number[] } },
      actors: { worker: logic },
    }).createMachine({
      context: { readyAt: [] },
      invoke: { id: 'worker', src: 'worker', input: { readyAfterMs: 150 } },
      on: {
        'supervisor.ready': {
          actions: assign({ readyAt: ({ context }) => [...context.readyAt, performance.now()] }),
        },
      },
    });
  }

  it("readyOn 'message': the parent hears supervisor.ready once the worker posts ready, once", async () => {
    const started = performance.now();
    const { actor } = run(parentOf(echo({ readyOn: 'message' })));
    const worker = actor.getSnapshot().children.worker as AnyActorRef;
    await waitFor('the thread', () => worker.getSnapshot().threadId);
    expect(worker.getSnapshot().ready).toBe(false);
    await waitFor('ready', () => actor.getSnapshot().context.readyAt.length === 1);
    expect(actor.getSnapshot().context.readyAt[0]! - started).toBeGreaterThanOrEqual(140);
    expect(worker.getSnapshot().ready).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(actor.getSnapshot().context.readyAt).toHaveLength(1);
  });

  it("readyOn 'message' under a supervisor: not ready (context, /readyz) until the worker posts ready", async () => {
    const supervisor = createActor(
      createSupervisor(echo({ readyOn: 'message' }), { id: 'pool', input: { readyAfterMs: 150 } }),
    );
    actors.push(supervisor);
    supervisor.start();
    expect(supervisor.getSnapshot().context.ready).toBe(false);
    expect(isTreeReady(describeTree(supervisor))).toBe(false);
    await waitFor('ready', () => supervisor.getSnapshot().context.ready);
    expect(isTreeReady(describeTree(supervisor))).toBe(true);
  });

  it("readyOn 'start' (the default): ready at once, and the worker's ready message goes nowhere", async () => {
    const { actor } = run(parentOf(echo()));
    const worker = actor.getSnapshot().children.worker as AnyActorRef;
    await waitFor('the thread', () => worker.getSnapshot().threadId);
    expect(worker.getSnapshot().ready).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(actor.getSnapshot().context.readyAt).toEqual([]);
  });
});

describe('fromWorker: options', () => {
  const bad = (options: unknown) => () => fromWorker(options as never);

  it('refuses unknown keys with the closest known one, and bad values by name', () => {
    expect(bad({ file: './w.mjs', resourceLimit: {} })).toThrow(
      'fromWorker: unknown option "resourceLimit"; did you mean "resourceLimits"?',
    );
    expect(bad({ file: './w.mjs', resourceLimits: { maxOldGenerationSize: 8 } })).toThrow(
      'fromWorker: unknown option "resourceLimits.maxOldGenerationSize"; did you mean "resourceLimits.maxOldGenerationSizeMb"?',
    );
    expect(bad({ file: './w.mjs', resourceLimits: { stackSizeMb: 0 } })).toThrow(
      'fromWorker: option "resourceLimits.stackSizeMb" must be a number of megabytes above 0; got 0',
    );
    expect(bad({ file: './w.mjs', readyOn: 'online' })).toThrow(
      'fromWorker: option "readyOn" must be one of "start", "message"; got "online"',
    );
    expect(bad({ file: './w.mjs', argv: ['--x', 1] })).toThrow(
      'fromWorker: option "argv" must be an array of strings; got ["--x",1]',
    );
    expect(bad({ file: './w.mjs', env: { SECRET: 42 } })).toThrow(
      'fromWorker: option "env.SECRET" must be a string, or undefined to remove the variable; got a value of type number (not shown)',
    );
    expect(bad({ file: './w.mjs', name: '' })).toThrow('fromWorker: option "name" must be');
    expect(bad([])).toThrow('fromWorker: option "options" must be an object; got []');
  });

  it('refuses a script new Worker could not load: a bare name, a URL that is not file:', () => {
    expect(bad({})).toThrow(
      'fromWorker: option "file" must be a file: URL or the path of a script',
    );
    expect(bad({ file: 'worker.mjs' })).toThrow(
      /option "file" must be an absolute path, a path starting with "\.\/" or "\.\.\/".*new URL\('\.\/worker\.mjs', import\.meta\.url\)/,
    );
    expect(bad({ file: new URL('https://example.com/worker.mjs') })).toThrow(
      'fromWorker: option "file" must be a file: URL',
    );
    expect(() => fromWorker({ file: './worker.mjs' })).not.toThrow();
    expect(() => fromWorker({ file: '/srv/worker.mjs' })).not.toThrow();
  });

  it('either builds or throws a TypeError naming a field, for any options object (fuzzed)', () => {
    const value = fc.oneof(
      fc.anything(),
      fc.constantFrom('./w.mjs', 'w.mjs', '', 'start', 'message', new URL('file:///w.mjs')),
      fc.array(fc.string()),
      fc.dictionary(
        fc.oneof(fc.constantFrom(...RESOURCE_LIMIT_KEYS), fc.string()),
        fc.oneof(fc.integer(), fc.string(), fc.constant(undefined)),
      ),
    );
    const key = fc.oneof(fc.constantFrom(...WORKER_OPTION_KEYS), fc.string());
    fc.assert(
      fc.property(fc.dictionary(key, value), fc.boolean(), (options, withFile) => {
        const given = withFile ? { file: './w.mjs', ...options } : options;
        try {
          const logic = fromWorker(given as never);
          for (const k of Object.keys(given)) expect(WORKER_OPTION_KEYS).toContain(k);
          expect(typeof logic.transition).toBe('function');
        } catch (error) {
          expect(error).toBeInstanceOf(TypeError);
          expect((error as Error).message).toMatch(/^fromWorker: (option|unknown option) "[^"]*"/);
        }
      }),
    );
  });

  it('shows the script and the variable names to the inspector, never their values', () => {
    const logic = fromWorker({ file: fixture('echo.mjs'), env: { TOKEN: 'hunter2' } });
    expect(logic.config).toMatchObject({
      type: 'fromWorker',
      id: 'echo.mjs',
      env: { TOKEN: '[redacted]' },
    });
    expect(JSON.stringify(logic.config)).not.toContain('hunter2');
  });
});

describe('examples/workerPool.ts: a pool of workers under a process group', () => {
  /** What the worker computes, computed here (a sieve: not the worker's own method). */
  function primesBelow(n: number): number {
    const composite = new Uint8Array(n);
    let count = 0;
    for (let i = 2; i < n; i++) {
      if (composite[i]) continue;
      count++;
      for (let j = i * i; j < n; j += i) composite[j] = 1;
    }
    return count;
  }

  it('counts primes as the reference does', () => {
    expect([primesBelow(100), primesBelow(1_000), primesBelow(10_000)]).toEqual([25, 168, 1229]);
  });

  it('does every job once, with the right result, though some crash their worker; then leaves no thread', async () => {
    const jobs: PrimeJob[] = Array.from({ length: 40 }, (_, id) => ({
      id,
      below: 5_000 + 97 * id,
      // Jobs 5 and 17 crash the worker that takes them once, job 30 twice.
      crashes: id === 5 || id === 17 ? 1 : id === 30 ? 2 : 0,
    }));
    const { actor, ended } = run(createWorkerPool({ size: 2 }));
    const results: JobResult[] = [];
    actor.on('result', (result) => {
      results.push(result);
      if (results.length === jobs.length) actor.send({ type: 'shutdown' });
    });
    actor.send({ type: 'submit', jobs: jobs.slice(0, 20) });
    actor.send({ type: 'submit', jobs: jobs.slice(20) });
    const end = await ended;
    expect(end).toMatchObject({ status: 'done', output: { completed: 40, failed: 0, pending: 0 } });
    // Each crash puts back the job it ran and, at most, the one waiting behind it.
    const { requeued } = end.output as { requeued: number };
    expect(requeued).toBeGreaterThanOrEqual(4);
    expect(requeued).toBeLessThanOrEqual(8);
    expect(results.map((result) => result.jobId).sort((a, b) => a - b)).toEqual(
      jobs.map((job) => job.id),
    );
    for (const result of results) {
      const job = jobs[result.jobId]!;
      expect(result.attempts, `job ${job.id}`).toBe((job.crashes ?? 0) + 1);
      expect(result.primes, `job ${job.id}`).toBe(primesBelow(job.below));
    }
  });

  it('a crash puts back the job the worker ran and the one waiting behind it, in order', async () => {
    // One worker holds both jobs; job 0 crashes it: both go back, and are done in order.
    const { actor, ended } = run(createWorkerPool({ size: 1 }));
    const results: JobResult[] = [];
    actor.on('result', (result) => {
      results.push(result);
      if (results.length === 2) actor.send({ type: 'shutdown' });
    });
    actor.send({
      type: 'submit',
      jobs: [
        { id: 0, below: 100, crashes: 1 },
        { id: 1, below: 1_000 },
      ],
    });
    const end = await ended;
    expect(end.output).toEqual({ completed: 2, failed: 0, requeued: 2, pending: 0 });
    expect(results.map((result) => [result.jobId, result.attempts, result.primes])).toEqual([
      [0, 2, 25],
      [1, 1, 168],
    ]);
  });

  it('gives up a job that crashes its worker on every attempt after maxAttempts, and goes on', async () => {
    const { actor, ended } = run(createWorkerPool({ size: 2, maxAttempts: 3 }));
    const seen: Array<{ type: string; jobId: number; attempts: number }> = [];
    actor.on('*', (event) => {
      seen.push(event as (typeof seen)[number]);
      if (seen.length === 2) actor.send({ type: 'shutdown' });
    });
    actor.send({
      type: 'submit',
      jobs: [
        { id: 0, below: 10, crashes: 1_000 },
        { id: 1, below: 10 },
      ],
    });
    const end = await ended;
    expect(end.output).toMatchObject({ completed: 1, failed: 1, pending: 0 });
    // Job 0 went back twice; job 1 once more if it waited behind job 0 on the same worker.
    expect([2, 3]).toContain((end.output as { requeued: number }).requeued);
    expect(seen.find((event) => event.type === 'failed')).toEqual({
      type: 'failed',
      jobId: 0,
      attempts: 3,
    });
    expect(seen.find((event) => event.type === 'result')).toMatchObject({ jobId: 1, attempts: 1 });
  });
});
