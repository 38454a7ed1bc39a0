/**
 * Tests of `fromProcess` (the seed's Runnable) and `idle` (its IdleProcess): how a run ends,
 * how shutdown and stop reach it, and how reload and custom messages reach its handlers, also
 * when they were sent before the handler was registered.
 */

import { describe, expect, it } from 'vitest';
import {
  type AnyActorLogic,
  type AnyActorRef,
  createActor,
  type EventObject,
  type InspectionEvent,
  setup,
} from 'xstate';
import { fromProcess, MAX_BUFFERED_MESSAGES } from '../../src/actors/fromProcess.js';
import { idle } from '../../src/actors/idle.js';
import { acceptsShutdown } from '../../src/actors/shutdownAware.js';
import { ThrownValueError } from '../../src/errors.js';
import { createProcessGroup } from '../../src/machines/group.js';
import { createSupervisor } from '../../src/machines/supervisor.js';
import { deferred, hostedRuns, settle } from '../support/probe.js';

/** Starts an actor, collecting the error it fails with instead of letting XState report it. */
function start<T extends AnyActorRef>(actor: T): { actor: T; errors: unknown[] } {
  const errors: unknown[] = [];
  actor.subscribe({ error: (error) => errors.push(error) });
  actor.start();
  return { actor, errors };
}

/** A custom message carrying a number. */
const numbered = (n: number): EventObject => ({ type: 'm', n }) as EventObject;

