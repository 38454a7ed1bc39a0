import { describe, expect, it } from 'vitest';
import { createActor, fromCallback, SimulatedClock, setup } from 'xstate';
import { fromProcess } from '../../src/actors/fromProcess.js';
import { idle } from '../../src/actors/idle.js';
import { createProcessGroup } from '../../src/machines/group.js';
import { fromSignals } from '../../src/node/fromSignals.js';
import { settle } from '../support/probe.js';

describe('group: children talking to their parent', () => {
  it('hands a child’s sendParent shutdown to the group, which stops every child gracefully', async () => {
    const quitter = fromCallback(({ sendBack }) => {
      queueMicrotask(() => sendBack({ type: 'shutdown' }));
    });
    const actor = createActor(
      createProcessGroup({
        id: 'g',
        children: [
          { id: 'a', logic: idle },
          { id: 'quitter', logic: quitter },
        ],
      }),
      { clock: new SimulatedClock() },
    ).start();
    await settle();
    expect(actor.getSnapshot().status).toBe('done');
    expect(actor.getSnapshot().output).toMatchObject({ reason: 'shutdown', forced: [] });
    expect(actor.getSnapshot().output?.stopped).toEqual(expect.arrayContaining(['a', 'quitter']));
  });

  it('passes a child’s custom event up to the group’s parent, not down to its siblings', async () => {
    const received: string[] = [];
    const heard: string[] = [];
    const listener = fromCallback(({ receive }) => {
      receive((event) => received.push(event.type));
    });
    const talker = fromCallback(({ sendBack }) => {
      queueMicrotask(() => sendBack({ type: 'hello' }));
    });
    const group = createProcessGroup({
      id: 'g',
      children: [
        { id: 'listener', logic: listener },
        { id: 'talker', logic: talker },
      ],
    });
    const app = setup({ actors: { group } }).createMachine({
      invoke: { id: 'g', src: 'group' },
      on: { '*': { actions: ({ event }) => heard.push(event.type) } },
    });
    const actor = createActor(app).start();
    await settle();
    // The layer is transparent: the app hears it once; no sibling gets it back.
    expect(heard).toEqual(['hello']);
    expect(received).toEqual([]);
    expect(actor.getSnapshot().children.g?.getSnapshot().status).toBe('active');
    actor.stop();
  });

  it('lets a fromSignals child shut the whole group down on SIGTERM, with its default target', async () => {
    const before = process.listenerCount('SIGTERM');
    const actor = createActor(
      createProcessGroup({
        id: 'service',
        children: [
          { id: 'signals', logic: fromSignals() },
          { id: 'worker', logic: idle },
        ],
      }),
    ).start();
    expect(process.listenerCount('SIGTERM')).toBe(before + 1);
    process.emit('SIGTERM');
    await settle();
    await settle();
    expect(actor.getSnapshot().status).toBe('done');
    expect(actor.getSnapshot().output?.stopped).toEqual(
      expect.arrayContaining(['signals', 'worker']),
    );
    expect(process.listenerCount('SIGTERM')).toBe(before);
  });
});

describe('group: fail-fast with a permanent child', () => {
  it('restarts a completed permanent child alone, leaving the children started after it running', async () => {
    const clock = new SimulatedClock();
    let completions = 0;
    const completing = fromProcess(async () => {
      completions++;
    });
    const laterStarts: number[] = [];
    const later = fromProcess(async ({ signal }) => {
      laterStarts.push(completions);
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
    });
    const actor = createActor(
      createProcessGroup({
        id: 'g',
        backoff: { initialMs: 100 },
        children: [
          { id: 'completing', logic: completing, restart: 'permanent' },
          { id: 'later', logic: later },
        ],
      }),
      { clock },
    ).start();
    await settle();
    clock.increment(100);
    await settle();
    expect(completions).toBe(2);
    expect(laterStarts).toEqual([1]);
    actor.send({ type: 'shutdown' });
    await settle();
    expect(actor.getSnapshot().status).toBe('done');
  });
});
