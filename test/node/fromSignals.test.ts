import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { assign, createActor, type EventObject, setup } from 'xstate';
import { fromProcess } from '../../src/actors/fromProcess.js';
import { acceptsShutdown } from '../../src/actors/shutdownAware.js';
import { createProcessGroup } from '../../src/machines/group.js';
import { createSupervisor } from '../../src/machines/supervisor.js';
import {
  fromSignals,
  type SignalReceivedEvent,
  type SignalsOptions,
} from '../../src/node/fromSignals.js';
import { DEFAULT_SIGNALS } from '../../src/node/signals.js';
import { waitFor } from '../fixtures/processes.js';

const WATCHED = ['SIGINT', 'SIGTERM', 'SIGQUIT', 'SIGHUP', 'SIGUSR2'] as const;
const listenerCounts = () => WATCHED.map((signal) => process.listenerCount(signal));
const baseline = listenerCounts();

afterEach(() => {
  expect(listenerCounts()).toEqual(baseline);
});

/** A parent machine that records every event its fromSignals child sends it. */
function parentOf(options?: SignalsOptions) {
  return setup({
    types: { context: {} as { received: EventObject[] } },
    actors: { signals: fromSignals(options) },
  }).createMachine({
    context: { received: [] },
    invoke: { id: 'signals', src: 'signals' },
    on: {
      '*': { actions: assign({ received: ({ context, event }) => [...context.received, event] }) },
    },
  });
}