describe('fromProcess', () => {
  describe('ending', () => {
    it('ends as done with the resolved value as output', async () => {
      const { actor } = start(createActor(fromProcess(async () => ({ ok: 1 }))));
      await settle();
      expect(actor.getSnapshot().status).toBe('done');
      expect(actor.getSnapshot().output).toEqual({ ok: 1 });
    });

    it('ends as done with the value of a run that returns without a promise', async () => {
      const { actor } = start(createActor(fromProcess(() => 'sync')));
      await settle();
      expect(actor.getSnapshot().status).toBe('done');
      expect(actor.getSnapshot().output).toBe('sync');
    });

    it('passes its input to run', async () => {
      const logic = fromProcess<string, { name: string }>(async ({ input }) => `hi ${input.name}`);
      const { actor } = start(createActor(logic, { input: { name: 'ada' } }));
      await settle();
      expect(actor.getSnapshot().output).toBe('hi ada');
    });

    it('ends in error when run throws synchronously', async () => {
      const boom = new Error('sync boom');
      const { actor, errors } = start(
        createActor(
          fromProcess(() => {
            throw boom;
          }),
        ),
      );
      await settle();
      expect(actor.getSnapshot().status).toBe('error');
      expect(actor.getSnapshot().error).toBe(boom);
      expect(errors).toEqual([boom]);
    });

    it('ends in error when run rejects', async () => {
      const boom = new Error('async boom');
      const { actor, errors } = start(
        createActor(
          fromProcess(async () => {
            await settle(1);
            throw boom;
          }),
        ),
      );
      await settle();
      expect(actor.getSnapshot().status).toBe('error');
      expect(errors).toEqual([boom]);
    });

    it.each([
      ['a string', 'disk full', 'a non-Error value was thrown: disk full'],
      ['a number', 42, 'a non-Error value was thrown: 42'],
      ['an object', { code: 7 }, 'a non-Error value was thrown: {"code":7}'],
      ['undefined', undefined, 'a non-Error value was thrown: undefined'],
    ])('wraps %s it rejects with in a ThrownValueError', async (_what, value, message) => {
      const { actor, errors } = start(
        createActor(
          fromProcess(async () => {
            throw value;
          }),
        ),
      );
      await settle();
      const error = actor.getSnapshot().error;
      expect(error).toBeInstanceOf(ThrownValueError);
      expect((error as ThrownValueError).value).toBe(value);
      expect((error as ThrownValueError).cause).toBe(value);
      expect((error as ThrownValueError).message).toBe(message);
      expect(errors).toEqual([error]);
    });

    it('wraps a non-Error value thrown synchronously in a ThrownValueError', async () => {
      const { actor } = start(
        createActor(
          fromProcess(() => {
            throw 'sync string';
          }),
        ),
      );
      await settle();
      expect(actor.getSnapshot().error).toBeInstanceOf(ThrownValueError);
      expect((actor.getSnapshot().error as ThrownValueError).value).toBe('sync string');
    });

    it('aborts its signal when it fails', async () => {
      let signal: AbortSignal | undefined;
      const { actor } = start(
        createActor(
          fromProcess(async (ctx) => {
            signal = ctx.signal;
            throw new Error('x');
          }),
        ),
      );
      await settle();
      expect(actor.getSnapshot().status).toBe('error');
      expect(signal?.aborted).toBe(true);
    });

    it('can run again as a new actor after a run ended', async () => {
      let runs = 0;
      const logic = fromProcess(async () => ++runs);
      const first = start(createActor(logic)).actor;
      await settle();
      const second = start(createActor(logic)).actor;
      await settle();
      expect(first.getSnapshot().output).toBe(1);
      expect(second.getSnapshot().output).toBe(2);
    });
  });

  describe('shutdown and stop', () => {
    it('aborts the signal on shutdown and ends as done when run then resolves', async () => {
      let signal: AbortSignal | undefined;
      const { actor } = start(
        createActor(
          fromProcess(
            (ctx) =>
              new Promise<string>((resolve) => {
                signal = ctx.signal;
                ctx.signal.addEventListener('abort', () => resolve('bye'));
              }),
          ),
        ),
      );
      await settle();
      expect(signal?.aborted).toBe(false);
      actor.send({ type: 'shutdown' });
      expect(signal?.aborted).toBe(true);
      await settle();
      expect(actor.getSnapshot().status).toBe('done');
      expect(actor.getSnapshot().output).toBe('bye');
    });

    it('keeps running after shutdown until run finishes', async () => {
      const finish = deferred();
      const { actor } = start(createActor(fromProcess(() => finish.promise)));
      actor.send({ type: 'shutdown' });
      await settle();
      expect(actor.getSnapshot().status).toBe('active');
      finish.resolve();
      await settle();
      expect(actor.getSnapshot().status).toBe('done');
    });

    it('aborts the signal when the actor is stopped, and ignores a later resolution', async () => {
      let signal: AbortSignal | undefined;
      const finish = deferred<string>();
      const { actor } = start(
        createActor(
          fromProcess((ctx) => {
            signal = ctx.signal;
            return finish.promise;
          }),
        ),
      );
      actor.stop();
      expect(signal?.aborted).toBe(true);
      finish.resolve('late');
      await settle();
      expect(actor.getSnapshot().status).toBe('stopped');
      expect(actor.getSnapshot().output).toBeUndefined();
    });

    it('does not lose a shutdown sent before the process listens (scenario 5)', async () => {
      const ready = deferred();
      const logic = fromProcess(async ({ signal }) => {
        await ready.promise;
        if (signal.aborted) return 'saw shutdown';
        return new Promise<string>((resolve) =>
          signal.addEventListener('abort', () => resolve('saw shutdown later')),
        );
      });
      const actor = createActor(logic);
      actor.send({ type: 'shutdown' });
      start(actor);
      await settle();
      ready.resolve();
      await settle();
      expect(actor.getSnapshot().status).toBe('done');
      expect(actor.getSnapshot().output).toBe('saw shutdown');
    });

    it('is recognized as shutdown-aware', () => {
      expect(acceptsShutdown(fromProcess(async () => {}))).toBe(true);
    });
  });

  describe('reload and custom messages', () => {
    it('passes reload to the reload handler with the event unchanged (its fields, read once)', async () => {
      const received: EventObject[] = [];
      const { actor } = start(
        createActor(
          fromProcess(({ onReload }) => {
            onReload((event) => {
              received.push(event);
            });
            return deferred().promise;
          }),
        ),
      );
      const reload = { type: 'reload', reason: 'SIGHUP' };
      actor.send(reload);
      await settle();
      expect(received).toHaveLength(1);
      expect(received[0]).toEqual(reload);
      expect(received[0]).toEqual({ type: 'reload', reason: 'SIGHUP' });
    });

    it('passes every other message to the message handler unchanged, and not reloads', async () => {
      const messages: EventObject[] = [];
      const reloads: EventObject[] = [];
      const { actor } = start(
        createActor(
          fromProcess(({ onReload, onMessage }) => {
            onReload((event) => {
              reloads.push(event);
            });
            onMessage((event) => {
              messages.push(event);
            });
            return deferred().promise;
          }),
        ),
      );
      const custom = { type: 'custom', payload: 42, nested: { deep: [1, 2] } };
      actor.send(custom);
      actor.send({ type: 'reload' });
      actor.send({ type: 'rotate-logs' });
      await settle();
      expect(messages).toEqual([custom, { type: 'rotate-logs' }]);
      expect(messages[0]).toEqual(custom);
      expect(reloads).toEqual([{ type: 'reload' }]);
    });

    it('does not pass shutdown or internal xstate.* events to the message handler', async () => {
      const messages: EventObject[] = [];
      const { actor } = start(
        createActor(
          fromProcess(({ onMessage }) => {
            onMessage((event) => {
              messages.push(event);
            });
            return deferred().promise;
          }),
        ),
      );
      actor.send({ type: 'xstate.whatever' });
      actor.send({ type: 'shutdown' });
      await settle();
      expect(messages).toEqual([]);
    });

    it('delivers a custom message (payload 42) sent before the process listens, intact (scenario 7)', async () => {
      const ready = deferred();
      const messages: EventObject[] = [];
      const logic = fromProcess(async ({ onMessage }) => {
        await ready.promise;
        onMessage((event) => {
          messages.push(event);
        });
        return deferred().promise;
      });
      const actor = createActor(logic);
      const early = { type: 'custom', payload: 42 };
      actor.send(early);
      start(actor);
      await settle();
      expect(messages).toEqual([]);
      ready.resolve();
      await settle();
      expect(messages).toEqual([{ type: 'custom', payload: 42 }]);
      expect(messages[0]).toEqual(early);
    });

    it('delivers early messages in order and before later ones, and early reloads to the reload handler', async () => {
      const ready = deferred();
      const seen: string[] = [];
      const { actor } = start(
        createActor(
          fromProcess(async ({ onMessage, onReload }) => {
            await ready.promise;
            onMessage((event) => {
              seen.push(`message ${(event as { n?: number }).n}`);
            });
            onReload(() => {
              seen.push('reload');
            });
            return deferred().promise;
          }),
        ),
      );
      actor.send(numbered(1));
      actor.send({ type: 'reload' });
      actor.send(numbered(2));
      await settle();
      ready.resolve();
      await settle();
      actor.send(numbered(3));
      await settle();
      expect(seen.filter((entry) => entry !== 'reload')).toEqual([
        'message 1',
        'message 2',
        'message 3',
      ]);
      expect(seen.filter((entry) => entry === 'reload')).toHaveLength(1);
      expect(seen.indexOf('reload')).toBeLessThan(seen.indexOf('message 3'));
    });

    it(`keeps at most ${MAX_BUFFERED_MESSAGES} early messages, dropping the oldest`, async () => {
      const ready = deferred();
      const seen: number[] = [];
      const { actor } = start(
        createActor(
          fromProcess(async ({ onMessage }) => {
            await ready.promise;
            onMessage((event) => {
              seen.push((event as unknown as { n: number }).n);
            });
            return deferred().promise;
          }),
        ),
      );
      for (let n = 0; n < MAX_BUFFERED_MESSAGES + 5; n++) actor.send(numbered(n));
      ready.resolve();
      await settle();
      expect(seen).toHaveLength(MAX_BUFFERED_MESSAGES);
      expect(seen[0]).toBe(5);
      expect(seen.at(-1)).toBe(MAX_BUFFERED_MESSAGES + 4);
    });

    it('stops delivering to a handler once it is unregistered', async () => {
      const seen: EventObject[] = [];
      let off: (() => void) | undefined;
      const { actor } = start(
        createActor(
          fromProcess(({ onMessage }) => {
            off = onMessage((event) => {
              seen.push(event);
            });
            return deferred().promise;
          }),
        ),
      );
      actor.send({ type: 'a' });
      off?.();
      actor.send({ type: 'b' });
      await settle();
      expect(seen).toEqual([{ type: 'a' }]);
    });

    it('fails the process when a handler throws', async () => {
      const boom = new Error('handler boom');
      let signal: AbortSignal | undefined;
      const { actor, errors } = start(
        createActor(
          fromProcess((ctx) => {
            signal = ctx.signal;
            ctx.onReload(() => {
              throw boom;
            });
            return deferred().promise;
          }),
        ),
      );
      actor.send({ type: 'reload' });
      await settle();
      expect(actor.getSnapshot().status).toBe('error');
      expect(actor.getSnapshot().error).toBe(boom);
      expect(signal?.aborted).toBe(true);
      expect(errors).toEqual([boom]);
    });

    it('fails the process when an async handler rejects', async () => {
      const { actor, errors } = start(
        createActor(
          fromProcess(({ onMessage }) => {
            onMessage(async () => {
              throw 'bad message';
            });
            return deferred().promise;
          }),
        ),
      );
      actor.send({ type: 'poison' });
      await settle();
      expect(actor.getSnapshot().status).toBe('error');
      expect(actor.getSnapshot().error).toBeInstanceOf(ThrownValueError);
      expect(errors).toHaveLength(1);
    });

    it('fails the process when a handler throws on an early message delivered at registration', async () => {
      const ready = deferred();
      const boom = new Error('early boom');
      const { actor, errors } = start(
        createActor(
          fromProcess(async ({ onMessage }) => {
            await ready.promise;
            onMessage(() => {
              throw boom;
            });
            return deferred().promise;
          }),
        ),
      );
      actor.send({ type: 'poison' });
      ready.resolve();
      await settle();
      expect(actor.getSnapshot().status).toBe('error');
      expect(errors).toEqual([boom]);
    });

    it('emits events to the actor’s listeners', async () => {
      const logic = fromProcess<void, unknown, { type: 'progress'; pct: number }>(
        async ({ emit }) => {
          emit({ type: 'progress', pct: 50 });
        },
      );
      const actor = createActor(logic);
      const seen: unknown[] = [];
      actor.on('progress', (event) => seen.push(event));
      start(actor);
      await settle();
      expect(seen).toEqual([{ type: 'progress', pct: 50 }]);
    });
  });
});

