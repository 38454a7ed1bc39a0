/**
 * Tests of option validation, through `createSupervisor`: every bad option is refused when the
 * machine is created, with a `TypeError` naming the option, the value and what is allowed.
 */

import { describe, expect, it } from 'vitest';
import { fromPromise } from 'xstate';
import { idle } from '../../src/actors/idle.js';
import { createSupervisor, type SupervisorOptions } from '../../src/machines/supervisor.js';
import { MAX_TIMER_MS } from '../../src/policy/backoff.js';

const DURATION = `a number of milliseconds from 0 to ${MAX_TIMER_MS}`;
const POSITIVE_DURATION = `a number of milliseconds from 1 to ${MAX_TIMER_MS}`;

interface Case {
  options: Record<string, unknown>;
  /** The option's name as the message must quote it. */
  field: string;
  /** The value as the message must write it. */
  got: string;
  /** What the message must say is allowed. */
  allowed: string;
}

const durationCases = (
  field: string,
  wrap: (value: unknown) => Record<string, unknown>,
  allowed: string,
): Case[] =>
  (
    [
      [-1, '-1'],
      [Number.NaN, 'NaN'],
      [Number.POSITIVE_INFINITY, 'Infinity'],
      [Number.NEGATIVE_INFINITY, '-Infinity'],
      [2 ** 31, String(2 ** 31)],
      ['100', '"100"'],
    ] as const
  ).map(([value, got]) => ({ options: wrap(value), field, got, allowed }));

