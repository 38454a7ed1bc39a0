import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, test } from 'vitest';
import { type AnyActorLogic, createActor, setup } from 'xstate';
import { marksSignalsReady } from '../../src/actors/readiness.js';
import {
  type ChildProcessOptions,
  type ChildProcessSnapshot,
  fromChildProcess,
} from '../../src/node/fromChildProcess.js';
import { loadNotifyBinary } from '../../src/node/readiness/notify.js';
import { killAll, waitFor } from '../fixtures/processes.js';

const READY_SCRIPT = fileURLToPath(new URL('../fixtures/ready.mjs', import.meta.url));
const EXIT_SCRIPT = fileURLToPath(new URL('../fixtures/readyExit.ts', import.meta.url));
const python = spawnSync('python3', ['-c', 'import socket; socket.AF_UNIX']).status === 0;
const systemdNotify = spawnSync('systemd-notify', ['--help']).status === 0;
/** The prebuilt unix-socket binary that `notify` checks need (Linux x64) loads here. */
const notify = !(loadNotifyBinary() instanceof Error);

const started = new Set<number>();
afterEach(() => {
  killAll(started);
  started.clear();
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * How far another process's sleep and this process's clock may disagree: a `sleep 0.3` in a
 * shell was once seen to end 299.6 ms after a start recorded before the spawn.
 */
const CLOCK_SLACK_MS = 5;

interface Run {
  startedAt: number;
  /** When each `supervisor.ready` of this run arrived, ms after the run started. */
  readies: number[];
  /** The port accepted a connection when the ready signal arrived (port checks). */
  portOpenAtReady?: boolean;
  /** Each output line, with its time after the run started. */
  lines: Array<{ at: number; line: string }>;
}

/**
 * Runs `logic` twice in a row under a plain parent machine (each run until the process exits
 * by itself) and records, per run, the `supervisor.ready` events the parent receives and the
 * lines the process writes.
 */
async function twoRuns(
  options: (writer: { write(chunk: string | Uint8Array): void }) => ChildProcessOptions,
  port?: number,
): Promise<Run[]> {
  const runs: Run[] = [];
  const current = () => runs[runs.length - 1]!;
  const writer = {
    write(chunk: string | Uint8Array) {
      const run = current();
      for (const line of Buffer.from(chunk).toString('utf8').split('\n')) {
        if (line === '') continue;
        run.lines.push({ at: performance.now() - run.startedAt, line });
        const pid = /pid=(\d+)$/.exec(line);
        if (pid) started.add(Number(pid[1]));
      }
    },
  };
  const logic = fromChildProcess(options(writer));
  const pendingChecks: Promise<void>[] = [];
  const parent = setup({ actors: { child: logic as AnyActorLogic } }).createMachine({
    initial: 'first',
    on: {
      'supervisor.ready': {
        actions: () => {
          const run = current();
          run.readies.push(performance.now() - run.startedAt);
          if (port !== undefined) {
            pendingChecks.push(
              accepts(port).then((open) => {
                run.portOpenAtReady = open;
              }),
            );
          }
        },
      },
    },
    states: {
      first: {
        entry: () => runs.push({ startedAt: performance.now(), readies: [], lines: [] }),
        invoke: { src: 'child', onDone: 'second', onError: 'failed' },
      },
      second: {
        entry: () => runs.push({ startedAt: performance.now(), readies: [], lines: [] }),
        invoke: { src: 'child', onDone: 'done', onError: 'failed' },
      },
      done: { type: 'final' },
      failed: { type: 'final' },
    },
  });
  const actor = createActor(parent);
  const finished = new Promise<string>((resolve) =>
    actor.subscribe({ complete: () => resolve(String(actor.getSnapshot().value)) }),
  );
  actor.start();
  expect(await finished).toBe('done');
  await Promise.all(pendingChecks);
  return runs;
}

const node = (args: string[]) => ({ command: process.execPath, args: [READY_SCRIPT, ...args] });
const lineAt = (run: Run, text: string) => run.lines.find((entry) => entry.line === text)?.at;
const socketOf = (run: Run) =>
  run.lines.find((entry) => entry.line.startsWith('notify-socket '))?.line.slice(14);

describe('fromChildProcess: readiness checks', () => {
  it.skipIf(!notify)(
    'notify: ready once READY=1 arrives on NOTIFY_SOCKET, once per run, a new socket each run, removed after',
    async () => {
      const runs = await twoRuns((writer) => ({
        ...node(['notify', '500', 'exit']),
        name: 'db',
        stdout: writer,
        stderr: writer,
        prefix: false,
        ready: { kind: 'notify' },
      }));
      expect(runs).toHaveLength(2);
      for (const run of runs) {
        expect(run.readies).toHaveLength(1);
        // The fixture waits 500 ms after it started before it sends READY=1.
        expect(run.readies[0]!).toBeGreaterThanOrEqual(500 - CLOCK_SLACK_MS);
        expect(run.readies[0]!).toBeGreaterThan(lineAt(run, 'starting up')!);
        expect(run.lines.map((entry) => entry.line)).not.toContain(
          expect.stringMatching(/sendto failed/),
        );
      }
      const [first, second] = runs.map(socketOf);
      expect(first).toMatch(/notify\.sock$/);
      expect(second).toMatch(/notify\.sock$/);
      expect(second).not.toBe(first);
      for (const path of [first!, second!]) expect(existsSync(dirname(path))).toBe(false);
    },
  );

  test.skipIf(!python || !notify)(
    'notify: a python program that sends READY=1 with sendto, as for systemd, works unchanged',
    async () => {
      const program = [
        'import os, socket, sys, time',
        'print(f"started pid={os.getpid()}", flush=True)',
        'time.sleep(0.4)',
        's = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)',
        's.sendto(b"READY=1", os.environ["NOTIFY_SOCKET"])',
        'print("notify-socket", os.environ["NOTIFY_SOCKET"], flush=True)',
        'time.sleep(0.2)',
      ].join('\n');
      const runs = await twoRuns((writer) => ({
        command: 'python3',
        args: ['-c', program],
        stdout: writer,
        stderr: writer,
        prefix: false,
        ready: { kind: 'notify' },
      }));
      for (const run of runs) {
        expect(run.readies).toHaveLength(1);
        expect(run.readies[0]!).toBeGreaterThanOrEqual(400 - CLOCK_SLACK_MS);
        expect(existsSync(dirname(socketOf(run)!))).toBe(false);
      }
    },
  );

  test.skipIf(!systemdNotify || !notify)(
    'notify: systemd-notify --ready works unchanged',
    async () => {
      const runs = await twoRuns((writer) => ({
        command:
          'echo "started pid=$$"; sleep 0.3; systemd-notify --ready --status=serving; echo "notified $?"; sleep 0.2',
        shell: true,
        stdout: writer,
        stderr: writer,
        prefix: false,
        ready: { kind: 'notify' },
      }));
      for (const run of runs) {
        expect(run.readies).toHaveLength(1);
        expect(run.readies[0]!).toBeGreaterThanOrEqual(300 - CLOCK_SLACK_MS);
        // systemd-notify waits for the socket to take its message (a barrier): it succeeded.
        expect(run.lines.map((entry) => entry.line)).toContain('notified 0');
      }
    },
  );

  it('port: ready once the port accepts a connection, once per run', async () => {
    const port = await freePort();
    const runs = await twoRuns(
      (writer) => ({
        ...node(['port', '600', 'exit']),
        env: { PORT: String(port) },
        stdout: writer,
        stderr: writer,
        prefix: false,
        ready: { kind: 'port', port, intervalMs: 50 },
      }),
      port,
    );
    for (const run of runs) {
      expect(run.readies).toHaveLength(1);
      expect(run.readies[0]!).toBeGreaterThanOrEqual(600 - CLOCK_SLACK_MS);
      expect(run.portOpenAtReady).toBe(true);
    }
  });

  it('line: ready on the first line of stdout that matches, once per run', async () => {
    const runs = await twoRuns((writer) => ({
      ...node(['line', '300', 'exit']),
      env: { PORT: '4321' },
      stdout: writer,
      stderr: writer,
      prefix: false,
      ready: { kind: 'line', pattern: /^listening on \d+$/g },
    }));
    for (const run of runs) {
      expect(run.readies).toHaveLength(1);
      expect(run.readies[0]!).toBeGreaterThanOrEqual(300 - CLOCK_SLACK_MS);
      expect(run.readies[0]!).toBeGreaterThanOrEqual(lineAt(run, 'listening on 4321')! - 1);
    }
  });

  it('line: a line of stderr counts too', async () => {
    const runs = await twoRuns((writer) => ({
      ...node(['line-stderr', '200', 'exit']),
      env: { PORT: '4322' },
      stdout: writer,
      stderr: false,
      prefix: false,
      ready: { kind: 'line', pattern: /listening on 4322/ },
    }));
    for (const run of runs) expect(run.readies).toHaveLength(1);
  });

  it('sends nothing when the process ends before its check passes', async () => {
    const port = await freePort();
    const runs = await twoRuns((writer) => ({
      ...node(['line', '100', 'exit']),
      stdout: writer,
      stderr: writer,
      prefix: false,
      ready: { kind: 'port', port, intervalMs: 20 },
    }));
    for (const run of runs) expect(run.readies).toEqual([]);
  });

  it('shows readiness in the snapshot: false until the check passes, false again in a new run', async () => {
    const logic = fromChildProcess({
      ...node(['line', '400']),
      stdout: false,
      stderr: false,
      ready: { kind: 'line', pattern: /^listening/ },
    });
    const actor = createActor(logic).start();
    const snapshot = () => actor.getSnapshot() as ChildProcessSnapshot;
    const pid = await waitFor('the pid', () => snapshot().pid);
    started.add(pid);
    expect(snapshot().ready).toBe(false);
    await waitFor('ready', () => snapshot().ready);
    actor.stop();
    const plain = createActor(
      fromChildProcess({ ...node(['line', '0', 'exit']), stdout: false, stderr: false }),
    ).start();
    await waitFor('spawned', () => (plain.getSnapshot() as ChildProcessSnapshot).pid);
    // Without a check, it is ready once spawned.
    expect((plain.getSnapshot() as ChildProcessSnapshot).ready).toBe(true);
    plain.stop();
  });

  it('marks the logic as signalling readiness only when it has a check', () => {
    expect(
      marksSignalsReady(fromChildProcess({ command: 'x', ready: { kind: 'line', pattern: /up/ } })),
    ).toBe(true);
    expect(marksSignalsReady(fromChildProcess({ command: 'x' }))).toBe(false);
    const config = fromChildProcess({ command: 'x', ready: { kind: 'line', pattern: /up/i } })
      .config as Record<string, unknown>;
    expect(config.ready).toEqual({ kind: 'line', pattern: '/up/i' });
  });

  it.skipIf(!notify)(
    'leaves no socket, timer or process behind: Node exits by itself',
    async () => {
      const program = spawn(process.execPath, ['--import', 'tsx', EXIT_SCRIPT, READY_SCRIPT], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      program.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
        out += chunk;
        for (const match of chunk.matchAll(/pid=(\d+)$/gm)) started.add(Number(match[1]));
      });
      let err = '';
      program.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
        err += chunk;
      });
      const code = await new Promise<number | null>((resolve, reject) => {
        const timer = setTimeout(() => {
          program.kill('SIGKILL');
          reject(new Error(`the program did not exit by itself; it wrote:\n${out}\n${err}`));
        }, 15_000);
        program.once('exit', (exit) => {
          clearTimeout(timer);
          resolve(exit);
        });
      });
      expect(err).toBe('');
      expect(code).toBe(0);
      expect(out).toMatch(/^ready notify$/m);
      expect(out).toMatch(/^ready port$/m);
      expect(out).toMatch(/^ready line$/m);
      expect(out).toMatch(/^ended before ready$/m);
      const socket = /^notify-socket (\S+)$/m.exec(out)?.[1];
      expect(socket).toMatch(/notify\.sock$/);
      expect(existsSync(dirname(socket!))).toBe(false);
    },
  );
});

