/**
 * Bad input to the Node runtime and the logger gets a clear `TypeError` at once, naming the
 * field: `runMain`, `startHealthServer`, `fromSignals`, `createLifecycleLogger`. Each surface is
 * also fuzzed: any object either is accepted or throws a `TypeError` naming a field.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createActor, SimulatedClock } from 'xstate';
import { idle } from '../../src/actors/idle.js';
import { createSupervisor } from '../../src/machines/supervisor.js';
import { fromSignals } from '../../src/node/fromSignals.js';
import { startHealthServer } from '../../src/node/health.js';
import { runMain } from '../../src/node/runMain.js';
import { checkRunMainOptions } from '../../src/node/runMainOptions.js';
import { createLifecycleLogger } from '../../src/observe.js';
import { collector } from '../fixtures/processes.js';

const root = createSupervisor(idle, { id: 'app' });
const bad = (f: () => unknown) => f;

describe('runMain options', () => {
  it('refuses unknown keys, naming the closest known one', () => {
    expect(bad(() => runMain(root, { stdrr: collector() } as never))).toThrow(
      'runMain: unknown option "stdrr"; did you mean "stderr"?',
    );
    expect(bad(() => runMain(root, { health: { prot: 1 } } as never))).toThrow(
      'runMain: unknown option "health.prot"; did you mean "health.port"?',
    );
    expect(bad(() => runMain(root, { inspect: { prt: 1 } } as never))).toThrow(
      'runMain: unknown option "inspect.prt"; did you mean "inspect.port"?',
    );
  });

  it("refuses log.format 'xml' instead of falling back to text", () => {
    expect(bad(() => runMain(root, { log: { format: 'xml' } } as never))).toThrow(
      'runMain: option "log.format" must be "text", "json" or a logger with info, warn and error methods; got "xml"',
    );
    expect(bad(() => runMain(root, { log: { fromat: 'json' } } as never))).toThrow(
      'runMain: unknown option "log.fromat"; did you mean "log.format"?',
    );
  });

  it('refuses a clock without timers, inspect: null, health: [], a bad logger or id', () => {
    expect(bad(() => runMain(root, { clock: {} } as never))).toThrow(
      'runMain: option "clock" must be a clock with setTimeout and clearTimeout methods (such as new SimulatedClock()); got {}',
    );
    expect(bad(() => runMain(root, { inspect: null } as never))).toThrow(
      'runMain: option "inspect" must be true, false, an inspection observer or function, or inspector options',
    );
    expect(bad(() => runMain(root, { health: [] } as never))).toThrow(
      'runMain: option "health" must be an object; got []',
    );
    expect(bad(() => runMain(root, { logger: 'console' } as never))).toThrow(
      'runMain: option "logger" must be a function',
    );
    expect(bad(() => runMain(root, { id: 42 } as never))).toThrow(
      'runMain: option "id" must be a non-empty string; got 42',
    );
    expect(bad(() => runMain(root, { systemId: '' } as never))).toThrow(
      'runMain: option "systemId" must be a non-empty string; got ""',
    );
    expect(bad(() => runMain(root, new Date() as never))).toThrow(
      'runMain: option "options" must be an object',
    );
  });

  it('accepts what it documents', () => {
    for (const options of [
      {},
      { clock: new SimulatedClock(), logger: () => {}, id: 'a', systemId: 'b' },
      { inspect: () => {} },
      { inspect: { next: () => {} } },
      { inspect: false },
      { inspect: { port: 9000, host: '127.0.0.1', open: false } },
      { health: { port: 0 } },
      { log: false },
      { log: { format: 'json', stream: collector() } },
      { log: { format: console } },
    ]) {
      expect(() => checkRunMainOptions(options)).not.toThrow();
    }
  });

  it('either accepts or throws a TypeError naming a field, for any options object (fuzzed)', () => {
    const keys = fc.constantFrom(
      'input',
      'clock',
      'logger',
      'id',
      'systemId',
      'inspect',
      'health',
      'log',
      'signals',
      'onSnapshot',
      'onStart',
      'stderr',
      'name',
      'nmae',
      'helth',
    );
    const value = fc.oneof(
      fc.anything(),
      fc.func(fc.anything()),
      fc.constantFrom(true, false, null, 'xml', 'json', [], {}, { port: 1 }, { format: 'xml' }),
    );
    fc.assert(
      fc.property(fc.dictionary(keys, value), (options) => {
        try {
          checkRunMainOptions(options);
        } catch (error) {
          expect(error).toBeInstanceOf(TypeError);
          expect((error as Error).message).toMatch(/^runMain: (option|unknown option) "[^"]+"/);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('startHealthServer input', () => {
  it('refuses a missing actor at once, not in the first request', async () => {
    await expect(startHealthServer(undefined as never)).rejects.toThrow(
      'startHealthServer: option "actor" must be an actor (the result of createActor); got undefined',
    );
  });

  it('refuses unknown keys and arrays', async () => {
    const actor = createActor(root);
    await expect(startHealthServer(actor, { prot: 1 } as never)).rejects.toThrow(
      'startHealthServer: unknown option "prot"; did you mean "port"?',
    );
    await expect(startHealthServer(actor, [] as never)).rejects.toThrow(
      'startHealthServer: option "options" must be an object; got []',
    );
  });

  it('either listens or rejects with a TypeError naming a field, for any options (fuzzed)', async () => {
    const actor = createActor(root).start();
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(
          fc.constantFrom('port', 'host', 'hots'),
          fc.oneof(fc.anything(), fc.constantFrom(0, '127.0.0.1', '', -1, 70_000, 1.5)),
        ),
        async (options) => {
          try {
            const server = await startHealthServer(actor, options as never);
            await server.close();
          } catch (error) {
            // A host name that does not resolve is a system error, not an option mistake.
            if ((error as Error).name === 'ListenError') return;
            expect(error).toBeInstanceOf(TypeError);
            expect((error as Error).message).toMatch(
              /^startHealthServer: (option|unknown option) "[^"]+"/,
            );
          }
        },
      ),
      { numRuns: 60 },
    );
    actor.stop();
  });
});

describe('fromSignals options', () => {
  it('refuses unknown keys, naming the closest known one', () => {
    expect(bad(() => fromSignals({ forceOnRepaet: false } as never))).toThrow(
      'fromSignals: unknown option "forceOnRepaet"; did you mean "forceOnRepeat"?',
    );
  });

  it('either builds or throws a TypeError naming a field (fuzzed)', () => {
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.constantFrom('signals', 'forceOnRepeat', 'to', 'too'),
          fc.oneof(
            fc.anything(),
            fc.constantFrom('root', 'parent', { SIGINT: 'shutdown' }, { SIGKILL: 'reload' }),
          ),
        ),
        (options) => {
          try {
            fromSignals(options as never);
          } catch (error) {
            expect(error).toBeInstanceOf(TypeError);
            expect((error as Error).message).toMatch(/^fromSignals: (option|unknown option) "/);
          }
        },
      ),
    );
  });
});

describe('createLifecycleLogger options', () => {
  it('refuses an unknown format, a stream without write, and unknown keys', () => {
    expect(bad(() => createLifecycleLogger({ format: 'xml' } as never))).toThrow(
      'createLifecycleLogger: option "format" must be "text", "json" or a logger with info, warn and error methods; got "xml"',
    );
    expect(bad(() => createLifecycleLogger({ stream: {} } as never))).toThrow(
      'createLifecycleLogger: option "stream" must be an object with a write(text) method; got {}',
    );
    expect(bad(() => createLifecycleLogger({ format: { info() {} } } as never))).toThrow(
      'option "format" must be',
    );
    expect(bad(() => createLifecycleLogger({ slient: true } as never))).toThrow(
      'createLifecycleLogger: unknown option "slient"; did you mean "silent"?',
    );
  });

  it('either builds or throws a TypeError naming a field (fuzzed)', () => {
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.constantFrom('format', 'stream', 'silent', 'now', 'fromat'),
          fc.oneof(fc.anything(), fc.constantFrom('text', 'json', console, process.stderr)),
        ),
        (options) => {
          try {
            createLifecycleLogger(options as never);
          } catch (error) {
            expect(error).toBeInstanceOf(TypeError);
            expect((error as Error).message).toMatch(
              /^createLifecycleLogger: (option|unknown option) "/,
            );
          }
        },
      ),
    );
  });
});
