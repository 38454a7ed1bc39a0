/**
 * What an OS process child emits reaches listeners of its supervisor or group, and costs
 * nothing when nobody listens (the lines are then not decoded at all).
 */
import { describe, expect, it } from 'vitest';
import { type AnyActorRef, createActor, toPromise } from 'xstate';
import { createProcessGroup } from '../../src/machines/group.js';
import { createSupervisor } from '../../src/machines/supervisor.js';
import { fromChildProcess } from '../../src/node/fromChildProcess.js';
import { childOf } from '../../src/runtime/reach.js';
import { wantsEmitted } from '../../src/runtime/relay.js';

const printer = fromChildProcess({
  command: process.execPath,
  args: ['-e', 'console.log("one"); console.log("two")'],
  stdout: { write: () => true },
});

describe('emitted events of a supervised OS process', () => {
  it('reach a listener of the group above its supervisor, line by line', async () => {
    const group = createProcessGroup({
      children: [{ id: 'printer', logic: createSupervisor(printer, { restart: 'temporary' }) }],
    });
    const actor = createActor(group);
    const lines: string[] = [];
    actor.on('output', (event) => lines.push((event as unknown as { line: string }).line));
    actor.start();
    await toPromise(actor);
    expect(lines).toEqual(['one', 'two']);
  });

  it('are wanted only when somebody up the tree listens', async () => {
    const actor = createActor(createSupervisor(printer, { restart: 'temporary' }));
    actor.start();
    const run = childOf(actor) as AnyActorRef;
    expect(run).toBeDefined();
    // The host relays every emitted event, but nobody listens: nothing is wanted.
    expect(wantsEmitted(run, 'output')).toBe(false);
    const sub = actor.on('output', () => {});
    expect(wantsEmitted(run, 'output')).toBe(true);
    sub.unsubscribe();
    expect(wantsEmitted(run, 'output')).toBe(false);
    await toPromise(actor);
  });
});