describe('fromChildProcess: the ready option', () => {
  const bad = (ready: unknown) => () =>
    fromChildProcess({ command: 'x', ready } as unknown as ChildProcessOptions);

  it('refuses what is not a check, naming the field, the value and what is allowed', () => {
    expect(bad('notify')).toThrow(
      /fromChildProcess: option "ready" must be an object with a "kind" of "notify", "port", "line" .*; got "notify"/,
    );
    expect(bad({ kind: 'http' })).toThrow(/option "ready" must be .*; got \{"kind":"http"\}/);
    expect(bad({ kind: 'port' })).toThrow(
      'option "ready.port" must be a whole number from 1 to 65535; got undefined',
    );
    expect(bad({ kind: 'port', port: 70_000 })).toThrow('got 70000');
    expect(bad({ kind: 'port', port: 80, host: '' })).toThrow('option "ready.host"');
    expect(bad({ kind: 'port', port: 80, intervalMs: 0 })).toThrow('option "ready.intervalMs"');
    expect(bad({ kind: 'line', pattern: 'listening' })).toThrow(
      'option "ready.pattern" must be a RegExp, e.g. /listening on/; got "listening"',
    );
    expect(bad({ kind: 'notify', port: 80 })).toThrow(
      'fromChildProcess: unknown option "ready.port"; did you mean "ready.kind"? (the options of "ready" are: kind)',
    );
    for (const value of [bad('notify'), bad({ kind: 'port' })]) expect(value).toThrow(TypeError);
  });
});
