/**
 * Bad input to `fromChildProcess` is refused where the logic is created, with a `TypeError`
 * naming the field; environment values never show in a message or in what the inspector sees;
 * `args` run through the shell stay arguments.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { CHILD_PROCESS_OPTION_KEYS } from '../../src/node/childProcessOptions.js';
import { type ChildProcessOptions, fromChildProcess } from '../../src/node/fromChildProcess.js';
import { collector, isAlive } from '../fixtures/processes.js';

const build = (options: unknown) => () => fromChildProcess(options as ChildProcessOptions);

describe('fromChildProcess options', () => {
  it('refuses an unknown key, naming it and the closest known one', () => {
    expect(build({ command: 'x', shutdownSingal: 'SIGINT' })).toThrow(
      new TypeError(
        `fromChildProcess: unknown option "shutdownSingal"; did you mean "shutdownSignal"? (the options of fromChildProcess are: ${CHILD_PROCESS_OPTION_KEYS.join(', ')})`,
      ),
    );
    expect(build({ command: 'x', enviroment: { A: 'b' } })).toThrow(/did you mean "env"\?/);
  });

  it('refuses arrays and Dates as the options object', () => {
    expect(build([])).toThrow('fromChildProcess: option "options" must be an object; got []');
    expect(build(new Date(0))).toThrow(/option "options" must be an object/);
    expect(build({ command: 'x', env: [] })).toThrow(/option "env" must be an object/);
  });

  it('refuses NUL bytes in command, args, cwd, name and env', () => {
    expect(build({ command: 'no\0de' })).toThrow(
      'fromChildProcess: option "command" must be a string without NUL bytes ("\\0"); got "no\\u0000de"',
    );
    expect(build({ command: 'node', args: ['a', 'b\0'] })).toThrow(
      /option "args\[1\]" must be a string without NUL/,
    );
    expect(build({ command: 'node', cwd: '/tmp\0' })).toThrow(
      /option "cwd" must be a string without NUL/,
    );
    expect(build({ command: 'node', name: 'a\0' })).toThrow(
      /option "name" must be a string without NUL/,
    );
    expect(build({ command: 'node', env: { 'A\0': 'x' } })).toThrow(
      /option "env" has the key "A\\u0000"/,
    );
    expect(build({ command: 'node', env: { A: 'sec\0ret' } })).toThrow(
      'fromChildProcess: option "env.A" must be a string without NUL bytes ("\\0"); got one with a NUL byte (not shown)',
    );
  });

  it('refuses env keys that are empty or hold "="', () => {
    expect(build({ command: 'node', env: { 'A=B': 'x' } })).toThrow(
      'fromChildProcess: option "env" has the key "A=B"; a variable name must not be empty or hold "=" or NUL bytes',
    );
    expect(build({ command: 'node', env: { '': 'x' } })).toThrow(/option "env" has the key ""/);
  });

  it('refuses SIGKILL and SIGSTOP as the shutdown or reload signal, which cannot be caught', () => {
    for (const signal of ['SIGKILL', 'SIGSTOP']) {
      expect(build({ command: 'node', shutdownSignal: signal })).toThrow(
        `option "shutdownSignal" must be a signal the process can catch (${signal} cannot be caught`,
      );
      expect(build({ command: 'node', reloadSignal: signal })).toThrow(/option "reloadSignal"/);
    }
    expect(() => fromChildProcess({ command: 'node', shutdownSignal: 'SIGINT' })).not.toThrow();
  });

  it('never shows an env value in a message', () => {
    const secret = 987_654_321;
    expect(build({ command: 'node', env: { DB_PASSWORD: secret } })).toThrow(
      'option "env.DB_PASSWORD" must be a string, or undefined to remove the variable; got a value of type number (not shown)',
    );
    expect(build({ command: 'node', env: { DB_PASSWORD: secret } })).not.toThrow(String(secret));
  });

  it('keeps env values out of what the inspector sees of the logic: names show, values do not', () => {
    const logic = fromChildProcess({
      command: 'node',
      args: ['server.js'],
      env: { DB_PASSWORD: 'hunter2-secret', UNSET: undefined },
      stdout: collector(),
    });
    const seen = JSON.stringify(logic.config);
    expect(seen).not.toContain('hunter2-secret');
    expect(seen).toContain('DB_PASSWORD');
    expect(logic.config).toMatchObject({
      id: 'node',
      command: 'node',
      args: ['server.js'],
      env: { DB_PASSWORD: '[redacted]', UNSET: null },
    });
  });

  it('quotes each of args for the shell: an argument never runs as a command', async () => {
    const out = collector();
    const hostile = ['file name; echo INJECTED $(id -un)', "it's `id` & | > x", ''];
    const actor = createActor(
      fromChildProcess({
        command: "printf '<%s>\\n'",
        args: hostile,
        shell: true,
        name: 'p',
        prefix: false,
        stdout: out,
      }),
    );
    const ended = new Promise<string>((resolve) => {
      actor.subscribe({ complete: () => resolve('done'), error: (e) => resolve(String(e)) });
    });
    actor.start();
    expect(await ended).toBe('done');
    expect(out.text()).toBe(hostile.map((arg) => `<${arg}>\n`).join(''));
    expect(isAlive(actor.getSnapshot().pid!)).toBe(false);
  });

  it('either builds or throws a TypeError naming a field, for any options object (fuzzed)', () => {
    const value = fc.oneof(
      fc.anything(),
      fc.string(),
      fc.constantFrom('SIGTERM', 'SIGKILL', 'node', '', '\0', 'a=b'),
      fc.array(fc.string()),
      fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.constant(undefined), fc.integer())),
    );
    const key = fc.oneof(fc.constantFrom(...CHILD_PROCESS_OPTION_KEYS), fc.string());
    fc.assert(
      fc.property(fc.dictionary(key, value), fc.boolean(), (options, withCommand) => {
        const given = withCommand ? { command: 'node', ...options } : options;
        try {
          const logic = fromChildProcess(given as unknown as ChildProcessOptions);
          // Accepted: every key was known and the logic describes itself.
          for (const k of Object.keys(given)) expect(CHILD_PROCESS_OPTION_KEYS).toContain(k);
          expect(typeof logic.transition).toBe('function');
        } catch (error) {
          expect(error).toBeInstanceOf(TypeError);
          expect((error as Error).message).toMatch(
            /^fromChildProcess: (option|unknown option) "[^"]*"/,
          );
        }
      }),
      { numRuns: 500 },
    );
  });
});