const cases: Case[] = [
  ...durationCases('backoff.initialMs', (v) => ({ backoff: { initialMs: v } }), DURATION),
  ...durationCases('backoff.maxMs', (v) => ({ backoff: { maxMs: v } }), DURATION),
  ...durationCases('shutdownTimeoutMs', (v) => ({ shutdownTimeoutMs: v }), DURATION),
  ...durationCases('resetAfterMs', (v) => ({ resetAfterMs: v }), POSITIVE_DURATION),
  ...durationCases(
    'maxRestarts.withinMs',
    (v) => ({ maxRestarts: { count: 3, withinMs: v } }),
    POSITIVE_DURATION,
  ),
  {
    options: { resetAfterMs: 0 },
    field: 'resetAfterMs',
    got: '0',
    allowed: POSITIVE_DURATION,
  },
  {
    options: { resetAfterMs: true },
    field: 'resetAfterMs',
    got: 'true',
    allowed: POSITIVE_DURATION,
  },
  {
    options: { backoff: { initialMs: 500, maxMs: 100 } },
    field: 'backoff.maxMs',
    got: '100',
    allowed: 'at least backoff.initialMs (500)',
  },
  {
    options: { backoff: { initialMs: 40_000, maxMs: 30_000 } },
    field: 'backoff.maxMs',
    got: '30000',
    allowed: 'at least backoff.initialMs (40000)',
  },
  ...(
    [
      [0.5, '0.5'],
      [0, '0'],
      [-2, '-2'],
      [Number.NaN, 'NaN'],
      [Number.POSITIVE_INFINITY, 'Infinity'],
      ['2', '"2"'],
    ] as const
  ).map(([value, got]) => ({
    options: { backoff: { factor: value } },
    field: 'backoff.factor',
    got,
    allowed: 'a finite number of at least 1',
  })),
  {
    options: { backoff: { jitter: 'random' } },
    field: 'backoff.jitter',
    got: '"random"',
    allowed: 'one of "none", "full", "equal", "decorrelated"',
  },
  {
    options: { backoff: { jitter: true } },
    field: 'backoff.jitter',
    got: 'true',
    allowed: 'one of "none", "full", "equal", "decorrelated"',
  },
  { options: { backoff: 'fast' }, field: 'backoff', got: '"fast"', allowed: 'an object' },
  { options: { backoff: null }, field: 'backoff', got: 'null', allowed: 'an object' },
  {
    options: { restart: 'always' },
    field: 'restart',
    got: '"always"',
    allowed: 'one of "transient", "permanent", "temporary"',
  },
  {
    options: { restart: 1 },
    field: 'restart',
    got: '1',
    allowed: 'one of "transient", "permanent", "temporary"',
  },
  {
    options: { childShutdown: 'kill' },
    field: 'childShutdown',
    got: '"kill"',
    allowed: 'one of "auto", "graceful", "immediate"',
  },
  { options: { maxRestarts: 5 }, field: 'maxRestarts', got: '5', allowed: 'an object' },
  { options: { maxRestarts: [3] }, field: 'maxRestarts', got: '[3]', allowed: 'an object' },
  ...(
    [
      [-1, '-1'],
      [1.5, '1.5'],
      [Number.NaN, 'NaN'],
      [Number.POSITIVE_INFINITY, 'Infinity'],
      [undefined, 'undefined'],
      ['3', '"3"'],
    ] as const
  ).map(([value, got]) => ({
    options: { maxRestarts: { count: value, withinMs: 1000 } },
    field: 'maxRestarts.count',
    got,
    allowed: 'a whole number, 0 or more',
  })),
  {
    options: { maxRestarts: { count: 3 } },
    field: 'maxRestarts.withinMs',
    got: 'undefined',
    allowed: POSITIVE_DURATION,
  },
  {
    options: { shouldRestart: 'no' },
    field: 'shouldRestart',
    got: '"no"',
    allowed: 'a function (error, failures) => boolean',
  },
  { options: { random: 0.5 }, field: 'random', got: '0.5', allowed: 'a function' },
  { options: { id: '' }, field: 'id', got: '""', allowed: 'a non-empty string' },
  { options: { id: 7 }, field: 'id', got: '7', allowed: 'a non-empty string' },
  { options: { childId: '' }, field: 'childId', got: '""', allowed: 'a non-empty string' },
];

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('createSupervisor option validation', () => {
  it.each(cases)(
    'refuses $field = $got, saying what is allowed',
    ({ options, field, got, allowed }) => {
      let thrown: unknown;
      try {
        createSupervisor(idle, options as SupervisorOptions);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(TypeError);
      const message = (thrown as TypeError).message;
      expect(message).toContain('createSupervisor');
      expect(message).toContain(`"${field}"`);
      expect(message).toContain(allowed);
      expect(message).toMatch(new RegExp(`got ${escapeRegExp(got)}$`));
    },
  );

  it.each([
    [null, 'null'],
    [undefined, 'undefined'],
    ['worker', '"worker"'],
    [42, '42'],
    [{}, '{}'],
    [{ transition: () => null }, '{}'],
  ])('refuses a child that is not actor logic (%s)', (child, got) => {
    expect(() => createSupervisor(child as never)).toThrow(TypeError);
    expect(() => createSupervisor(child as never)).toThrow(
      /option "child" must be XState actor logic .*; got /,
    );
    expect(() => createSupervisor(child as never)).toThrow(`got ${got}`);
  });

  it('refuses a plain function as the child, naming it', () => {
    async function work() {}
    expect(() => createSupervisor(work as never)).toThrow(
      /option "child" must be XState actor logic.*got a function \(work\)$/,
    );
  });

  it('refuses options that are not an object', () => {
    expect(() => createSupervisor(idle, 'fast' as never)).toThrow(TypeError);
    expect(() => createSupervisor(idle, 'fast' as never)).toThrow(
      'option "options" must be an object; got "fast"',
    );
  });

  it('accepts the boundary values', () => {
    const accepted: SupervisorOptions[] = [
      {},
      { backoff: { initialMs: 0, maxMs: 0, factor: 1 } },
      { backoff: { initialMs: MAX_TIMER_MS, maxMs: MAX_TIMER_MS } },
      { backoff: { initialMs: 100, maxMs: 100 } },
      { backoff: { initialMs: 40_000 } },
      { backoff: { jitter: 'decorrelated' } },
      { shutdownTimeoutMs: 0 },
      { shutdownTimeoutMs: MAX_TIMER_MS },
      { resetAfterMs: 1 },
      { resetAfterMs: MAX_TIMER_MS },
      { resetAfterMs: false },
      { maxRestarts: { count: 0, withinMs: 1 } },
      { maxRestarts: null },
      { restart: 'permanent' },
      { restart: 'temporary' },
      { childShutdown: 'immediate' },
      { shouldRestart: () => true, random: () => 0.5 },
    ];
    for (const options of accepted) {
      expect(() => createSupervisor(idle, options)).not.toThrow();
    }
    expect(() => createSupervisor(fromPromise(async () => 1))).not.toThrow();
    expect(() => createSupervisor(createSupervisor(idle))).not.toThrow();
  });
});