type Chat = { type: 'chat'; text: string };
type Heard = { type: 'heard'; text: string };

/** A process that answers each chat message with sendBack, until shut down. */
const echo = fromProcess<void, void, EventObject, Chat, Heard>(
  ({ onMessage, sendBack, signal }) =>
    new Promise<void>((resolve) => {
      onMessage((event) => sendBack({ type: 'heard', text: event.text }));
      signal.addEventListener('abort', () => resolve(), { once: true });
    }),
);

/** An app machine that invokes `logic` and keeps every event it receives. */
function appAround(logic: AnyActorLogic, inspect?: (event: InspectionEvent) => void) {
  const heard: EventObject[] = [];
  const machine = setup({ actors: { logic } }).createMachine({
    invoke: { id: 'sup', src: 'logic' },
    on: { '*': { actions: ({ event }) => heard.push(event) } },
  });
  const actor = createActor(machine, inspect ? { inspect } : {}).start();
  return { actor, heard, sup: () => actor.getSnapshot().children.sup as AnyActorRef };
}

describe('sendBack', () => {
  it('reaches the app machine that invokes the supervisor around the process, once, unchanged', async () => {
    const { actor, heard, sup } = appAround(createSupervisor(echo, { childId: 'echo' }));
    await settle();
    sup().send({ type: 'chat', text: 'hello' });
    await settle();
    expect(heard).toEqual([{ type: 'heard', text: 'hello' }]);
    actor.stop();
  });

  it('reaches it through supervisor → group → supervisor → process, and every run’s reaches it', async () => {
    let runs = 0;
    const flaky = fromProcess<void, void, EventObject, Chat, Heard>(
      ({ onMessage, sendBack }) =>
        new Promise<void>((_resolve, reject) => {
          runs++;
          onMessage((event) => {
            sendBack({ type: 'heard', text: `${event.text} (run ${runs})` });
            if (runs === 1) reject(new Error('first run fails after answering'));
          });
        }),
    );
    const inner = createSupervisor(flaky, { id: 'inner', backoff: { initialMs: 0 } });
    const group = createProcessGroup({ id: 'g', children: [{ id: 'inner', logic: inner }] });
    const outer = createSupervisor(group, { id: 'outer' });
    const { actor, heard, sup } = appAround(outer);
    await settle();
    sup().send({ type: 'chat', text: 'one' });
    await settle(6);
    sup().send({ type: 'chat', text: 'two' });
    await settle(6);
    expect(heard).toEqual([
      { type: 'heard', text: 'one (run 1)' },
      { type: 'heard', text: 'two (run 2)' },
    ]);
    actor.stop();
  });

  it('is sent through the actor system, with the run as its source, as fromCallback’s sendBack', async () => {
    const sources: unknown[] = [];
    const inspect = (event: InspectionEvent) => {
      if (event.type === '@xstate.event' && event.event.type === 'heard') {
        sources.push(event.sourceRef);
      }
    };
    const { actor, sup } = appAround(createSupervisor(echo, { childId: 'echo' }), inspect);
    await settle();
    sup().send({ type: 'chat', text: 'hello' });
    await settle();
    const run = hostedRuns(sup().getSnapshot() as never).echo;
    expect(run).toBeDefined();
    expect(sources[0]).toBe(run);
    actor.stop();
  });

  it('does nothing without a parent, or once the run has ended', async () => {
    let late: ((event: Heard) => void) | undefined;
    const once = fromProcess<string, void, EventObject, Chat, Heard>(async ({ sendBack }) => {
      late = sendBack;
      sendBack({ type: 'heard', text: 'root: nobody hears it' });
      return 'done';
    });
    const root = createActor(once).start();
    await settle();
    expect(root.getSnapshot().status).toBe('done');

    const { actor, heard } = appAround(once);
    await settle();
    expect(heard.map((event) => event.type)).toEqual(['heard', 'xstate.done.actor.sup']);
    late?.({ type: 'heard', text: 'after the end' });
    await settle();
    expect(heard).toHaveLength(2);
    actor.stop();
  });
});

describe('idle', () => {
  it('keeps running until it receives shutdown, then ends as done', async () => {
    const { actor } = start(createActor(idle));
    await settle();
    expect(actor.getSnapshot().status).toBe('active');
    actor.send({ type: 'reload' });
    actor.send({ type: 'anything' });
    await settle();
    expect(actor.getSnapshot().status).toBe('active');
    actor.send({ type: 'shutdown' });
    await settle();
    expect(actor.getSnapshot().status).toBe('done');
  });

  it('ends on a shutdown sent before it started', async () => {
    const actor = createActor(idle);
    actor.send({ type: 'shutdown' });
    start(actor);
    await settle();
    expect(actor.getSnapshot().status).toBe('done');
  });

  it('stops when stopped', () => {
    const { actor } = start(createActor(idle));
    actor.stop();
    expect(actor.getSnapshot().status).toBe('stopped');
  });
});
