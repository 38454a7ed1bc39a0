/**
 * The supervised worker of docs/workers.md (`examples/hasher.ts` and its worker script), run
 * with a real thread: digests come back typed, a crash is restarted, a shutdown ends the thread.
 * (The pool example of the same page runs in test/node/fromWorker.test.ts.)
 */
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type AnyActorRef, createActor } from 'xstate';
import { app } from '../../examples/hasher.js';
import { childOf } from '../../src/runtime/reach.js';
import { waitFor } from '../fixtures/processes.js';

const threads = () => readdirSync('/proc/self/task').length;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('examples/hasher.ts: one supervised worker thread', () => {
  it('hashes what the app sends, restarts a crashed worker, and ends its thread on shutdown', async () => {
    const before = threads();
    const actor = createActor(app).start();
    const done = new Promise<void>((resolve, reject) =>
      actor.subscribe({ complete: () => resolve(), error: reject }),
    );
    actor.send({ type: 'hash', id: 1, text: 'hello' });
    actor.send({ type: 'hash', id: 2, text: 'world' });
    await waitFor(
      'two digests',
      () => Object.keys(actor.getSnapshot().context.digests).length === 2,
    );
    expect(actor.getSnapshot().context.digests).toEqual({ 1: sha256('hello'), 2: sha256('world') });

    // A request the worker cannot handle (no bytes) crashes it: it is started again.
    const supervisor = actor.getSnapshot().children.hasher as AnyActorRef;
    const child = () => childOf(supervisor) as AnyActorRef | undefined;
    const first = child()!.getSnapshot().threadId as number;
    child()!.send({ type: 'hash', id: 3, data: 1n } as never);
    await waitFor('a new thread', () => (child()?.getSnapshot().threadId ?? first) > first);
    actor.send({ type: 'hash', id: 4, text: 'again' });
    await waitFor('the digest', () => actor.getSnapshot().context.digests[4] !== undefined);
    expect(actor.getSnapshot().context.digests[4]).toBe(sha256('again'));

    actor.send({ type: 'shutdown' });
    await done;
    expect(supervisor.getSnapshot().output).toMatchObject({
      reason: 'shutdown',
      restarts: 1,
      forced: [],
    });
    await waitFor('the thread to be gone', () => threads() <= before);
  });
});