describe('fromSignals', () => {
  it('sends shutdown for SIGINT, SIGTERM and SIGQUIT and reload for SIGHUP, with the signal', () => {
    const actor = createActor(parentOf()).start();
    process.emit('SIGHUP');
    process.emit('SIGTERM');
    expect(actor.getSnapshot().context.received).toEqual([
      { type: 'reload', signal: 'SIGHUP' },
      { type: 'shutdown', signal: 'SIGTERM' },
    ]);
    actor.stop();
    for (const signal of ['SIGINT', 'SIGQUIT'] as const) {
      const other = createActor(parentOf()).start();
      process.emit(signal);
      expect(other.getSnapshot().context.received).toEqual([{ type: 'shutdown', signal }]);
      other.stop();
    }
  });

  it('marks a repeated shutdown signal with force: true, unless told not to', () => {
    const actor = createActor(parentOf()).start();
    process.emit('SIGINT');
    process.emit('SIGINT');
    process.emit('SIGTERM');
    expect(actor.getSnapshot().context.received).toEqual([
      { type: 'shutdown', signal: 'SIGINT' },
      { type: 'shutdown', signal: 'SIGINT', force: true },
      { type: 'shutdown', signal: 'SIGTERM', force: true },
    ]);
    expect(actor.getSnapshot().children.signals?.getSnapshot()).toMatchObject({
      lastSignal: 'SIGTERM',
      received: 3,
      shutdownsSent: 3,
    });
    actor.stop();

    const calm = createActor(parentOf({ forceOnRepeat: false })).start();
    process.emit('SIGINT');
    process.emit('SIGINT');
    expect(calm.getSnapshot().context.received).toEqual([
      { type: 'shutdown', signal: 'SIGINT' },
      { type: 'shutdown', signal: 'SIGINT' },
    ]);
    calm.stop();
  });

  it('uses the given signal map instead of the default one, event objects included', () => {
    const actor = createActor(
      parentOf({ signals: { SIGUSR2: 'reload', SIGHUP: { type: 'rotateLogs', keep: 3 } } }),
    ).start();
    expect(process.listenerCount('SIGTERM')).toBe(baseline[1]);
    process.emit('SIGUSR2');
    process.emit('SIGHUP');
    expect(actor.getSnapshot().context.received).toEqual([
      { type: 'reload', signal: 'SIGUSR2' },
      { type: 'rotateLogs', keep: 3, signal: 'SIGHUP' },
    ]);
    actor.stop();

    const extended = createActor(parentOf({ signals: { ...DEFAULT_SIGNALS, SIGUSR2: 'reload' } }));
    extended.start();
    expect(process.listenerCount('SIGTERM')).toBe(baseline[1]! + 1);
    expect(process.listenerCount('SIGUSR2')).toBe(baseline[4]! + 1);
    extended.stop();
  });

  it('removes its listeners when stopped, and ends as done on shutdown', () => {
    const actor = createActor(fromSignals()).start();
    expect(listenerCounts()).toEqual(baseline.map((count, i) => (i < 4 ? count + 1 : count)));
    actor.stop();
    expect(actor.getSnapshot().status).toBe('stopped');
    expect(listenerCounts()).toEqual(baseline);

    const done = createActor(fromSignals()).start();
    done.send({ type: 'shutdown' });
    expect(done.getSnapshot().status).toBe('done');
    expect(listenerCounts()).toEqual(baseline);
    process.emit('SIGHUP'); // no listener left: nothing happens
  });

  it('emits every signal, which is how a root actor reports them', () => {
    const actor = createActor(fromSignals());
    const seen: SignalReceivedEvent[] = [];
    actor.on('signal', (event) => seen.push(event));
    actor.start();
    process.emit('SIGHUP');
    expect(seen).toEqual([
      { type: 'signal', signal: 'SIGHUP', event: { type: 'reload', signal: 'SIGHUP' } },
    ]);
    actor.stop();
  });

  it('is shutdown-aware: a supervisor around it ends at once on shutdown', () => {
    expect(acceptsShutdown(fromSignals())).toBe(true);
    const actor = createActor(createSupervisor(fromSignals(), { shutdownTimeoutMs: 60_000 }));
    actor.start();
    // The signal reaches the supervisor, which shuts its child (the fromSignals actor) down.
    process.emit('SIGTERM');
    expect(actor.getSnapshot().status).toBe('done');
    expect(actor.getSnapshot().output).toMatchObject({ reason: 'shutdown' });
  });

  it('with to: "root", reaches the root of the system, e.g. a process group', async () => {
    let reloads = 0;
    const worker = fromProcess(({ signal, onReload }) => {
      onReload(() => {
        reloads += 1;
      });
      return new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
    });
    const group = createProcessGroup({
      id: 'app',
      children: [
        { id: 'signals', logic: fromSignals({ to: 'root' }) },
        { id: 'worker', logic: worker },
      ],
    });
    const actor = createActor(group).start();
    process.emit('SIGHUP');
    await waitFor('the reload', () => reloads === 1);
    process.emit('SIGTERM');
    await waitFor('the group to stop', () => actor.getSnapshot().status === 'done');
    expect(actor.getSnapshot().output).toMatchObject({ reason: 'shutdown' });
  });

  it('rejects bad options with a TypeError naming the option, the value and what is allowed', () => {
    const bad = (options: unknown) => () => fromSignals(options as SignalsOptions);
    expect(bad(42)).toThrow('fromSignals: option "options" must be an object; got 42');
    expect(bad({ signals: { SIGFOO: 'shutdown' } })).toThrow(
      /fromSignals: option "signals key" must be one of "SIGHUP", .*; got "SIGFOO"/,
    );
    expect(bad({ signals: { SIGKILL: 'shutdown' } })).toThrow(
      /option "signals key" .*; got "SIGKILL"/,
    );
    expect(bad({ signals: { SIGTERM: 'stop' } })).toThrow(
      'fromSignals: option "signals.SIGTERM" must be "shutdown", "reload" or an event object with a non-empty string "type"; got "stop"',
    );
    expect(bad({ signals: { SIGTERM: { type: '' } } })).toThrow('option "signals.SIGTERM"');
    expect(bad({ to: 'group' })).toThrow(
      'fromSignals: option "to" must be one of "parent", "root"; got "group"',
    );
    expect(bad({ forceOnRepeat: 'yes' })).toThrow(
      'fromSignals: option "forceOnRepeat" must be true or false; got "yes"',
    );
  });

  it('turns real OS signals into events, and lets the process exit once done', async () => {
    const script = fileURLToPath(new URL('../fixtures/signals.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
    });
    child.stderr.on('data', (chunk) => {
      err += chunk;
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      await waitFor('the program to be ready', () => out.includes('ready\n'), 15_000);
      child.kill('SIGHUP');
      await waitFor('the reload', () => out.includes('reload SIGHUP\n'));
      child.kill('SIGUSR2');
      await waitFor('the custom event', () => out.includes('dump SIGUSR2\n'));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(out).toBe('ready\nreload SIGHUP\ndump SIGUSR2\nshutdown SIGTERM\nstopped\n');
      expect(err).toBe('');
    } finally {
      child.kill('SIGKILL');
    }
  });
});
