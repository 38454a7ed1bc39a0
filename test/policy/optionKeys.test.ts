/**
 * Unknown and misspelled option keys, and what counts as an option object: the shared checks
 * every public function uses.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { idle } from '../../src/actors/idle.js';
import { createProcessGroup } from '../../src/machines/group.js';
import { createSupervisor } from '../../src/machines/supervisor.js';
import {
  checkKnownKeys,
  checkObject,
  checkOptions,
  closestKey,
  editDistance,
  isOptionObject,
} from '../../src/policy/options.js';

const BACKOFF = ['initialMs', 'maxMs', 'factor', 'jitter'] as const;

describe('checkKnownKeys', () => {
  it('names the owner, the path of the unknown key, the closest known key and all known keys', () => {
    expect(() =>
      checkKnownKeys('createSupervisor', 'backoff', { intialMs: 5000 }, BACKOFF),
    ).toThrow(
      new TypeError(
        'createSupervisor: unknown option "backoff.intialMs"; did you mean "backoff.initialMs"? (the options of "backoff" are: initialMs, maxMs, factor, jitter)',
      ),
    );
  });

  it('writes top-level keys without a path', () => {
    expect(() =>
      checkKnownKeys('createSupervisor', 'options', { maxRestart: 3 }, ['maxRestarts', 'backoff']),
    ).toThrow(
      'createSupervisor: unknown option "maxRestart"; did you mean "maxRestarts"? (the options of createSupervisor are: maxRestarts, backoff)',
    );
  });

  it('rejects an unknown key even when its value is undefined, and never shows the value', () => {
    expect(() => checkKnownKeys('f', 'options', { secrte: 'hunter2' }, ['secret'])).toThrow(
      /unknown option "secrte"; did you mean "secret"\?/,
    );
    expect(() => checkKnownKeys('f', 'options', { secrte: 'hunter2' }, ['secret'])).not.toThrow(
      /hunter2/,
    );
    expect(() => checkKnownKeys('f', 'options', { typo: undefined }, ['type'])).toThrow(TypeError);
  });

  it('says so when nothing is known', () => {
    expect(() => checkKnownKeys('f', 'options', { a: 1 }, [])).toThrow(
      'f: unknown option "a" (it takes no options)',
    );
  });

  it('accepts known keys, and every subset of them', () => {
    fc.assert(
      fc.property(fc.subarray([...BACKOFF]), (keys) => {
        checkKnownKeys('f', 'backoff', Object.fromEntries(keys.map((k) => [k, 1])), BACKOFF);
      }),
    );
  });

  it('rejects every key that is not known, naming it', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1 }).filter((key) => !(BACKOFF as readonly string[]).includes(key)),
        (key) => {
          expect(() => checkKnownKeys('f', 'backoff', { [key]: 1 }, BACKOFF)).toThrow(
            `unknown option ${JSON.stringify(`backoff.${key}`)}`,
          );
        },
      ),
    );
  });
});

describe('closestKey and editDistance', () => {
  it('finds the closest known key by edit distance, ignoring case', () => {
    expect(closestKey('intialMs', BACKOFF)).toBe('initialMs');
    expect(closestKey('MAXMS', BACKOFF)).toBe('maxMs');
    expect(closestKey('jiter', BACKOFF)).toBe('jitter');
    expect(closestKey('x', [])).toBeUndefined();
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
  });

  it('is a distance: zero only for equal words, symmetric', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        expect(editDistance(a, b)).toBe(editDistance(b, a));
        expect(editDistance(a, a)).toBe(0);
        expect(editDistance(a, b)).toBeLessThanOrEqual(Math.max(a.length, b.length));
      }),
    );
  });
});

describe('option objects', () => {
  it('are objects that are not null, arrays, Dates, Maps, Sets, RegExps or Promises', () => {
    expect(isOptionObject({})).toBe(true);
    expect(isOptionObject(Object.create(null))).toBe(true);
    expect(isOptionObject(process.env)).toBe(true);
    for (const value of [
      null,
      undefined,
      [],
      new Date(),
      new Map(),
      new Set(),
      /x/,
      Promise.resolve(),
      1,
      'a',
      () => {},
    ]) {
      expect(isOptionObject(value)).toBe(false);
    }
  });

  it('checkObject names the field and the value; undefined stands for {}', () => {
    expect(checkObject('runMain', 'health', undefined)).toEqual({});
    expect(() => checkObject('runMain', 'health', [])).toThrow(
      'runMain: option "health" must be an object; got []',
    );
    expect(() => checkObject('f', 'backoff', new Date(0))).toThrow(
      /option "backoff" must be an object/,
    );
    expect(() => checkOptions('f', 'options', { porrt: 1 }, ['port', 'host'])).toThrow(
      'f: unknown option "porrt"; did you mean "port"?',
    );
  });
});

describe('nested option objects of supervisors and groups', () => {
  it('refuse misspelled backoff and maxRestarts keys instead of keeping the defaults', () => {
    expect(() => createSupervisor(idle, { backoff: { intialMs: 5000 } } as never)).toThrow(
      'createSupervisor: unknown option "backoff.intialMs"; did you mean "backoff.initialMs"?',
    );
    expect(() =>
      createSupervisor(idle, { maxRestarts: { count: 3, withinMS: 1000 } } as never),
    ).toThrow('unknown option "maxRestarts.withinMS"; did you mean "maxRestarts.withinMs"?');
    expect(() => createProcessGroup({ children: [], backoff: { maxMS: 10 } } as never)).toThrow(
      'createProcessGroup: unknown option "backoff.maxMS"; did you mean "backoff.maxMs"?',
    );
  });
});
